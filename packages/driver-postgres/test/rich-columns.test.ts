// Rich types with a native PostgreSQL column (inet, cidr, macaddr, interval, numeric(p, s)): the
// DDL names it, and every value met by the column — a comparison, an IN list, a write, a history
// value read out of `data` — is cast to it, so PostgreSQL compares like with like.
import assert from "node:assert/strict";
import { test } from "node:test";
import type { EntitySchema, FieldSchema, QueryPlan } from "@kova/query";
import { ddlFor, postgresDialect, type PgCompiledRead, type PgCompiledWrite } from "../src/index.js";
import { arg, eq, f, select } from "./helpers.js";

const rich = (name: string, type: FieldSchema["type"], ref: FieldSchema["rich"]): FieldSchema => ({ name, type, optional: true, unique: false, index: false, rich: ref });

const Host: EntitySchema = {
  name: "Host",
  table: "host",
  fields: [
    rich("addr", "string", { name: "ip" }),
    rich("net", "string", { name: "cidr" }),
    rich("hw", "string", { name: "mac" }),
    rich("up", "string", { name: "duration" }),
    rich("fee", "decimal", { name: "decimal", args: [10, 2] }),
    rich("tel", "string", { name: "phone" }),
  ],
};
const entities = new Map([[Host.name, Host]]);

test("DDL: native columns for rich types that have one, text for the others", () => {
  const create = ddlFor([Host]).find((s) => s.startsWith('CREATE TABLE IF NOT EXISTS "host" '))!;
  assert.match(create, /"addr" inet, "net" cidr, "hw" macaddr, "up" interval, "fee" numeric\(10, 2\), "tel" text COLLATE "C"/);
});

test("values met by a native column are cast to its type: comparisons, IN lists, AS OF history values", () => {
  const where = (plan: QueryPlan) => (postgresDialect.compile(plan, entities) as PgCompiledRead).read.text;
  assert.match(where(select("Host", { where: eq(f("addr"), arg(0)) })), /"r"\."addr" = \$1::inet/);
  assert.match(where(select("Host", { where: eq(f("tel"), arg(0)) })), /"r"\."tel" = \$1::text/);
  assert.match(where(select("Host", { where: { kind: "in", left: f("hw"), right: arg(0) } })), /= ANY\(\$1::macaddr\[\]\)/);
  const asOf = where(select("Host", { where: eq(f("up"), arg(0)), asOf: arg(1) } as never));
  assert.match(asOf, /\("h"\."data"->>'up'\)::interval AS "up"/);
  assert.match(asOf, /"r"\."up" = \$2::interval/);
});

test("a write binds each native column's value cast to it", () => {
  const insert: QueryPlan = { kind: "insert", entity: "Host", values: { kind: "object", value: arg(0) } } as never;
  const compiled = postgresDialect.compile(insert, entities) as PgCompiledWrite;
  const text = JSON.stringify(compiled);
  for (const cast of ["::inet", "::cidr", "::macaddr", "::interval", "::numeric(10, 2)"]) assert.ok(text.includes(cast), `${cast} in ${text}`);
});
