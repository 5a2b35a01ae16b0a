// GraphQL and PUBLIC ID (docs/entities.md, "Public identifiers"): a PUBLIC ID entity is left out of
// the GraphQL schema, whose resolvers would answer its integer key; other entities are served.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as graphql from "graphql";
import { publicIdField, type EntitySchema } from "@kova/query";
import { buildGraphqlSchema, servedEntities } from "../src/graphql/schema.js";
import type { GraphqlResolvers } from "../src/graphql/resolvers.js";

const title = { name: "title", type: "string" as const, optional: false, unique: false, index: false };
const entities: EntitySchema[] = [
  { name: "Customer", table: "customer", fields: [title, publicIdField()] },
  { name: "Note", table: "note", fields: [title] },
];

test("graphql: a PUBLIC ID entity is not served (its integer key never leaves the server); others are", () => {
  assert.deepEqual(servedEntities(entities, {}).map((e) => e.name), ["Note"]);
  assert.deepEqual(servedEntities(entities, { entities: ["Customer", "Note"] }).map((e) => e.name), ["Note"]);
  const schema = buildGraphqlSchema(graphql, entities, {}, {} as GraphqlResolvers);
  const errorsOf = (query: string) => graphql.validate(schema, graphql.parse(query)).map((e) => e.message);
  assert.deepEqual(errorsOf(`{ notes { id title } }`), []);
  assert.match(errorsOf(`{ customers { id } }`).join("\n"), /customers/);
});
