import { test } from "node:test";
import assert from "node:assert/strict";
import type { EntitySchema, QueryPlan } from "@kova/query";
import { ddlFor, driverPackage, type TableState } from "../src/index.js";
import { resolveOptions, describeAddress } from "../src/mysql-options.js";
import { arg, compile, eq, f, field, history, lit, select, User } from "./helpers.js";

/** Every SQL statement inside a compiled query, with its params. */
function statements(compiled: any): Array<{ sql: string; params: unknown[] }> {
  const out: Array<{ sql: string; params: unknown[] }> = [];
  const walk = (value: any) => {
    if (value === null || typeof value !== "object") return;
    if (typeof value.sql === "string" && Array.isArray(value.params)) out.push(value);
    else for (const v of Object.values(value)) walk(v);
  };
  walk(compiled);
  return out;
}

const plans: QueryPlan[] = [
  select("User", { where: { kind: "and", items: [eq(f("name"), lit("O'Brien; DROP TABLE x")), { kind: "in", left: f("age"), right: arg(0) }, { kind: "like", left: f("email"), right: lit("%@evil.io") }] }, limit: lit(5), offset: arg(1) }),
  select("User", { asOf: arg(0), where: eq(f("id"), arg(1)), single: true }),
  select("User", { asOf: lit("2024-01-01T00:00:00Z"), where: { kind: "truthy", operand: f("active") } }),
  history("User", { where: { kind: "compare", op: ">", left: f("at"), right: lit(1700000000000) } }),
  { kind: "insert", entity: "User", values: { kind: "fields", fields: [{ field: "name", value: lit("literal name") }, { field: "email", value: arg(0) }] } },
  { kind: "update", entity: "User", values: { kind: "object", operand: arg(1) }, where: eq(f("id"), arg(0)), single: true },
  { kind: "delete", entity: "User", where: { kind: "not", item: eq(f("role"), lit("admin")) }, single: false },
  { kind: "save", entity: "User", values: { kind: "object", operand: arg(0) } },
];

test("both driver names share one dialect whose output is plain JSON", () => {
  assert.deepEqual(driverPackage.names, ["mysql", "mariadb"]);
  for (const plan of plans) {
    const compiled = driverPackage.dialect.compile(plan, new Map([["User", User]]));
    assert.deepEqual(JSON.parse(JSON.stringify(compiled)), compiled, `${plan.kind} compiles to JSON`);
    assert.equal(compiled.dialect, "mysql");
  }
});

