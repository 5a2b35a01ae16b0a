import { test } from "node:test";
import assert from "node:assert/strict";
import type { EntitySchema, Filter, Operand } from "@kova/query";
import { applyLedger, guardOf, paramEncoder, setClause, SqlBuilder, type SqlFlavour } from "../src/index.js";

const Link: EntitySchema = {
  name: "Link",
  table: "link",
  fields: [
    { name: "url", type: "string", optional: false, unique: false, index: false },
    { name: "hits", type: "int", optional: true, unique: false, index: false },
    { name: "at", type: "string", optional: true, unique: false, index: false },
  ],
};

/** A flavour that shows every decision in the text: `$n:type` placeholders, `<=>` equality. */
const shown: SqlFlavour = {
  dialect: "test",
  quoteIdent: (name) => `"${name}"`,
  placeholder: (n, type) => `$${n}:${type.kind === "column" ? type.type : type.kind}`,
  encodeParam: paramEncoder({ lenient: (_type, value) => value, list: (items) => items, asOf: (ms) => ms }),
  true: "TRUE",
  false: "FALSE",
  nullSafe: (op, l, r) => `(${l.sql} ${op === "==" ? "<=>" : "<!=>"} ${r.sql})`,
  inList: (b, left, right) => `(${b.operand(left, undefined).sql} IN ${b.value(right, { kind: "list", type: "any" }, { kind: "list", type: "any" })})`,
  like: (b, left, right) => `(${b.pair(left, right).map((s) => s.sql).join(" LIKE ")})`,
  concat: (parts) => `CONCAT(${parts.join(", ")})`,
  asText: (sql) => `TEXT(${sql})`,
  asFloat: (sql) => `FLOAT(${sql})`,
  jsonText: (sql, path) => `TEXT(${sql}.${path.join(".")})`,
  contains: (column, item) => `CONTAINS(${column}, ${item})`,
  jsonNumber: (sql, path) => `NUMBER(${sql}.${path.join(".")})`,
  jsonValue: (sql, path) => `JSON(${sql}.${path.join(".")})`,
  truthy: (sql) => sql,
  noLimit: null,
};

const f = (field: string): Operand => ({ kind: "field", field });
const arg = (index: number): Operand => ({ kind: "arg", index });
const lit = (value: string | number | boolean | null): Operand => ({ kind: "literal", value });
const live = () => new SqlBuilder({ entity: Link, alias: "r", history: false }, shown);

test("a value met by no column is typed as text; anything == null is IS NULL with no parameter", () => {
  const b = live();
  const optional: Filter = { kind: "or", items: [{ kind: "isNull", operand: arg(0), negated: false }, { kind: "compare", op: "==", left: f("url"), right: arg(0) }] };
  assert.equal(b.filter(optional), `(($1:text IS NULL) OR ("r"."url" <=> $2:string))`);
  assert.equal(live().filter({ kind: "compare", op: "==", left: arg(0), right: lit(null) }), `($1:text IS NULL)`);
  assert.equal(live().filter({ kind: "compare", op: "!=", left: f("hits"), right: lit(null) }), `("r"."hits" IS NOT NULL)`);
});

test("arithmetic on a field compiles with the field's type on both sides", () => {
  const b = live();
  assert.equal(b.operand({ kind: "arith", op: "+", left: f("hits"), right: arg(3) }, undefined).sql, `("r"."hits" + $1:int)`);
  assert.deepEqual(b.params, [{ from: "arg", index: 3, encoding: { kind: "scalar", type: "int" } }]);
});

test("SET: values in hand are params, values that read the row are SQL, an empty SET is null", () => {
  const b = live();
  const set = setClause(b, Link, { kind: "fields", fields: [{ field: "url", value: arg(0) }, { field: "hits", value: { kind: "arith", op: "+", left: f("hits"), right: lit(1) } }] }, { target: (n) => `"${n}"` });
  assert.equal(set, `"url" = $1:string, "hits" = ("r"."hits" + $2:int)`);
  assert.deepEqual(b.params, [{ from: "value", field: "url" }, { from: "literal", value: 1 }]);
  assert.equal(setClause(live(), Link, { kind: "fields", fields: [] }, { target: (n) => n }), null);
});

