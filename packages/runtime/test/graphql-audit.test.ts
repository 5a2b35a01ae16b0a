// GraphQL and AUDIT (docs/entities.md, "Audit trail"): an audited entity's type has the audit
// fields to read and filter on, and its input types leave them out (every write stamps them).
import { test } from "node:test";
import assert from "node:assert/strict";
import * as graphql from "graphql";
import { auditFields, type EntitySchema } from "@kova/query";
import { buildGraphqlSchema } from "../src/index.js";
import type { GraphqlResolvers } from "../src/graphql/resolvers.js";

const entities: EntitySchema[] = [
  { name: "Ticket", table: "ticket", fields: [{ name: "title", type: "string", optional: false, unique: false, index: false }, ...auditFields()] },
];
const schema = buildGraphqlSchema(graphql, entities, {}, {} as GraphqlResolvers);
const errorsOf = (query: string) => graphql.validate(schema, graphql.parse(query)).map((e) => e.message);

test("graphql: an AUDIT entity's fields are readable and filterable, never in an input", () => {
  assert.deepEqual(errorsOf(`{ tickets(where: { created_by: { eq: "ada" } }) { title created_at updated_at created_by updated_by } }`), []);
  assert.match(errorsOf(`mutation { createTicket(input: { title: "a", created_by: "x" }) { id } }`).join("\n"), /created_by/);
  assert.match(errorsOf(`mutation { updateTicket(id: 1, input: { updated_at: "2020-01-01T00:00:00Z" }) { id } }`).join("\n"), /updated_at/);
  assert.deepEqual(errorsOf(`mutation { createTicket(input: { title: "a" }) { id created_at } }`), []);
});
