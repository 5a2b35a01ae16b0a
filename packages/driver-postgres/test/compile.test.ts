import { test } from "node:test";
import assert from "node:assert/strict";
import type { EntitySchema, QueryPlan } from "@kova/query";
import { loadDriverPackage } from "@kova/query";
import { ddlFor, driverPackage, fitIdentifier, parseTimestamp, postgresDialect, type PgCompiledRead, type PgCompiledWrite } from "../src/index.js";
import { arg, cmp, entities, eq, f, history, lit, select, User } from "./helpers.js";

/** The highest $n in the text: every placeholder must have a param (some are used twice). */
const highestPlaceholder = (text: string) => Math.max(0, ...[...text.matchAll(/\$(\d+)/g)].map((m) => Number(m[1])));

test("the package provides the postgres driver and exports its dialect for kova build", async () => {
  assert.equal(await loadDriverPackage("postgres"), driverPackage);
  assert.equal(driverPackage.dialect, postgresDialect);
  assert.equal(postgresDialect.name, "postgres");
});

test("compiled statements are JSON with numbered placeholders, a stable name and no values in the SQL", () => {
  const evil = "x'); DROP TABLE user; --";
  const plan: QueryPlan = select("User", {
    where: { kind: "and", items: [eq(f("name"), lit(evil)), cmp(">", f("age"), arg(0)), { kind: "in", left: f("role"), right: arg(1) }, { kind: "truthy", operand: f("active") }] },
    limit: lit(10),
    offset: arg(2),
  });
  const compiled = postgresDialect.compile(plan, entities) as PgCompiledRead;
  assert.deepEqual(JSON.parse(JSON.stringify(compiled)), compiled, "plain JSON");
  assert.equal(compiled.dialect, "postgres");
  assert.equal(highestPlaceholder(compiled.read.text), compiled.read.params.length);
  assert.ok(!compiled.read.text.includes("DROP"), "a literal is bound, never written into the SQL");
  assert.ok(!/\b10\b/.test(compiled.read.text));
  assert.deepEqual(compiled.read.params, [
    { from: "literal", value: evil },
    { from: "arg", index: 0, encoding: { kind: "scalar", type: "int" } },
    { from: "arg", index: 1, encoding: { kind: "list", type: "string" } },
    { from: "literal", value: 10 },
    { from: "arg", index: 2, encoding: { kind: "count", clause: "OFFSET" } },
  ]);
  assert.equal(
    compiled.read.text.slice(compiled.read.text.indexOf(" WHERE ")),
    ` WHERE (("r"."name" = $1::text) AND ("r"."age" > $2::bigint) AND ("r"."role" = ANY($3::text[])) AND ("r"."active")) ` +
      `ORDER BY "r"."id" ASC LIMIT $4::bigint OFFSET $5::bigint`,
  );
  const again = postgresDialect.compile(plan, entities) as PgCompiledRead;
  assert.equal(again.read.name, compiled.read.name, "the same text gets the same prepared-statement name");
  assert.match(compiled.read.name, /^kova_[0-9a-f]{24}$/);
  const other = postgresDialect.compile(select("User"), entities) as PgCompiledRead;
  assert.notEqual(other.read.name, compiled.read.name);
});

test("== is null-safe yet index-friendly; != is IS DISTINCT FROM; == null is IS NULL", () => {
  const where = (filter: any) => {
    const text = (postgresDialect.compile(select("User", { where: filter }), entities) as PgCompiledRead).read.text;
    return text.slice(text.indexOf(" WHERE ") + 7, text.indexOf(" ORDER BY"));
  };
  assert.equal(where(eq(f("age"), arg(0))), `("r"."age" = $1::bigint OR ("r"."age" IS NULL AND $1::bigint IS NULL))`);
  assert.equal(where(eq(f("id"), arg(0))), `("r"."id" = $1::bigint)`, "id is never null: plain =");
  assert.equal(where(eq(f("age"), lit(3))), `("r"."age" = $1::bigint)`, "a non-null constant: plain =");
  assert.equal(where(eq(f("age"), lit(null))), `("r"."age" IS NULL)`);
  assert.equal(where(cmp("!=", f("age"), lit(null))), `("r"."age" IS NOT NULL)`);
  assert.equal(where(cmp("!=", f("age"), arg(0))), `("r"."age" IS DISTINCT FROM $1::bigint)`);
  assert.equal(where(eq(f("name"), f("email"))), `("r"."name" IS NOT DISTINCT FROM "r"."email")`);
  assert.equal(where({ kind: "like", left: f("name"), right: arg(0) }), `("r"."name" LIKE $1::text ESCAPE '\\')`);
  assert.equal(where({ kind: "not", item: { kind: "isNull", operand: f("role"), negated: true } }), `(NOT ("r"."role" IS NOT NULL))`);
});

