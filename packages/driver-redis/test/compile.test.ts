import { test } from "node:test";
import assert from "node:assert/strict";
import type { QueryPlan } from "@kova/query";
import { redisDialect } from "../src/index.js";
import { arg, asc, byId, desc, entities, eq, f, history, insertPlan, lit, select } from "./helpers.js";

const compile = (plan: QueryPlan) => redisDialect.compile(plan, entities);

function refused(plan: QueryPlan, pattern: RegExp): void {
  assert.throws(() => compile(plan), (error: Error) => {
    assert.match(error.message, /^Redis cannot run this query on User/);
    assert.match(error.message, pattern);
    assert.match(error.message, /use a SQL data source .* or mongodb/);
    return true;
  });
}

test("refuses a filter on a non-id field, naming the field", () => {
  refused(select("User", { where: eq(f("email"), arg(0)) }), /cannot filter by the field "email"/);
});

test("refuses LIKE, IN, AND/OR/NOT, null tests and id ranges", () => {
  refused(select("User", { where: { kind: "like", left: f("name"), right: arg(0) } }), /no pattern search \(LIKE\)/);
  refused(select("User", { where: { kind: "in", left: f("id"), right: arg(0) } }), /no IN/);
  refused(select("User", { where: { kind: "and", items: [byId(0), eq(f("name"), arg(1))] } }), /cannot combine conditions \(AND\)/);
  refused(select("User", { where: { kind: "not", item: byId(0) } }), /\(NOT\)/);
  refused(select("User", { where: { kind: "isNull", operand: f("age"), negated: false } }), /null field/);
  refused(select("User", { where: { kind: "compare", op: ">", left: f("id"), right: arg(0) } }), /cannot compare ids with >/);
});

test("refuses ORDER BY another field, AS OF over all rows, and writes without WHERE id", () => {
  refused(select("User", { orderBy: [asc("name")] }), /only order by id .*not by "name"/);
  refused(select("User", { orderBy: [asc("id"), desc("age")] }), /not by "age"/);
  refused(select("User", { asOf: arg(0) }), /AS OF only WHERE id == <value>/);
  refused({ kind: "update", entity: "User", values: { kind: "object", operand: arg(0) }, where: null, single: false }, /UPDATE needs WHERE id == <value>/);
  refused({ kind: "delete", entity: "User", where: eq(f("role"), lit("admin")), single: false }, /field "role"/);
  refused(history("User"), /HISTORY needs WHERE id == <value>/);
  refused(history("User", { where: byId(0), orderBy: [asc("at")] }), /only order by version/);
});

test("compiles the plans Redis serves into JSON that holds no argument values", () => {
  const byIdSelect = compile(select("User", { where: eq(arg(0), f("id")), single: true }));
  assert.deepEqual(JSON.parse(JSON.stringify(byIdSelect)).id, { from: "arg", index: 0 });
  assert.equal(byIdSelect.access, "id");
  const all = compile(select("User", { orderBy: [desc("id")], limit: arg(0), offset: lit(2) }));
  assert.equal(all.access, "all");
  assert.equal(all.descending, true);
  assert.deepEqual(all.limit, { from: "arg", index: 0 });
  assert.deepEqual(all.offset, { from: "literal", value: 2 });
  const asOf = compile(select("User", { where: byId(0), asOf: arg(1), single: true }));
  assert.deepEqual(asOf.asOf, { from: "arg", index: 1 });
  assert.equal(compile(history("User", { where: byId(0), orderBy: [desc("version")] })).descending, true);
  assert.equal(compile(insertPlan("User")).access, "new");
});

test("names an undeclared entity or field clearly", () => {
  assert.throws(() => compile(select("Ghost")), /entity Ghost, which is not declared/);
  assert.throws(() => compile(select("User", { fields: ["nope"] })), /has no field "nope"/);
});

test("refuses SET computed from the row's own fields (hits = hits + 1) at build time", () => {
  const plan: QueryPlan = { kind: "update", entity: "User", values: { kind: "fields", fields: [{ field: "age", value: { kind: "arith", op: "+", left: f("age"), right: lit(1) } }] }, where: byId(0), single: true };
  assert.throws(() => compile(plan), /Redis cannot run this query on User: .*cannot compute from the row's own fields/);
});
