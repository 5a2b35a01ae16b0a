// PUBLIC ID in @kova/query: the plan rewrite (public-id.ts), the record codec ignoring a client's
// public_id (write-record.ts), and the view every data source answers through: rows with `id` as
// the public id, and arguments compared with it that are no UUID matching nothing.
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  checkFieldValue,
  EntityWriteCodec,
  isStamp,
  publicIdArguments,
  publicIdDriver,
  publicIdField,
  publicResult,
  rewritePublicId,
  type CompiledQuery,
  type Driver,
  type EntitySchema,
  type Filter,
  type QueryPlan,
} from "../src/index.js";

const text = (name: string) => ({ name, type: "string" as const, optional: false, unique: false, index: false });
const customer: EntitySchema = { name: "Customer", table: "customer", fields: [text("name"), publicIdField()] };
const note: EntitySchema = { name: "Note", table: "note", fields: [text("body")] };
const schemas = new Map([customer, note].map((e) => [e.name, e]));
const entity = (name: string) => schemas.get(name);
const byId = { kind: "compare", op: "==", left: { kind: "field", field: "id" }, right: { kind: "arg", index: 0 } } as const;
const byPublic = { ...byId, left: { kind: "field", field: "public_id" } } as const;
const select = (name: string, extra: Partial<QueryPlan> = {}): QueryPlan => ({ kind: "select", entity: name, fields: null, where: byId, orderBy: [], limit: null, offset: null, asOf: null, single: true, ...extra }) as QueryPlan;
const UUID = "5d486515-0049-4984-ae3c-a71bee8e3079";

test("rewrite: `id` in a PUBLIC ID entity's conditions reads public_id; other entities' plans are left as they are", () => {
  assert.deepEqual(rewritePublicId(select("Customer", { fields: ["name"] }), entity), select("Customer", { fields: ["name", "public_id"], where: byPublic, publicId: true }));
  assert.deepEqual(rewritePublicId(select("Note"), entity), select("Note"));
  const nested: Filter = { kind: "and", items: [{ kind: "not", item: byId }, { kind: "in", left: { kind: "field", field: "id" }, right: { kind: "arg", index: 1 } }] };
  assert.deepEqual((rewritePublicId({ kind: "delete", entity: "Customer", where: nested, single: false }, entity) as any).where, {
    kind: "and",
    items: [{ kind: "not", item: byPublic }, { kind: "in", left: { kind: "field", field: "public_id" }, right: { kind: "arg", index: 1 } }],
  });
});

