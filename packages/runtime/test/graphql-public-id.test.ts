// GraphQL and PUBLIC ID (docs/entities.md, "Public identifiers"): a PUBLIC ID entity is served by its
// public id — `id: ID!`, filters and arguments of type ID, no `public_id` field — and a reference to
// one is an ID too; entities without a public id keep their integer `id`. (Over HTTP on a real
// server: packages/cli/test/e2e-graphql-public-id.test.ts.)
import { test } from "node:test";
import assert from "node:assert/strict";
import * as graphql from "graphql";
import { publicIdField, type EntitySchema } from "@kova/query";
import { buildGraphqlSchema, servedEntities } from "../src/graphql/schema.js";
import type { GraphqlResolvers } from "../src/graphql/resolvers.js";

const title = { name: "title", type: "string" as const, optional: false, unique: false, index: false };
const customer = { name: "customer", type: "int" as const, optional: false, unique: false, index: false, references: "Customer", publicReference: true as const };
const entities: EntitySchema[] = [
  { name: "Customer", table: "customer", fields: [title, publicIdField()] },
  { name: "Note", table: "note", fields: [title, customer] },
];

test("graphql: a PUBLIC ID entity is served by its public id; a reference to one is an ID", () => {
  assert.deepEqual(servedEntities(entities, {}).map((e) => e.name), ["Customer", "Note"]);
  const schema = buildGraphqlSchema(graphql, entities, {}, {} as GraphqlResolvers);
  const errorsOf = (query: string) => graphql.validate(schema, graphql.parse(query)).map((e) => e.message);
  assert.deepEqual(errorsOf(`query ($id: ID!) { customer(id: $id) { id title } customers(where: { id: { in: [$id] } }) { id } }`), []);
  assert.deepEqual(errorsOf(`query ($id: ID!) { notes(where: { customer: { eq: $id } }) { id customerId customer { id } } }`), []);
  assert.match(errorsOf(`{ customers { public_id } }`).join("\n"), /public_id/);
  assert.match(errorsOf(`query ($id: Int!) { customer(id: $id) { id } }`).join("\n"), /Int!.*ID!/);
  const sdl = graphql.printSchema(schema);
  assert.match(sdl, /type Customer \{\n  id: ID!/);
  assert.match(sdl, /type Note \{\n  id: Int!/);
  assert.match(sdl, /input NoteInput \{\n  title: String!\n  customer: ID!/);
  assert.doesNotMatch(sdl, /input CustomerInput \{[^}]*public_id/);
});