test("in history, a field named `at` wins over the entry's own; the entry's stays reachable for the tiebreak", () => {
  const b = new SqlBuilder({ entity: Link, alias: "h", history: true }, shown);
  assert.equal(b.resolveColumn("at").sql, `"h"."field:at"`);
  assert.equal(b.resolveColumn("version").sql, `"h"."version"`);
  assert.equal(b.orderBy([{ field: "at", direction: "DESC" }], { name: "version", sql: b.entryColumn("version").sql }), ` ORDER BY "h"."field:at" DESC, "h"."version" ASC`);
});

test("AS OF outside a date's range is a 400, one rule for every flavour", () => {
  assert.throws(() => shown.encodeParam({ kind: "asOf" }, 8640000000000001), (e: Error & { status?: number }) => e.status === 400);
  assert.equal(shown.encodeParam({ kind: "asOf" }, 8640000000000000), 8640000000000000);
});

test("the migration ledger runs each file once, all or nothing, and says what failed", async () => {
  const ran: string[] = [];
  const ledger = new Set<string>();
  const session = {
    exec: async (sql: string) => {
      if (sql === "boom") throw new Error("syntax error");
      ran.push(sql);
    },
    applied: async () => [...ledger],
    record: async (name: string) => void ledger.add(name),
  };
  const options = { createTable: "CREATE LEDGER", transactional: true, source: "db" };
  assert.deepEqual(await applyLedger(session, [{ name: "1", statements: ["a;", "-- note"] }], options), ["1"]);
  assert.deepEqual(await applyLedger(session, [{ name: "1", statements: ["a"] }], options), []);
  await assert.rejects(applyLedger(session, [{ name: "2", statements: ["b", "boom"] }], options), /migration 2 failed and was rolled back: syntax error/);
  assert.deepEqual(ran, ["CREATE LEDGER", "BEGIN", "a", "COMMIT", "CREATE LEDGER", "CREATE LEDGER", "BEGIN", "b", "ROLLBACK"]);
  assert.deepEqual([...ledger], ["1"]);
});

test("guardOf: ADD COLUMN, ADD KEY and DROP INDEX run only when needed; other statements as written", async () => {
  assert.deepEqual(guardOf("ALTER TABLE `post` ADD COLUMN `views` BIGINT NULL"), {
    object: "column", table: "post", name: "views", when: "absent", plain: "ALTER TABLE `post` ADD COLUMN `views` BIGINT NULL",
  });
  assert.deepEqual(guardOf(`ALTER TABLE "it""em" ADD COLUMN IF NOT EXISTS "color" TEXT`), {
    object: "column", table: 'it"em', name: "color", when: "absent", plain: `ALTER TABLE "it""em" ADD COLUMN "color" TEXT`,
  });
  assert.deepEqual(guardOf("ALTER TABLE `post` ADD UNIQUE KEY `post__unique_slug` (`slug`)"), {
    object: "index", table: "post", name: "post__unique_slug", when: "absent", plain: "ALTER TABLE `post` ADD UNIQUE KEY `post__unique_slug` (`slug`)",
  });
  assert.deepEqual(guardOf("ALTER TABLE `post` DROP INDEX IF EXISTS `post__index_old`"), {
    object: "index", table: "post", name: "post__index_old", when: "present", plain: "ALTER TABLE `post` DROP INDEX `post__index_old`",
  });
  for (const other of ["ALTER TABLE `post` MODIFY COLUMN `slug` VARCHAR(255) NULL", `CREATE INDEX IF NOT EXISTS "i" ON "t" ("c")`, "UPDATE `post` SET `views` = 0 WHERE `views` IS NULL"]) {
    assert.equal(guardOf(other), undefined, other);
  }
  // The ledger asks the session, when it can answer, and skips what is done.
  const ran: string[] = [];
  const have = new Set(["column post.views", "index post.gone"]);
  const session = {
    exec: async (sql: string) => void ran.push(sql),
    applied: async () => [],
    record: async () => undefined,
    has: async (object: string, table: string, name: string) => have.has(`${object} ${table}.${name}`),
  };
  await applyLedger(session, [{ name: "f", statements: [
    "ALTER TABLE `post` ADD COLUMN `views` BIGINT NULL;",
    "ALTER TABLE `post` ADD COLUMN `likes` BIGINT NULL;",
    "ALTER TABLE `post` DROP INDEX `gone`;",
    "ALTER TABLE `post` DROP INDEX `never`;",
  ] }], { createTable: "CREATE", transactional: false, source: "db" });
  assert.deepEqual(ran, ["CREATE", "ALTER TABLE `post` ADD COLUMN `likes` BIGINT NULL", "ALTER TABLE `post` DROP INDEX `gone`"]);
});
