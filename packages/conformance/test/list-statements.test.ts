/**
 * List fields compiled by each SQL dialect, as pure functions (the conformance cases run them on the
 * databases): the column types, the contains test, a list written as one value, the history read.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import type { Dialect, EntitySchema, QueryPlan } from "@kova/query";
import { sqliteDialect } from "@kova/driver-embedded";
import { entityDdl, postgresDialect, postgresFlavor } from "@kova/driver-postgres";
import { mysqlDialect, ddlFor as mysqlDdl } from "@kova/driver-mysql";
import { redisDialect } from "@kova/driver-redis";

const Article: EntitySchema = {
  name: "Article",
  table: "article",
  fields: [
    { name: "title", type: "string", optional: false, unique: false, index: false },
    { name: "tags", type: "json", items: "string", optional: false, unique: false, index: false },
    { name: "scores", type: "json", items: "int", optional: true, unique: false, index: false },
  ],
};
const entities = new Map([[Article.name, Article]]);

const tagged = (asOf: boolean): QueryPlan => ({
  kind: "select",
  entity: "Article",
  fields: null,
  where: { kind: "not", item: { kind: "contains", field: "scores", item: { kind: "arg", index: 0 } } },
  orderBy: [],
  limit: null,
  offset: null,
  asOf: asOf ? { kind: "arg", index: 1 } : null,
  single: false,
});
const insert: QueryPlan = { kind: "insert", entity: "Article", values: { kind: "object", operand: { kind: "arg", index: 0 } } };
const text = (dialect: Dialect, plan: QueryPlan) => JSON.stringify(dialect.compile(plan, entities));

test("PostgreSQL: native arrays, = ANY for contains (false for a null list), arrays read back out of the history's jsonb", () => {
  const ddl = entityDdl(Article, postgresFlavor).join(";\n");
  assert.match(ddl, /"tags" text\[\], "scores" bigint\[\]/);
  assert.match(text(postgresDialect, tagged(false)), /NOT COALESCE\(\$1::bigint = ANY\(\\"r\\"\.\\"scores\\"\), FALSE\)/);
  assert.match(text(postgresDialect, insert), /\$\d::text\[\], \$\d::bigint\[\]/);
  assert.match(text(postgresDialect, tagged(true)), /CASE WHEN jsonb_typeof\([^)]*->'scores'\) = 'array' THEN ARRAY\(SELECT jsonb_array_elements_text\([^)]*\)\)::bigint\[\] END/);
});

test("SQLite: JSON array text, contains over json_each", () => {
  assert.match(text(sqliteDialect, tagged(false)), /NOT EXISTS \(SELECT 1 FROM json_each\(\\"r\\"\.\\"scores\\"\) WHERE json_each\.value = \?\)/);
  assert.match(text(sqliteDialect, tagged(true)), /json_each\(/);
});

test("MariaDB/MySQL: a JSON column, contains as JSON_CONTAINS (false for a null list)", () => {
  assert.match(mysqlDdl([Article]).join("\n"), /`tags` JSON/);
  assert.match(text(mysqlDialect, tagged(false)), /JSON_CONTAINS\(`r`\.`scores`, JSON_ARRAY\(\?\)\) <=> 1/);
});

test("Redis refuses contains at build time, saying why", () => {
  const contains = { ...tagged(false), where: { kind: "contains", field: "scores", item: { kind: "arg", index: 0 } } } as QueryPlan;
  assert.throws(() => redisDialect.compile(contains, entities), /cannot find rows by an element of the list field "scores"/);
});
