/**
 * Test support shared by every driver's tests (`@kova/query/testing`): the `field()` schema helper,
 * the User/Note fixtures, builders for query plans, and scenarios that run the same plans and expect
 * the same rows on any driver. Dialect-neutral: nothing here opens a connection or knows a database;
 * each driver's test/helpers.ts keeps its own setup and hands a store to the scenarios.
 */
import assert from "node:assert/strict";
import type { CompareOp, EntitySchema, FieldSchema, Filter, HistoryEntry, HistoryPlan, Operand, OrderTerm, QueryPlan, SelectPlan } from "./plan.js";
import type { CompiledQuery, Dialect, Driver } from "./driver.js";

export function field(name: string, type: FieldSchema["type"], extra: Partial<FieldSchema> = {}): FieldSchema {
  return { name, type, optional: false, unique: false, index: false, ...extra };
}

/** The entity most driver tests use: one field of every kind, with defaults, an index and an enum. */
export const User: EntitySchema = {
  name: "User",
  table: "user",
  fields: [
    field("name", "string"),
    field("email", "string", { unique: true }),
    field("age", "int", { optional: true, index: true }),
    field("score", "float", { optional: true }),
    field("active", "boolean", { default: { value: true } }),
    field("meta", "json", { optional: true }),
    field("born", "date", { optional: true }),
    field("joined", "datetime", { default: { now: true } }),
    field("role", "string", { optional: true, enumValues: ["admin", "member"] }),
  ],
};

/** A small second entity, for batches and parallel writes. */
export const Note: EntitySchema = { name: "Note", table: "note", fields: [field("text", "string"), field("big", "int", { optional: true })] };

/** `entity` with `added` inserted right after the field named `after` (field order is row key order). */
export function withFieldAfter(entity: EntitySchema, after: string, added: FieldSchema): EntitySchema {
  return { ...entity, fields: entity.fields.flatMap((x) => (x.name === after ? [x, added] : [x])) };
}

export const f = (name: string): Operand => ({ kind: "field", field: name });
export const arg = (index: number): Operand => ({ kind: "arg", index });
export const lit = (value: string | number | boolean | null): Operand => ({ kind: "literal", value });
export const cmp = (op: CompareOp, left: Operand, right: Operand): Filter => ({ kind: "compare", op, left, right });
export const eq = (left: Operand, right: Operand): Filter => cmp("==", left, right);
/** `id == $index`. */
export const byId = (index = 0): Filter => eq(f("id"), arg(index));

export function select(entity: string, extra: Partial<SelectPlan> = {}): SelectPlan {
  return { kind: "select", entity, fields: null, where: null, orderBy: [], limit: null, offset: null, asOf: null, single: false, ...extra };
}

export function history(entity: string, extra: Partial<HistoryPlan> = {}): HistoryPlan {
  return { kind: "history", entity, where: null, orderBy: [], limit: null, offset: null, ...extra };
}

export const asc = (name: string): OrderTerm => ({ field: name, direction: "ASC" });
export const desc = (name: string): OrderTerm => ({ field: name, direction: "DESC" });

/** Writes whose values are a whole object argument: insert/save take it as $0, update as $1 with the id as $0. */
export const insertPlan = (entity: string): QueryPlan => ({ kind: "insert", entity, values: { kind: "object", operand: arg(0) } });
export const savePlan = (entity: string): QueryPlan => ({ kind: "save", entity, values: { kind: "object", operand: arg(0) } });
export const updatePlan = (entity: string): QueryPlan => ({ kind: "update", entity, values: { kind: "object", operand: arg(1) }, where: byId(0), single: true });
export const deletePlan = (entity: string): QueryPlan => ({ kind: "delete", entity, where: byId(0), single: true });

/** Inserts a Note whose text is a literal in the plan (no arguments). */
export const insertNoteText = (text: string): QueryPlan => ({ kind: "insert", entity: "Note", values: { kind: "fields", fields: [{ field: "text", value: lit(text) }] } });

