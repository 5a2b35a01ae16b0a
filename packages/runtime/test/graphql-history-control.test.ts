// GraphQL honours history control (docs/language.md, "History control"): a SECRET field is neither
// returned nor usable in a filter or an order (a filter would let a caller test guesses against a
// password hash), and a NO HISTORY entity has no `history` field and takes no `asOf`.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as graphql from "graphql";
import type { EntitySchema } from "@kova/query";
import { buildGraphqlSchema } from "../src/index.js";
import type { GraphqlResolvers } from "../src/graphql/resolvers.js";

const entities: EntitySchema[] = [
  {
    name: "Account",
    table: "account",
    fields: [
      { name: "email", type: "string", optional: false, unique: true, index: false },
      { name: "password_hash", type: "string", optional: false, unique: false, index: false, secret: true },
    ],
  },
  { name: "Session", table: "session", fields: [{ name: "token_hash", type: "string", optional: false, unique: true, index: false }], history: false },
];

// Only the schema is built and queries validated here; nothing is resolved.
const schema = buildGraphqlSchema(graphql, entities, {}, {} as GraphqlResolvers);
const errorsOf = (query: string) => graphql.validate(schema, graphql.parse(query)).map((e) => e.message);

test("graphql: a SECRET field is not in the type, the filter or the order enum (a mutation may still set it)", () => {
  const sdl = graphql.printSchema(schema);
  const block = (name: string) => new RegExp(`(?:type|input|enum) ${name} \\{([^}]*)\\}`).exec(sdl)?.[1] ?? assert.fail(`no ${name} in\n${sdl}`);
  assert.match(block("Account"), /email: String/);
  for (const name of ["Account", "AccountFilter", "AccountField"]) assert.doesNotMatch(block(name), /password_hash/, name);
  assert.match(block("AccountInput"), /password_hash/, "sign-up through a mutation still stores the hash");
  assert.deepEqual(errorsOf(`{ accounts { email } }`), []);
  assert.match(errorsOf(`{ accounts { password_hash } }`).join("\n"), /Cannot query field "password_hash"/);
  assert.match(errorsOf(`{ accounts(where: { password_hash: { eq: "x" } }) { email } }`).join("\n"), /password_hash/);
  assert.match(errorsOf(`{ accounts(orderBy: [{ field: password_hash }]) { email } }`).join("\n"), /password_hash/);
});

test("graphql: a NO HISTORY entity has no history field and no asOf; others keep both", () => {
  assert.deepEqual(errorsOf(`{ accounts(asOf: "2026-01-01T00:00:00Z") { email history { version } } }`), []);
  assert.match(errorsOf(`{ sessions { token_hash history { version } } }`).join("\n"), /Cannot query field "history"/);
  assert.match(errorsOf(`{ sessions(asOf: "2026-01-01T00:00:00Z") { token_hash } }`).join("\n"), /Unknown argument "asOf"/);
});