test("codec: a client's public_id is ignored on a PUBLIC ID write, and the UUID is made on insert and kept by a SAVE", () => {
  const codec = new EntityWriteCodec<unknown>(customer, { encode: (field, value) => (value === null ? null : checkFieldValue(field, value)), defaultValue: () => undefined });
  const written = codec.fromPlan({ kind: "object", operand: { kind: "arg", index: 0 }, publicId: true }, [{ name: "ada", public_id: UUID }]);
  const [name, made] = codec.completeForInsert(written, Date.now()) as string[];
  assert.equal(name, "ada");
  assert.notEqual(made, UUID);
  assert.match(made, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  assert.ok(isStamp(publicIdField()), "a SAVE that replaces a record keeps it");
});

test("view: rows answer the public id as id, without the integer key; history entries too", () => {
  const plan = rewritePublicId(select("Customer"), entity);
  assert.deepEqual(publicResult(plan, { id: 7, name: "ada", public_id: UUID }), { id: UUID, name: "ada" });
  assert.deepEqual(publicResult(plan, [{ id: 7, public_id: UUID }]), [{ id: UUID }]);
  assert.equal(publicResult(plan, null), null);
  const history = rewritePublicId({ kind: "history", entity: "Customer", where: byId, orderBy: [], limit: null, offset: null }, entity);
  assert.deepEqual(publicResult(history, [{ version: 1, operation: "insert", at: "x", data: { id: 7, name: "ada", public_id: UUID } }]), [{ version: 1, operation: "insert", at: "x", data: { id: UUID, name: "ada" } }]);
});

test("view: an argument compared with the public id that is no UUID becomes the nil UUID (it matches nothing)", () => {
  const plan = rewritePublicId(select("Customer"), entity);
  assert.deepEqual(publicIdArguments(plan, ["not-a-uuid"]), ["00000000-0000-0000-0000-000000000000"]);
  assert.deepEqual(publicIdArguments(plan, [42]), ["00000000-0000-0000-0000-000000000000"]);
  assert.deepEqual(publicIdArguments(plan, [UUID.toUpperCase()]), [UUID]);
});

test("publicIdDriver: a marked plan's statement gets public arguments and answers public rows; others pass through", async () => {
  const seen: unknown[][] = [];
  const inner = { execute: async (_q: CompiledQuery, args: readonly unknown[]) => (seen.push([...args]), { id: 1, name: "ada", public_id: UUID }), close: async () => {} } as unknown as Driver;
  const driver = publicIdDriver(inner);
  const marked = { dialect: "test", plan: rewritePublicId(select("Customer"), entity) };
  assert.deepEqual(await driver.execute(marked, ["nope"]), { id: UUID, name: "ada" });
  assert.deepEqual(seen[0], ["00000000-0000-0000-0000-000000000000"]);
  assert.deepEqual(await driver.execute({ dialect: "test", plan: select("Note") }, ["nope"]), { id: 1, name: "ada", public_id: UUID });
  assert.equal(typeof driver.close, "function");
});

test("rewrite and view: a nested selection of a PUBLIC ID entity's rows reads public_id and answers it as id; a condition through a relation to one reads public_id", () => {
  const country: EntitySchema = { name: "Country", table: "country", fields: [text("code")], relations: [{ name: "customers", entity: "Customer", by: "country" }] };
  const all = new Map([customer, note, country].map((e) => [e.name, e]));
  const of = (name: string) => all.get(name);
  const step = { kind: "many" as const, name: "customers", entity: "Customer", field: "country" };
  const nested = { name: "customers", relation: step, shape: "list" as const, fields: ["name"], nested: [], where: null, orderBy: [], limit: null };
  const related: Filter = { kind: "related", relation: step, filter: byId };
  const plan = rewritePublicId(select("Country", { where: related, nested: [nested] }), of) as any;
  assert.deepEqual(plan.nested[0].fields, ["name", "public_id"]);
  assert.equal(plan.nested[0].publicId, true);
  assert.deepEqual([plan.publicId, plan.publicNested], [undefined, true], "the country's own rows keep their integer id");
  assert.deepEqual(plan.where, { kind: "related", relation: step, filter: byPublic });
  assert.deepEqual(publicIdArguments(plan, ["nope"]), ["00000000-0000-0000-0000-000000000000"]);
  const row = { id: 3, code: "de", customers: [{ id: 7, name: "ada", public_id: UUID }] };
  assert.deepEqual(publicResult(plan, row), { id: 3, code: "de", customers: [{ id: UUID, name: "ada" }] });
  assert.equal(rewritePublicId(select("Note"), of).publicId, undefined, "a plan reaching no PUBLIC ID entity is left as it is");
});

test("rewrite: a reference to a PUBLIC ID entity is compared by the referenced record's public id, and marked on every plan", () => {
  const order: EntitySchema = { name: "Order", table: "order", fields: [{ ...text("customer"), type: "int", references: "Customer", publicReference: true }, { ...text("total"), type: "int" }] };
  const all = new Map([customer, order].map((e) => [e.name, e]));
  const of = (name: string) => all.get(name);
  const step = { kind: "one", name: "customer", entity: "Customer", field: "customer" };
  const byCustomer: Filter = { kind: "compare", op: "==", left: { kind: "field", field: "customer" }, right: { kind: "arg", index: 0 } };
  const read = rewritePublicId(select("Order", { where: byCustomer, single: false }), of) as any;
  assert.deepEqual(read.where, { kind: "related", relation: step, filter: byPublic });
  assert.deepEqual(read.publicRefs, [{ key: "customer", entity: "Customer" }]);
  assert.equal(read.publicId, undefined, "the order's own id stays its integer key");
  const not = rewritePublicId(select("Order", { where: { ...byCustomer, op: "!=" }, single: false }), of) as any;
  assert.deepEqual(not.where, { kind: "not", item: { kind: "related", relation: step, filter: byPublic } });
  const total: Filter = { kind: "compare", op: ">", left: { kind: "field", field: "total" }, right: { kind: "arg", index: 0 } };
  assert.deepEqual((rewritePublicId(select("Order", { where: total }), of) as any).where, total, "other conditions are left as they are");
  const insert = rewritePublicId({ kind: "insert", entity: "Order", values: { kind: "object", operand: { kind: "arg", index: 0 } } }, of) as any;
  assert.deepEqual([insert.publicRefs, insert.values.publicId], [[{ key: "customer", entity: "Customer" }], undefined]);
  const shaped = rewritePublicId(select("Order", { where: null, shape: { columns: [{ name: "buyer", value: { kind: "field", field: "customer" } }], distinct: false, groupBy: [], having: null, result: "rows" } }), of) as any;
  assert.deepEqual(shaped.publicRefs, [{ key: "buyer", entity: "Customer" }]);
});
