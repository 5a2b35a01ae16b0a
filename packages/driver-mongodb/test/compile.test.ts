import { test } from "node:test";
import assert from "node:assert/strict";
import { compileWith } from "@kova/query/testing";
import { fillSlots, mongoDialect } from "../src/index.js";
import { arg, asc, byId, cmp, compile, desc, eq, f, history, insertPlan, lit, savePlan, select, updatePlan } from "./helpers.js";

const where = (filter: Parameters<typeof select>[1] extends infer P ? (P extends { where?: infer W } ? W : never) : never) => select("User", { where: filter });
/** The filter of a compiled find, with the arguments filled in as the driver does. */
const filled = (plan: ReturnType<typeof select>, ...args: unknown[]) => {
  const c = compile(plan);
  return fillSlots(c.command, c.slots, args).filter;
};

test("select compiles to find: filter, projection, sort with id tiebreak, skip/limit slots", () => {
  const c = compile(select("User", { fields: ["name", "age"], where: eq(f("email"), arg(0)), orderBy: [desc("age")], limit: arg(1), offset: lit(10) }));
  assert.equal(c.dialect, "mongodb");
  assert.deepEqual(c.command, {
    op: "find",
    collection: "user",
    filter: { email: { $eq: null } },
    projection: { name: 1, age: 1 },
    sort: { age: -1, _id: 1 },
    skip: null,
    limit: null,
  });
  assert.deepEqual(c.slots, [
    { path: ["filter", "email", "$eq"], source: { from: "arg", index: 0, encoding: { kind: "scalar", type: "string" } } },
    { path: ["skip"], source: { from: "literal", value: 10, encoding: { kind: "count", clause: "OFFSET" } } },
    { path: ["limit"], source: { from: "arg", index: 1, encoding: { kind: "count", clause: "LIMIT" } } },
  ]);
  assert.deepEqual(c.columns.map((col: any) => col.name), ["id", "name", "age"]);
  assert.deepEqual(fillSlots(c.command, c.slots, ["a@x.io", "5"]), { ...c.command, filter: { email: { $eq: "a@x.io" } }, skip: 10, limit: 5 });
  assert.deepEqual(compile(select("User", { orderBy: [asc("id")] })).command.sort, { _id: 1 });
});

test("an argument that looks like an operator stays a value under $eq / $literal", () => {
  const injection = { $gt: "" };
  assert.deepEqual(filled(where(eq(f("email"), arg(0))), injection), { email: { $eq: { $gt: "" } } });
  assert.deepEqual(filled(where(eq(arg(0), f("name"))), "$where"), { name: { $eq: "$where" } });
  // Two values compared: aggregation expression, each wrapped in $literal so "$name" is not a field path.
  assert.deepEqual(filled(where(eq(arg(0), arg(1))), "$name", { $gt: "" }), { $expr: { $eq: [{ $literal: "$name" }, { $literal: { $gt: "" } }] } });
  // The command document holds no value, not even a constant: every slot is null until run time.
  assert.doesNotMatch(JSON.stringify(compile(where(eq(f("email"), lit("secret@x.io")))).command), /secret/);
});

test("== and != are null-safe; ranges guard against null (SQL's unknown matches nothing)", () => {
  assert.deepEqual(filled(where(eq(f("age"), arg(0))), null), { age: { $eq: null } });
  assert.deepEqual(filled(where(cmp("!=", f("age"), arg(0))), "7"), { age: { $ne: 7 } });
  assert.deepEqual(filled(where(cmp("<", f("age"), arg(0))), 18), { age: { $lt: 18, $ne: null } });
  // A value on the left flips the operator.
  assert.deepEqual(filled(where(cmp("<", arg(0), f("age"))), 18), { age: { $gt: 18, $ne: null } });
  assert.deepEqual(filled(where(cmp(">=", f("joined"), arg(0))), "2024-01-01T00:00:00+01:00"), { joined: { $gte: new Date("2023-12-31T23:00:00.000Z"), $ne: null } });
  assert.deepEqual(filled(where(eq(f("id"), arg(0))), "42"), { _id: { $eq: 42 } });
  assert.deepEqual(filled(where(eq(f("active"), arg(0))), "true"), { active: { $eq: true } });
});

