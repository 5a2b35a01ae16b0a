import { test } from "node:test";
import assert from "node:assert/strict";
import type { EntitySchema, QueryPlan } from "@kova/query";
import { loadDriverPackage } from "@kova/query";
import { driverPackage, sqliteDialect, type CompiledRead, type CompiledWrite } from "../src/index.js";
import { arg, cmp, entities, eq, f, history, lit, select } from "./helpers.js";

const placeholders = (sql: string) => (sql.match(/\?/g) ?? []).length;

test("the package provides the driver as embedded and sqlite", async () => {
  assert.equal(await loadDriverPackage("embedded"), driverPackage);
  assert.equal(await loadDriverPackage("sqlite"), driverPackage);
  assert.equal(driverPackage.dialect, sqliteDialect);
});

test("compiled statements are JSON with one param per placeholder and no values in the SQL", () => {
  const evil = "x'); DROP TABLE user; --";
  const plan: QueryPlan = select("User", {
    where: { kind: "and", items: [eq(f("name"), lit(evil)), cmp(">", f("age"), arg(0)), { kind: "in", left: f("role"), right: arg(1) }, { kind: "truthy", operand: f("active") }] },
    limit: lit(10),
    offset: arg(2),
  });
  const compiled = sqliteDialect.compile(plan, entities) as CompiledRead;
  assert.deepEqual(JSON.parse(JSON.stringify(compiled)), compiled, "plain JSON");
  assert.equal(compiled.dialect, "sqlite");
  assert.equal(placeholders(compiled.read.sql), compiled.read.params.length);
  assert.ok(!compiled.read.sql.includes("DROP"), "a literal is bound, never written into the SQL");
  assert.ok(!compiled.read.sql.includes("10"));
  assert.deepEqual(compiled.read.params, [
    { from: "literal", value: evil },
    { from: "arg", index: 0, encoding: { kind: "scalar", type: "int" } },
    { from: "arg", index: 1, encoding: { kind: "list", type: "string" } },
    { from: "literal", value: 10 },
    { from: "arg", index: 2, encoding: { kind: "count", clause: "OFFSET" } },
  ]);
  assert.match(compiled.read.sql, /^SELECT "r"\."id" AS "id", "r"\."name" AS "name", /);
  assert.match(compiled.read.sql, /FROM "user" AS "r" WHERE \(\("r"\."name" IS \?\) AND/);
});

test("identifiers are quoted, even awkward ones", () => {
  const odd: EntitySchema = { name: "Odd", table: 'we"ird', fields: [{ name: "select", type: "string", optional: false, unique: false, index: false }] };
  const compiled = sqliteDialect.compile({ kind: "insert", entity: "Odd", values: { kind: "object", operand: arg(0) } }, new Map([["Odd", odd]])) as CompiledWrite;
  assert.equal(compiled.insert!.sql, 'INSERT INTO "we""ird" ("select") VALUES (?)');
  assert.equal(compiled.history!.insert.sql, `INSERT INTO "we""ird__history" ("id", "op", "at", "select") VALUES (?, 'insert', ?, ?)`);
});

test("every write plan compiles to statements whose placeholders all have params", () => {
  const byId = eq(f("id"), arg(0));
  const plans: QueryPlan[] = [
    { kind: "insert", entity: "User", values: { kind: "object", operand: arg(0) } },
    { kind: "update", entity: "User", values: { kind: "fields", fields: [{ field: "age", value: arg(1) }] }, where: byId, single: true },
    { kind: "update", entity: "User", values: { kind: "object", operand: arg(1) }, where: byId, single: true },
    { kind: "delete", entity: "User", where: byId, single: false },
    { kind: "save", entity: "User", values: { kind: "object", operand: arg(0) } },
    history("User", { where: byId }),
    select("User", { where: byId, asOf: arg(1), single: true }),
  ];
  for (const plan of plans) {
    const compiled = sqliteDialect.compile(plan, entities) as any;
    for (const key of ["read", "insert", "update", "delete", "exists"]) {
      if (compiled[key] !== undefined) assert.equal(placeholders(compiled[key].sql), compiled[key].params.length, `${plan.kind}.${key}`);
    }
  }
  assert.throws(() => sqliteDialect.compile(select("User", { where: eq(f("nmae"), lit(1)) }), entities), /User has no field "nmae"/);
});
