/**
 * The CockroachDB dialect's SQL and DDL, checked as pure functions (no CockroachDB server runs on
 * this machine). These pin the parts that differ from PostgreSQL and the parts CockroachDB needs.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { loadDriverPackage, type QueryPlan } from "@kova/query";
import { postgresDialect } from "@kova/driver-postgres";
import { cockroachDialect, ddlFor, driverPackage, retryDelay, sequenceName } from "../src/index.js";
import { Account, arg, compile, entities, eq, f, lit, select } from "./helpers.js";

test("the package provides the cockroach driver and exports its dialect", async () => {
  assert.equal(await loadDriverPackage("cockroach"), driverPackage);
  assert.deepEqual(driverPackage.names, ["cockroach"]);
  assert.equal(typeof driverPackage.createDriver, "function");
  assert.notEqual(driverPackage.createDriver, (await loadDriverPackage("postgres")).createDriver);
  assert.equal(driverPackage.dialect, cockroachDialect);
  assert.equal(cockroachDialect.name, "cockroach");
});

test("DDL: ids and versions from sequences (small and sequential), CockroachDB types, no SERIAL", () => {
  const ddl = ddlFor([Account]);
  const text = ddl.join(";\n");
  assert.equal(sequenceName("account", "id"), "account__id_seq");
  assert.ok(ddl.includes(`CREATE SEQUENCE IF NOT EXISTS "account__id_seq"`));
  assert.ok(ddl.includes(`CREATE SEQUENCE IF NOT EXISTS "account__history__version_seq"`));
  assert.ok(ddl.indexOf(`CREATE SEQUENCE IF NOT EXISTS "account__id_seq"`) < ddl.findIndex((s) => s.startsWith(`CREATE TABLE IF NOT EXISTS "account" `)), "the sequence exists before the table uses it");
  assert.ok(ddl.includes(
    `CREATE TABLE IF NOT EXISTS "account" ("id" INT8 NOT NULL DEFAULT nextval('"account__id_seq"') PRIMARY KEY, "owner" TEXT, "balance" INT8, "note" TEXT, "opened" TIMESTAMPTZ, "meta" JSONB)`,
  ));
  assert.ok(ddl.includes(
    `CREATE TABLE IF NOT EXISTS "account__history" ("version" INT8 NOT NULL DEFAULT nextval('"account__history__version_seq"') PRIMARY KEY, "id" bigint NOT NULL, "op" text NOT NULL, "at" timestamptz NOT NULL, "data" jsonb NOT NULL)`,
  ));
  assert.ok(ddl.includes(`CREATE UNIQUE INDEX IF NOT EXISTS "account__unique_owner" ON "account" ("owner")`));
  assert.ok(ddl.includes(`CREATE INDEX IF NOT EXISTS "account__index_note" ON "account" ("note")`));
  assert.doesNotMatch(text, /SERIAL|unique_rowid|COLLATE/i, "no SERIAL (unique_rowid on CockroachDB), no collation (strings compare by bytes)");
  assert.ok(ddl.every((s) => /IF NOT EXISTS/.test(s)));
});

test("statements: the PostgreSQL SQL without collations, stamped with the cockroach dialect, no AS OF SYSTEM TIME", () => {
  const asOf = compile(select("Account", { where: eq(f("owner"), arg(0)), asOf: arg(1), single: true }));
  assert.equal(asOf.dialect, "cockroach");
  assert.match(asOf.read.text, /SELECT DISTINCT ON \("h"\."id"\) /);
  assert.match(asOf.read.text, /\("h"\."data"->>'owner'\) AS "owner"/, "no COLLATE on CockroachDB");
  assert.doesNotMatch(asOf.read.text, /SYSTEM TIME|COLLATE/);
  const ordered = compile(select("Account", { orderBy: [{ field: "note", direction: "ASC" }, { field: "balance", direction: "DESC" }] }));
  assert.match(ordered.read.text, /ORDER BY "r"\."note" ASC NULLS FIRST, "r"\."balance" DESC NULLS LAST, "r"\."id" ASC$/, "null order as CockroachDB's default and the embedded store's");
  const plans: QueryPlan[] = [
    { kind: "insert", entity: "Account", values: { kind: "object", operand: arg(0) } },
    { kind: "update", entity: "Account", values: { kind: "object", operand: arg(1) }, where: eq(f("id"), arg(0)), single: true },
    { kind: "delete", entity: "Account", where: eq(f("note"), lit("x")), single: false },
    { kind: "save", entity: "Account", values: { kind: "object", operand: arg(0) } },
  ];
  for (const plan of plans) {
    const crdb = compile(plan);
    const pg = JSON.parse(JSON.stringify(postgresDialect.compile(plan, entities)));
    assert.equal(crdb.write.text, pg.write.text, `${plan.kind}: write statements are the PostgreSQL ones (no string column compares in them)`);
    assert.match(crdb.write.text, /^WITH "__kova_w" AS \((INSERT|UPDATE|DELETE) /);
  }
  const filtered = compile(select("Account", { where: eq(f("owner"), arg(0)) }));
  const pgFiltered = JSON.parse(JSON.stringify(postgresDialect.compile(select("Account", { where: eq(f("owner"), arg(0)) }), entities)));
  assert.equal(filtered.read.text, pgFiltered.read.text);
  assert.notEqual(filtered.dialect, pgFiltered.dialect, "a driver refuses the other dialect's statements by this stamp");
});

test("retry backoff grows from ~20 ms to at most 1.5 s, with jitter", () => {
  for (let attempt = 1; attempt <= 10; attempt++) {
    const base = Math.min(20 * 2 ** (attempt - 1), 1000);
    for (let i = 0; i < 20; i++) {
      const delay = retryDelay(attempt);
      assert.ok(delay >= base && delay <= base * 1.5, `attempt ${attempt}: ${delay}`);
    }
  }
});

test("list fields: native arrays in CockroachDB's spelling, contains as PostgreSQL's = ANY", () => {
  const Tagged = { name: "Tagged", table: "tagged", fields: [{ name: "tags", type: "json" as const, items: "string" as const, optional: false, unique: false, index: false }, { name: "ns", type: "json" as const, items: "int" as const, optional: true, unique: false, index: false }] };
  assert.ok(ddlFor([Tagged]).some((s) => s.includes(`"tags" TEXT[], "ns" INT8[]`)));
  const compiled = JSON.stringify(cockroachDialect.compile(select("Tagged", { where: { kind: "contains", field: "ns", item: arg(0) } }), new Map([[Tagged.name, Tagged]])));
  assert.match(compiled, /COALESCE\(\$1::bigint = ANY\(\\"r\\"\.\\"ns\\"\), FALSE\)/);
});