test("values never reach the SQL text; each placeholder has its param; identifiers are backticked", () => {
  for (const plan of plans) {
    for (const { sql, params } of statements(compile(plan))) {
      assert.doesNotMatch(sql, /O'Brien|literal name|evil\.io|admin|1700000000000|2024-01-01/, sql);
      assert.equal((sql.match(/\?/g) ?? []).length, params.length, `placeholders = params in ${sql}`);
      assert.doesNotMatch(sql, /"/, "no double-quoted identifiers (MySQL reads them as strings)");
    }
  }
  const read = compile(plans[0]).read;
  assert.match(read.sql, /FROM `user` AS `r`/);
  assert.match(read.sql, /`r`\.`name` <=> \?/, "== is null-safe (<=>)");
  assert.match(read.sql, /JSON_TABLE\(\?, '\$\[\*\]' COLUMNS \(v BIGINT PATH '\$'\)\)/, "IN takes one JSON-array placeholder typed like the column");
  assert.deepEqual(read.params[0], { from: "literal", value: "O'Brien; DROP TABLE x" });
  const asOf = compile(plans[2]).read;
  assert.match(asOf.sql, /ROW_NUMBER\(\) OVER \(PARTITION BY `h`\.`id` ORDER BY `h`\.`at` DESC, `h`\.`version` DESC\)/);
  assert.deepEqual(asOf.params[0], { from: "literal", value: "2024-01-01 00:00:00.000" }, "a literal instant is encoded at compile time, as a UTC DATETIME");
  const update = compile(plans[5]);
  assert.match(update.lock.sql, /FOR UPDATE$/);
});

const Post: EntitySchema = {
  name: "Post",
  table: "post",
  fields: [field("title", "string"), field("slug", "string", { unique: true }), field("views", "int", { default: { value: 0 } }), field("tag", "string", { index: true })],
};

test("ddlFor creates the live, history and _kova_schema tables with utf8mb4 binary collation", () => {
  const ddl = ddlFor([Post]);
  assert.equal(ddl.length, 3);
  assert.match(ddl[0], /CREATE TABLE IF NOT EXISTS `_kova_schema`/);
  const [live, hist] = [ddl[1], ddl[2]];
  assert.match(live, /^CREATE TABLE IF NOT EXISTS `post` \(`id` BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY, `title` LONGTEXT NULL, `slug` VARCHAR\(255\) NULL/);
  assert.match(live, /UNIQUE KEY `post__unique_slug` \(`slug`\)/);
  assert.match(live, /KEY `post__index_tag` \(`tag`\)/);
  assert.match(live, /DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_nopad_bin$/);
  assert.match(hist, /CREATE TABLE IF NOT EXISTS `post__history` \(`version` BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY, `id` BIGINT NOT NULL, `op` VARCHAR\(6\) NOT NULL, `at` DATETIME\(3\) NOT NULL/);
  assert.match(hist, /KEY `post__history_id_at` \(`id`, `at`\)/);
  assert.doesNotMatch(hist, /UNIQUE/, "history keeps many versions of a unique value");
  assert.match(hist, /`slug` LONGTEXT NULL/, "history strings stay LONGTEXT: old versions may be longer than 255");
  assert.match(hist, /KEY `post__history__index_slug` \(`slug`\(255\)\)/);
  assert.match(ddlFor([Post], { collation: "utf8mb4_0900_bin" })[1], /COLLATE=utf8mb4_0900_bin$/);
  assert.throws(() => ddlFor([{ name: "J", table: "j", fields: [field("doc", "json", { index: true })] }]), /cannot index J\.doc/);
});

test("ddlFor, given what exists, adds columns (filling constant defaults), moves strings to VARCHAR and syncs indexes", () => {
  const existing = new Map<string, TableState>([
    ["post", { columns: new Map([["id", "bigint"], ["title", "longtext"], ["slug", "longtext"], ["tag", "varchar"]]), indexes: new Set(["PRIMARY", "post__index_tag", "post__index_old", "someone_elses"]) }],
    ["post__history", { columns: new Map([["version", "bigint"], ["id", "bigint"], ["op", "varchar"], ["at", "datetime"], ["title", "longtext"], ["slug", "longtext"], ["tag", "varchar"]]), indexes: new Set(["PRIMARY", "post__history_id_at", "post__history__index_tag"]) }],
  ]);
  const ddl = ddlFor([Post], { existing });
  assert.deepEqual(ddl.slice(1), [
    "ALTER TABLE `post` DROP INDEX `post__index_old`",
    "ALTER TABLE `post` MODIFY COLUMN `slug` VARCHAR(255) NULL",
    "ALTER TABLE `post` ADD COLUMN `views` BIGINT NULL",
    "UPDATE `post` SET `views` = 0 WHERE `views` IS NULL",
    "ALTER TABLE `post` ADD UNIQUE KEY `post__unique_slug` (`slug`)",
    "ALTER TABLE `post__history` ADD COLUMN `views` BIGINT NULL",
    "UPDATE `post__history` SET `views` = 0 WHERE `views` IS NULL",
    "ALTER TABLE `post__history` ADD KEY `post__history__index_slug` (`slug`(255))",
  ]);
  const withQuote: EntitySchema = { ...Post, fields: [...Post.fields, field("motto", "string", { default: { value: "it's \\ fine" } })] };
  const fill = ddlFor([withQuote], { existing }).find((s) => s.includes("`motto` ="));
  assert.equal(fill, "UPDATE `post` SET `motto` = 'it\\'s \\\\ fine' WHERE `motto` IS NULL", "a default is escaped as an SQL literal");
});

test("options: URL or object, sane defaults, the address never shows the password", () => {
  const fromUrl = resolveOptions({ name: "db", appDir: "/", options: "mysql://app:p%40ss@db.local:3307/shop?statementTimeoutMs=500&connectionLimit=4" });
  assert.deepEqual(
    [fromUrl.host, fromUrl.port, fromUrl.user, fromUrl.password, fromUrl.database, fromUrl.statementTimeoutMs, fromUrl.poolMax],
    ["db.local", 3307, "app", "p@ss", "shop", 500, 4],
  );
  assert.equal(describeAddress(fromUrl), "app@db.local:3307/shop");
  const defaults = resolveOptions({ name: "db", appDir: "/", options: { database: "x" } });
  assert.deepEqual([defaults.host, defaults.port, defaults.user, defaults.poolMax, defaults.statementTimeoutMs, defaults.connectRetries], ["localhost", 3306, "root", 10, 30000, 5]);
  const merged = resolveOptions({ name: "db", appDir: "/", options: { url: "mariadb://u@h/d", pool: { max: 3, idleTimeoutMs: 1000 }, port: 3310 } });
  assert.deepEqual([merged.user, merged.host, merged.port, merged.database, merged.poolMax, merged.idleTimeoutMs], ["u", "h", 3310, "d", 3, 1000]);
  assert.throws(() => resolveOptions({ name: "db", appDir: "/", options: "postgres://x/y" }), /data source "db": the URL must start with mysql:\/\//);
  assert.throws(() => resolveOptions({ name: "db", appDir: "/", options: { database: "x", statementTimeoutMs: -1 } }), /statementTimeoutMs/);
  assert.throws(() => resolveOptions({ name: "db", appDir: "/", options: "not a url :pw@" }), (e: any) => !/pw@/.test(e.message));
});