test("a write is one statement: the live change and its version in a data-modifying CTE", () => {
  const compiled = postgresDialect.compile({ kind: "delete", entity: "User", where: eq(f("id"), arg(0)), single: true }, entities) as PgCompiledWrite;
  const text = compiled.write.text;
  assert.match(text, /^WITH "__kova_w" AS \(DELETE FROM "user" WHERE \("user"\."id" = \$1::bigint\) RETURNING "id", "name", /);
  assert.match(text, /"__kova_at" AS \(SELECT date_trunc\('milliseconds', clock_timestamp\(\)\) AS "at" FROM \(SELECT 1 FROM "__kova_w" LIMIT 1\) AS "__kova_first"\)/);
  assert.match(text, /INSERT INTO "user__history" \("id", "op", "at", "data"\) SELECT "__kova_w"\."id", 'delete', "__kova_at"\."at", jsonb_build_object\('name', "__kova_w"\."name", /);
  assert.match(text, /SELECT "id", "name", .* FROM "__kova_w" ORDER BY "id"$/);
  const partial = postgresDialect.compile({ kind: "update", entity: "User", values: { kind: "object", operand: arg(1) }, where: eq(f("id"), arg(0)), single: true }, entities) as PgCompiledWrite;
  assert.match(partial.write.text, /SET "name" = CASE WHEN \$1::boolean THEN \$2::text ELSE "name" END, /);
  assert.deepEqual(partial.write.params.slice(0, 2), [{ from: "present", field: "name" }, { from: "value", field: "name" }]);
  const save = postgresDialect.compile({ kind: "save", entity: "User", values: { kind: "object", operand: arg(0) } }, entities) as PgCompiledWrite;
  assert.match(save.write.text, /WHERE "user"\."id" = \$\d+::bigint RETURNING/);
  assert.match(save.insert!.text, /^WITH "__kova_w" AS \(INSERT INTO "user" \("name", "email", "age", "score", "active", "meta", "born", "joined", "role"\) VALUES \(\$1::text, \$2::text, \$3::bigint, \$4::double precision, \$5::boolean, \$6::jsonb, \$7::date, \$8::timestamptz, \$9::text\)/);
});

test("AS OF reads each id's newest version at or before t (DISTINCT ON) and drops deletes", () => {
  const compiled = postgresDialect.compile(select("User", { where: eq(f("age"), arg(0)), asOf: arg(1), fields: ["name"] }), entities) as PgCompiledRead;
  const text = compiled.read.text;
  assert.match(text, /^SELECT "r"\."id" AS "id", "r"\."name" AS "name" FROM \(SELECT DISTINCT ON \("h"\."id"\) "h"\."id" AS "id", "h"\."op" AS "__kova_op", /);
  assert.match(text, /\(\("h"\."data"->>'name'\) COLLATE "C"\) AS "name"/);
  assert.match(text, /\("h"\."data"->>'age'\)::bigint AS "age"/);
  assert.match(text, /NULLIF\("h"\."data"->'meta', 'null'::jsonb\) AS "meta"/);
  assert.match(text, /FROM "user__history" AS "h" WHERE "h"\."at" <= \$1::timestamptz ORDER BY "h"\."id", "h"\."version" DESC\) AS "r" WHERE "r"\."__kova_op" <> 'delete' AND /);
  assert.deepEqual(compiled.read.params[0], { from: "arg", index: 1, encoding: { kind: "asOf" } });
  const hist = postgresDialect.compile(history("User", { where: cmp(">", f("at"), arg(0)) }), entities) as PgCompiledRead;
  assert.match(hist.read.text, /WHERE \("h"\."at" > \$1::timestamptz\) ORDER BY "h"\."version" ASC$/);
});

test("identifiers are quoted, even awkward and over-long ones", () => {
  const odd: EntitySchema = { name: "Odd", table: 'we"ird', fields: [{ name: "select", type: "string", optional: false, unique: false, index: false }] };
  const compiled = postgresDialect.compile({ kind: "insert", entity: "Odd", values: { kind: "object", operand: arg(0) } }, new Map([["Odd", odd]])) as PgCompiledWrite;
  assert.match(compiled.write.text, /^WITH "__kova_w" AS \(INSERT INTO "we""ird" \("select"\) VALUES \(\$1::text\) RETURNING "id", "select"\)/);
  assert.match(compiled.write.text, /INSERT INTO "we""ird__history"/);
  const long = "t".repeat(70);
  assert.equal(fitIdentifier("short"), "short");
  assert.ok(Buffer.byteLength(fitIdentifier(long)) <= 63);
  assert.notEqual(fitIdentifier(long), fitIdentifier(`${long}__history`), "a long table and its history table stay distinct");
});

test("every plan compiles with a param for each placeholder; unknown fields are compile errors", () => {
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
    const compiled = postgresDialect.compile(plan, entities) as any;
    for (const key of ["read", "write", "insert"]) {
      if (compiled[key] !== undefined) assert.equal(highestPlaceholder(compiled[key].text), compiled[key].params.length, `${plan.kind}.${key}`);
    }
  }
  assert.throws(() => postgresDialect.compile(select("User", { where: eq(f("nmae"), lit(1)) }), entities), /User has no field "nmae"/);
});

test("ddlFor: tables, history tables, add-column and indexes, all idempotent statements", () => {
  const ddl = ddlFor([User]);
  assert.equal(ddl[0], `CREATE TABLE IF NOT EXISTS "_kova_schema" ("entity" text PRIMARY KEY, "table" text NOT NULL, "fields" jsonb NOT NULL, "migrated_at" timestamptz NOT NULL)`);
  assert.ok(ddl.includes(
    `CREATE TABLE IF NOT EXISTS "user" ("id" bigserial PRIMARY KEY, "name" text COLLATE "C", "email" text COLLATE "C", "age" bigint, "score" double precision, ` +
      `"active" boolean, "meta" jsonb, "born" date, "joined" timestamptz, "role" text COLLATE "C")`,
  ));
  assert.ok(ddl.includes(`ALTER TABLE "user" ADD COLUMN IF NOT EXISTS "age" bigint`));
  assert.ok(ddl.includes(`CREATE TABLE IF NOT EXISTS "user__history" ("version" bigserial PRIMARY KEY, "id" bigint NOT NULL, "op" text NOT NULL, "at" timestamptz NOT NULL, "data" jsonb NOT NULL)`));
  assert.ok(ddl.includes(`CREATE INDEX IF NOT EXISTS "user__history__id_version" ON "user__history" ("id", "version")`));
  assert.ok(ddl.includes(`CREATE UNIQUE INDEX IF NOT EXISTS "user__unique_email" ON "user" ("email")`));
  assert.ok(ddl.includes(`CREATE INDEX IF NOT EXISTS "user__index_age" ON "user" ("age")`));
  assert.ok(ddl.every((statement) => /IF NOT EXISTS/.test(statement)), "every statement can run twice");
});

test("timestamptz text in any offset becomes ISO-8601 UTC with milliseconds", () => {
  assert.equal(parseTimestamp("2024-01-02 03:04:05.123456+01"), "2024-01-02T02:04:05.123Z");
  assert.equal(parseTimestamp("2024-01-02 03:04:05+05:30"), "2024-01-01T21:34:05.000Z");
  assert.equal(parseTimestamp("2024-01-02 03:04:05.1-03:30:15"), "2024-01-02T06:34:20.100Z");
  assert.equal(parseTimestamp("2024-01-02 03:04:05"), "2024-01-02T03:04:05.000Z", "timestamp without zone is read as UTC");
});
