// TENANT BY in @kova/query: the one plan rewrite (tenant-scope.ts) GraphQL and the compiler both
// apply, and the record codec's stamp (write-record.ts) every driver shares.
import assert from "node:assert/strict";
import { test } from "node:test";
import { checkFieldValue, EntityWriteCodec, QueryError, scopeToTenant, tenantClaimOf, tenantFieldSchema, type EntitySchema, type QueryPlan } from "../src/index.js";

const text = (name: string) => ({ name, type: "string" as const, optional: false, unique: false, index: false });
const Contact: EntitySchema = { name: "Contact", table: "contact", fields: [text("name"), { ...text("country"), type: "int", optional: true, references: "Country" }, tenantFieldSchema("org")] };
const Country: EntitySchema = { name: "Country", table: "country", fields: [text("name")], relations: [{ name: "contacts", entity: "Contact", by: "country" }] };
const entities = new Map([Contact, Country].map((e) => [e.name, e]));
const lookup = (name: string) => entities.get(name);
const tenantArg = { kind: "arg" as const, index: 9 };
const guard = { kind: "compare", op: "==", left: { kind: "field", field: "tenant_id" }, right: tenantArg };

test("a plan of a shared entity touching no tenant entity is the same plan, and takes no argument", () => {
  const plan: QueryPlan = { kind: "select", entity: "Country", fields: null, where: null, orderBy: [], limit: null, offset: null, asOf: null, single: false };
  let asked = 0;
  assert.equal(scopeToTenant(plan, lookup, () => (asked++, tenantArg)), plan);
  assert.equal(asked, 0);
  assert.equal(tenantClaimOf(entities.values()), "org");
});

test("a shared entity's nested tenant rows and a relation in its WHERE are scoped; the tenant is asked for once", () => {
  let asked = 0;
  const plan: QueryPlan = {
    kind: "select", entity: "Country", fields: null, orderBy: [], limit: null, offset: null, asOf: null, single: false,
    where: { kind: "related", relation: { kind: "many", name: "contacts", entity: "Contact", field: "country" }, filter: null },
    nested: [{ name: "contacts", relation: { kind: "many", name: "contacts", entity: "Contact", field: "country" }, shape: "count", fields: [], nested: [], where: null, orderBy: [], limit: null }],
  };
  const scoped = scopeToTenant(plan, lookup, () => (asked++, tenantArg)) as any;
  assert.deepEqual([scoped.where.filter, scoped.nested[0].where, scoped.tenant, asked], [guard, guard, tenantArg, 1]);
});

test("the codec stamps the caller's tenant on an insert, ignores a body's, keeps it on an update, refuses none", () => {
  const codec = new EntityWriteCodec<unknown>(Contact, { encode: (f, v) => (v === null ? null : checkFieldValue(f, v)), defaultValue: () => undefined });
  const at = Contact.fields.findIndex((f) => f.name === "tenant_id");
  const body = { kind: "object" as const, operand: { kind: "arg" as const, index: 0 } };
  const inserted = codec.completeForInsert(codec.fromPlan({ ...body, tenant: { value: { kind: "arg", index: 1 } } }, [{ name: "a", tenant_id: "globex" }, "acme"]), 0);
  assert.equal(inserted[at], "acme");
  const updated = codec.fromPlan({ ...body, tenant: { value: null } }, [{ name: "b", tenant_id: "globex" }]);
  assert.equal(updated.values[at], undefined, "an update leaves the column as it is");
  assert.throws(() => codec.fromPlan({ ...body, tenant: { value: { kind: "arg", index: 1 } } }, [{ name: "c" }, ""]), (e: unknown) => e instanceof QueryError && e.status === 403);
  // An import (no tenant on the plan) keeps the value it restores.
  assert.equal(codec.completeForInsert(codec.fromPlan(body, [{ name: "d", tenant_id: "globex" }]), 0)[at], "globex");
});