test("field-to-field comparisons use $expr, with null guards for ranges", () => {
  assert.deepEqual(filled(where(eq(f("age"), f("score")))), { $expr: { $eq: ["$age", "$score"] } });
  assert.deepEqual(filled(where(cmp(">", f("age"), f("score")))), {
    $expr: { $and: [{ $gt: ["$age", "$score"] }, { $ne: ["$age", null] }, { $ne: ["$score", null] }] },
  });
});

test("IN, LIKE, IS NULL, truthy", () => {
  assert.deepEqual(filled(where({ kind: "in", left: f("age"), right: arg(0) }), ["1", 2, null]), { age: { $in: [1, 2], $ne: null } });
  assert.deepEqual(filled(where({ kind: "like", left: f("name"), right: arg(0) }), "a.b%_(x)"), {
    name: { $regex: "^a\\.b.*.\\(x\\)(?![\\s\\S])", $options: "s" },
  });
  assert.deepEqual(filled(where({ kind: "isNull", operand: f("age"), negated: true })), { age: { $ne: null } });
  assert.deepEqual(filled(where({ kind: "truthy", operand: f("active") })), { active: { $eq: true } });
  assert.throws(() => compile(where({ kind: "like", left: f("name"), right: f("email") })), /cannot use a field as a LIKE pattern/);
  assert.throws(() => compile(where({ kind: "in", left: f("age"), right: f("score") })), /right side of IN/);
});

test("NOT is three-valued: it swaps to the FALSE form (null rows match neither), never $nor", () => {
  assert.deepEqual(filled(where({ kind: "not", item: cmp(">", f("age"), arg(0)) }), 5), { age: { $lte: 5, $ne: null } });
  assert.deepEqual(filled(where({ kind: "not", item: eq(f("age"), arg(0)) }), 5), { age: { $ne: 5 } });
  assert.deepEqual(filled(where({ kind: "not", item: { kind: "like", left: f("name"), right: lit("A%") } })), {
    name: { $not: { $regex: "^A.*(?![\\s\\S])", $options: "s" }, $ne: null },
  });
  assert.deepEqual(filled(where({ kind: "not", item: { kind: "in", left: f("age"), right: arg(0) } }), [1]), { age: { $nin: [1], $ne: null } });
  assert.deepEqual(filled(where({ kind: "not", item: { kind: "truthy", operand: f("active") } })), { active: { $eq: false } });
  // De Morgan: NOT (a AND b) = (NOT a) OR (NOT b).
  assert.deepEqual(filled(where({ kind: "not", item: { kind: "and", items: [eq(f("name"), lit("x")), cmp("<", f("age"), lit(3))] } })), {
    $or: [{ name: { $ne: "x" } }, { age: { $gte: 3, $ne: null } }],
  });
  assert.doesNotMatch(JSON.stringify(compile(where({ kind: "not", item: { kind: "or", items: [eq(f("name"), arg(0))] } }))), /\$nor/);
});

test("AND / OR, empty ones, and constants", () => {
  assert.deepEqual(filled(where({ kind: "and", items: [eq(f("name"), arg(0)), { kind: "or", items: [eq(f("age"), lit(1)), eq(f("age"), lit(2))] }] }), "n"), {
    $and: [{ name: { $eq: "n" } }, { $or: [{ age: { $eq: 1 } }, { age: { $eq: 2 } }] }],
  });
  assert.deepEqual(filled(where({ kind: "and", items: [] })), {});
  assert.deepEqual(filled(where({ kind: "or", items: [] })), { $expr: { $literal: false } });
  assert.deepEqual(filled(where({ kind: "truthy", operand: arg(0) }), true), { $expr: { $eq: [{ $literal: true }, true] } });
});

test("AS OF compiles to an aggregation over the history collection", () => {
  const c = compile(select("User", { fields: ["name"], where: eq(f("id"), arg(0)), asOf: arg(1), limit: lit(1), single: true }));
  assert.equal(c.command.op, "aggregate");
  assert.equal(c.command.collection, "user__history");
  assert.deepEqual(c.command.pipeline, [
    { $match: { at: { $lte: null } } },
    { $sort: { version: -1 } },
    { $group: { _id: "$data.id", entry: { $first: "$$ROOT" } } },
    { $match: { "entry.operation": { $ne: "delete" } } },
    { $replaceRoot: { newRoot: "$entry.data" } },
    { $match: { id: { $eq: null } } },
    { $sort: { id: 1 } },
    { $limit: null },
    { $project: { _id: 0, id: 1, name: 1 } },
  ]);
  const run = fillSlots(c.command, c.slots, ["3", "1700000000000"]);
  assert.deepEqual(run.pipeline[0], { $match: { at: { $lte: new Date(1700000000000) } } });
  assert.deepEqual(run.pipeline[5], { $match: { id: { $eq: 3 } } });
  assert.deepEqual(run.pipeline[7], { $limit: 1 });
  assert.throws(() => fillSlots(c.command, c.slots, [3, "last tuesday"]), { name: "QueryError", status: 400, message: /AS OF needs an ISO-8601/ });
});