/** Compiles through a JSON round trip, as `kova build` writes the statements into the app. */
export function compileWith(dialect: Dialect, plan: QueryPlan, entities: ReadonlyMap<string, EntitySchema>): any {
  return JSON.parse(JSON.stringify(dialect.compile(plan, entities)));
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** What the shared scenarios need of a driver's test store: plans run through its dialect and driver. */
export interface ScenarioStore {
  run(plan: QueryPlan, ...args: unknown[]): Promise<any>;
  insert(entity: string, body: Record<string, unknown>): Promise<any>;
}

/**
 * The history fixture: Ada inserted (age 30), updated (31), updated (32), deleted, with Cy (age 50)
 * inserted in between; writes a few ms apart. Returns Ada's id.
 */
export async function historyTimeline(s: ScenarioStore): Promise<number> {
  const ada = await s.insert("User", { name: "Ada", email: "ada@x.io", age: 30 });
  await sleep(5);
  await s.insert("User", { name: "Cy", email: "cy@x.io", age: 50 });
  await sleep(5);
  await s.run(updatePlan("User"), ada.id, { age: 31 });
  await sleep(5);
  await s.run(updatePlan("User"), ada.id, { age: 32 });
  await sleep(5);
  await s.run(deletePlan("User"), ada.id);
  return ada.id as number;
}

/**
 * AS OF over the history timeline (Ada's id given): nothing before creation, the old value between
 * updates, a deleted row before its deletion, and WHERE, projection, ordering and paging applied to
 * the rows as they were. Returns each of Ada's version instants (ms) and a single-row AS OF reader
 * for the driver's own further checks.
 */
export async function asOfTimelineChecks(s: ScenarioStore, id: number) {
  const entries = await s.run(history("User", { where: byId() }), id);
  const at: number[] = entries.map((e: any) => Date.parse(e.at));
  const asOf = (instant: unknown) => s.run(select("User", { where: byId(), asOf: arg(1), single: true }), id, instant);

  assert.equal(await asOf(at[0] - 1), null, "before creation: nothing");
  assert.equal((await asOf(at[0])).age, 30, "at the insert instant: the inserted row");
  assert.equal((await asOf(at[1] - 1)).age, 30, "between insert and first update: the old value");
  assert.equal((await asOf(new Date(at[2] - 1).toISOString())).age, 31, "ISO string instant");
  assert.equal((await asOf(String(at[3] - 1))).age, 32, "a deleted row is returned for an instant before the delete");
  assert.equal(await asOf(at[3]), null, "not at or after the delete");
  assert.equal(await s.run(select("User", { where: byId(), single: true }), id), null, "the present has no row");

  const all = (instant: number) => s.run(select("User", { asOf: arg(0), orderBy: [asc("name")] }), instant);
  assert.deepEqual((await all(at[0])).map((r: any) => r.name), ["Ada"], "Cy was created after t");
  assert.deepEqual((await all(at[3] - 1)).map((r: any) => [r.name, r.age]), [["Ada", 32], ["Cy", 50]]);
  assert.deepEqual((await all(Date.now() + 1000)).map((r: any) => r.name), ["Cy"]);
  const filtered = await s.run(select("User", { asOf: arg(0), where: cmp(">", f("age"), arg(1)), fields: ["name"] }), at[2], 30);
  assert.deepEqual(filtered, [{ id, name: "Ada" }, { id: id + 1, name: "Cy" }], "WHERE and projection apply to the as-of rows");
  const paged = await s.run(select("User", { asOf: arg(0), orderBy: [desc("age")], limit: lit(1), offset: lit(1) }), at[3] - 1);
  assert.deepEqual(paged.map((r: any) => r.name), ["Ada"]);
  return { at, asOf };
}

/** An AS OF argument that is no instant is a 400 QueryError naming AS OF. */
export async function asOfRejectsNonInstants(s: ScenarioStore): Promise<void> {
  for (const bad of ["yesterday", "", {}, true, null, "2024-13-45T99:00:00Z"]) {
    await assert.rejects(s.run(select("User", { asOf: arg(0) }), bad), (e: any) => e.name === "QueryError" && e.status === 400 && /AS OF/.test(e.message), `rejects ${JSON.stringify(bad)}`);
  }
}

/** A wall clock stepping an hour back between two writes of one Note does not move its `at` back. */
export async function clockStepBackKeepsAt(s: ScenarioStore): Promise<void> {
  const realNow = Date.now;
  try {
    const first = await s.insert("Note", { text: "a" });
    Date.now = () => realNow() - 3_600_000; // the wall clock jumps an hour back
    await s.run(updatePlan("Note"), first.id, { text: "b" });
    Date.now = realNow;
    const [v1, v2] = await s.run(history("Note", { where: byId() }), first.id);
    assert.ok(Date.parse(v2.at) >= Date.parse(v1.at), `${v2.at} is not before ${v1.at}`);
    assert.ok(v2.version > v1.version);
    assert.equal((await s.run(select("Note", { where: byId(), asOf: arg(1), single: true }), first.id, v2.at)).text, "b");
  } finally {
    Date.now = realNow;
  }
}

/** An assert.rejects/throws predicate: a QueryError with this status, field and message. */
export function rejectsWith(status: number, field: string | undefined, pattern: RegExp) {
  return (e: any) => {
    assert.equal(e.name, "QueryError", e?.stack);
    assert.equal(e.status, status);
    assert.equal(e.field, field);
    assert.match(e.message, pattern);
    return true;
  };
}

/**
 * Inserting a User with a value its schema refuses is a 400 naming the field (unknown field, wrong
 * type, out of range, bad date, not in the enum, missing or null required field, no object at all),
 * and a negative LIMIT is a 400. Nothing is written by these; the caller checks that.
 */
export async function userWriteValueChecks(s: ScenarioStore): Promise<void> {
  const insertUser = insertPlan("User");
  const ok = { name: "Ada", email: "a@x.io" };
  await assert.rejects(s.run(insertUser, { ...ok, nickname: "x" }), rejectsWith(400, "nickname", /unknown field "nickname"/));
  await assert.rejects(s.run(insertUser, { ...ok, age: "abc" }), rejectsWith(400, "age", /"age" must be an integer/));
  await assert.rejects(s.run(insertUser, { ...ok, age: 1.5 }), rejectsWith(400, "age", /integer/));
  await assert.rejects(s.run(insertUser, { ...ok, age: 2 ** 53 }), rejectsWith(400, "age", /between/));
  await assert.rejects(s.run(insertUser, { ...ok, score: "1" }), rejectsWith(400, "score", /number/));
  await assert.rejects(s.run(insertUser, { ...ok, active: "yes" }), rejectsWith(400, "active", /true or false/));
  await assert.rejects(s.run(insertUser, { ...ok, born: "2023-02-30" }), rejectsWith(400, "born", /date/));
  await assert.rejects(s.run(insertUser, { ...ok, joined: "last week" }), rejectsWith(400, "joined", /date-time/));
  await assert.rejects(s.run(insertUser, { ...ok, role: "owner" }), rejectsWith(400, "role", /one of "admin", "member"/));
  await assert.rejects(s.run(insertUser, { email: "a@x.io" }), rejectsWith(400, "name", /missing required field "name"/));
  await assert.rejects(s.run(insertUser, { ...ok, name: null }), rejectsWith(400, "name", /required/));
  await assert.rejects(s.run(insertUser, "not an object"), rejectsWith(400, undefined, /must be an object/));
  await assert.rejects(s.run(select("User", { limit: arg(0) }), -1), rejectsWith(400, undefined, /LIMIT/));
}

/**
 * Transactions on a server database: writes commit together or roll back together; an outside read
 * sees no uncommitted work; the rolled-back insert leaves no version; work that calls the driver
 * instead of `tx` joins the transaction. Leaves four Notes: a, b, d, e.
 */
export async function serverTransactionScenario(s: ScenarioStore & { driver: Driver }, compile: (plan: QueryPlan) => CompiledQuery): Promise<void> {
  const insert = insertNoteText;
  await s.driver.transaction(async (tx) => {
    await tx.execute(compile(insert("a")), []);
    await tx.execute(compile(insert("b")), []);
  });
  await assert.rejects(
    s.driver.transaction(async (tx) => {
      await tx.execute(compile(insert("c")), []);
      throw new Error("changed my mind");
    }),
    /changed my mind/,
  );
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  let started!: () => void;
  const begun = new Promise<void>((resolve) => (started = resolve));
  const slow = s.driver.transaction(async (tx) => {
    await tx.execute(compile(insert("d")), []);
    started();
    await gate;
    await tx.execute(compile(insert("e")), []);
  });
  await begun;
  const outside = await s.run(select("Note"));
  assert.deepEqual(outside.map((r: any) => r.text), ["a", "b"], "an outside read does not see uncommitted work");
  release();
  await slow;
  assert.deepEqual((await s.run(select("Note"))).map((r: any) => r.text), ["a", "b", "d", "e"]);
  const hist = await s.run({ kind: "history", entity: "Note", where: null, orderBy: [], limit: null, offset: null });
  assert.equal(hist.length, 4, "the rolled-back insert left no version");
  await assert.rejects(
    s.driver.transaction(async () => {
      await s.run(insert("via the driver, not tx"));
      throw new Error("undo");
    }),
    /undo/,
  );
  assert.equal((await s.run(select("Note"))).length, 4, "work calling the driver directly joins its transaction (and rolls back with it)");
}

/**
 * Single deletes and saves over the four Users the driver's write test seeded (ids 1-4; #2 is Bob,
 * inactive; #3 is Cy, cy@x.io, age 20; #4 is Dee, a member): a delete returns the row once, then
 * null. A save is a PUT (docs/language.md, "SAVE"): with an id it replaces the record (omitted
 * optional fields become null, defaults apply, a missing required field is a 400 and writes
 * nothing), one version; an id no record has (deleted, or never) is a 404 and writes nothing, not
 * even using up an id; without an id it inserts.
 */
export async function deleteAndSaveChecks(s: ScenarioStore): Promise<void> {
  const deleted = await s.run(deletePlan("User"), 2);
  assert.equal(deleted.name, "Bob");
  assert.equal(deleted.active, false);
  assert.equal(await s.run(deletePlan("User"), 2), null);
  assert.equal((await s.run(select("User"))).length, 3);

  const save = savePlan("User");
  const one = (id: number) => s.run(select("User", { where: byId(), single: true }), id);
  const versions = async (id: number) => (await s.run(history("User", { where: byId() }), id)) as HistoryEntry[];
  await s.run(updatePlan("User"), 3, { active: false, role: "member" });
  const cyBefore = await one(3);
  const versionsBefore = (await versions(3)).length;
  await assert.rejects(s.run(save, { id: 3, name: "Cyrus" }), rejectsWith(400, "email", /missing required field "email" for User/));
  assert.deepEqual(await one(3), cyBefore, "a refused replacement writes nothing");
  const replaced = await s.run(save, { id: 3, name: "Cyrus", email: "cy@x.io" });
  assert.deepEqual(
    [replaced.id, replaced.name, replaced.email, replaced.age, replaced.score, replaced.active, replaced.meta, replaced.role],
    [3, "Cyrus", "cy@x.io", null, null, true, null, null],
    "a save replaces: omitted optional fields become null, a field with a default gets it",
  );
  assert.deepEqual(await one(3), replaced, "read back as saved");
  const cyVersions = await versions(3);
  assert.equal(cyVersions.length, versionsBefore + 1, "one version per save");
  assert.deepEqual([cyVersions.at(-1)!.operation, cyVersions.at(-1)!.data.name, cyVersions.at(-1)!.data.age], ["update", "Cyrus", null]);

  // Values listed field by field replace alike.
  const saveFields: QueryPlan = {
    kind: "save",
    entity: "User",
    values: { kind: "fields", fields: [{ field: "id", value: arg(0) }, { field: "name", value: lit("Dee") }, { field: "email", value: lit("dee@x.io") }] },
  };
  const dee = await s.run(saveFields, 4);
  assert.deepEqual([dee.id, dee.name, dee.age, dee.role], [4, "Dee", null, null]);

  const bobVersions = await versions(2);
  assert.equal(bobVersions.at(-1)!.operation, "delete");
  await assert.rejects(s.run(save, { id: 2, name: "Bob again", email: "bob2@x.io" }), rejectsWith(404, "id", /no User with id 2 to replace/));
  await assert.rejects(s.run(saveFields, 987654), rejectsWith(404, "id", /no User with id 987654/));
  assert.equal(await one(2), null, "a deleted record stays deleted");
  assert.deepEqual(await versions(2), bobVersions, "a refused save records no version");
  assert.deepEqual((await versions(987654)).length, 0);
  assert.equal((await s.run(select("User"))).length, 3, "a save naming a missing id inserts nothing");
  await assert.rejects(s.run(save, { id: "abc", name: "Abc", email: "abc@x.io" }), rejectsWith(400, "id", /field "id" must be an integer/));

  const created = await s.run(save, { name: "Eve", email: "eve@x.io" });
  assert.equal(created.id, 5, "without an id a save inserts, with the next id (no refused save used one up)");
  assert.deepEqual([created.name, created.active, created.age], ["Eve", true, null]);
  const nullId = await s.run(save, { id: null, name: "Fay", email: "fay@x.io" });
  assert.deepEqual([nullId.id, nullId.name], [6, "Fay"], "an id of null names no record: an insert");
}
export { Login, Tick, historyControlEntities } from "./history-control-fixtures.js";