test("HISTORY compiles to find on the history collection; version and at are the entry's own", () => {
  const c = compile(history("User", { where: { kind: "and", items: [eq(f("id"), arg(0)), cmp(">", f("at"), arg(1)), eq(f("name"), lit("A"))] }, orderBy: [desc("at")] }));
  assert.equal(c.command.collection, "user__history");
  const run = fillSlots(c.command, c.slots, [7, "2024-05-01T00:00:00Z"]);
  assert.deepEqual(run.filter, { $and: [{ "data.id": { $eq: 7 } }, { at: { $gt: new Date("2024-05-01T00:00:00Z"), $ne: null } }, { "data.name": { $eq: "A" } }] });
  assert.deepEqual(run.sort, { at: -1, version: 1 });
  assert.deepEqual(run.projection, { _id: 0 });
});

test("writes: insert/save carry no command; update/delete carry the match filter", () => {
  assert.equal(compile(insertPlan("User")).command, undefined);
  assert.equal(compile(savePlan("User")).kind, "save");
  const u = compile(updatePlan("User"));
  assert.deepEqual(u.command, { op: "match", collection: "user", filter: { _id: { $eq: null } } });
  assert.equal(u.single, true);
  assert.equal(u.historyCollection, "user__history");
  const d = compile({ kind: "delete", entity: "User", where: { kind: "like", left: f("email"), right: arg(0) }, single: false });
  assert.deepEqual(fillSlots(d.command, d.slots, ["%@x.io"]).filter, { email: { $regex: "^.*@x\\.io(?![\\s\\S])", $options: "s" } });
  assert.throws(() => compile({ kind: "insert", entity: "User", values: { kind: "fields", fields: [{ field: "nope", value: arg(0) }] } }), /has no field "nope"/);
  assert.throws(() => compile(select("Ghost")), /entity Ghost, which is not declared/);
  assert.throws(() => compile(select("User", { where: eq(f("ghost"), arg(0)) })), /has no field "ghost" \(it has: id, name/);
});

test("LIMIT / OFFSET values are checked at run time", () => {
  const c = compile(select("User", { limit: arg(0) }));
  assert.throws(() => fillSlots(c.command, c.slots, [-1]), { status: 400, message: /LIMIT must be a non-negative integer/ });
  assert.equal(fillSlots(c.command, c.slots, ["0"]).limit, 0);
  assert.equal(byId(0).kind, "compare");
});

test("SET age = age + $1 is a pipeline update the server computes (atomic), with the argument as a literal", async () => {
  const { withArgs } = await import("../src/mongo-runner.js");
  const plan = { kind: "update" as const, entity: "User", values: { kind: "fields" as const, fields: [{ field: "age", value: { kind: "arith" as const, op: "+" as const, left: f("age"), right: arg(1) } }] }, where: byId(0), single: true };
  const c = compile(plan);
  assert.deepEqual(c.computed, { age: { $add: ["$age", { $kovaArg: 1 }] } });
  assert.deepEqual(withArgs(c.computed, [7, 2]), { age: { $add: ["$age", { $literal: 2 }] } });
});

test("a list field: contains is an element match, NOT contains $ne (a missing list contains nothing)", () => {
  const Tagged = { name: "Tagged", table: "tagged", fields: [{ name: "tags", type: "json" as const, items: "string" as const, optional: true, unique: false, index: false }] };
  const known = new Map([[Tagged.name, Tagged]]);
  const plan = (negated: boolean) =>
    select("Tagged", { where: negated ? { kind: "not", item: { kind: "contains", field: "tags", item: arg(0) } } : { kind: "contains", field: "tags", item: arg(0) } });
  const run = (negated: boolean) => {
    const c = compileWith(mongoDialect, plan(negated), known);
    return fillSlots(c.command, c.slots, ["x"]).filter;
  };
  assert.deepEqual(run(false), { tags: { $eq: "x" } });
  assert.deepEqual(run(true), { tags: { $ne: "x" } });
});
