// `kova sql`: the DDL it prints, applied to a fresh PostgreSQL schema, MariaDB database and SQLite
// file, gives the same catalog (columns, types, nullability, defaults, indexes, constraints incl.
// CHECK, comments, row-level security policies) as the driver's own start-up migration and
// `kova migrate` + `kova migrate apply` give in other fresh ones; and SQL written outside Kova that
// breaks a CHECK is refused by the database itself. Also: unknown dialects are refused with the
// choices, and --output writes a file.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { test, type TestContext } from "node:test";
import Database from "better-sqlite3";
import mysql from "mysql2/promise";
import pg from "pg";
import { loadDriverPackage, type EntitySchema } from "@kova/query";
import { buildApp } from "../src/build/build-app.js";
import { kovaSync, REPO_ROOT, tempApp } from "./e2e/harness.js";
import { MYSQL_URL, PG_URL } from "./migrate/databases.js";

/**
 * Many field kinds, required and optional fields, defaults, references with each ON DELETE, UNIQUE
 * and INDEX, rich types with a CHECK (range, pattern, values), and /// docs (COMMENTs).
 */
const ENTITIES = (using: string) => `
/// Someone who writes books.
ENTITY Author${using} {
  /// The name printed on the cover.
  name: text
  email: email UNIQUE
  website: url?
  role: enum("author", "editor") DEFAULT "author"
  joined: date?
  port: port?
  country: country?
  handle: slug?
  share: percentage?
  born: year?
}

ENTITY Book${using} {
  author: Author ON DELETE CASCADE
  editor: Author? ON DELETE SET NULL
  title: text INDEX
  pages: int
  price: decimal(8, 2)?
  rating: float?
  published: bool DEFAULT false
  released: datetime?
  ref: uuid DEFAULT uuid()
  meta: json?
  tags: text[]?
  cost: money?
  size: { w: int, h: int }?
  UNIQUE (author, title)
  INDEX (pages, rating)
}

ENTITY Review${using} {
  book: Book
  stars: int
  body: text?
}

GET /books { RESPOND SELECT * FROM Book }
`;

const CONNECT = `CONNECT db USING postgres(env("DATABASE_URL"))\n`;

/** A TENANT BY entity: its row-level security policies are part of PostgreSQL's DDL. */
const TENANT = `
VALIDATE Claims { sub: string  org: string }
AUTH jwt USING secret(env("JWT_KEY")) { claims: Claims }
/// A note only its tenant sees.
ENTITY Note USING db TENANT BY org { body: text }
`;

/** Runs \`kova migrate\` then \`kova migrate apply\` in \`dir\`, whose .env points DATABASE_URL at \`url\`. */
function migrateApply(dir: string, url: string): void {
  writeFileSync(join(dir, ".env"), `DATABASE_URL=${url}\nJWT_KEY=kova-sql-test-key-kova-sql-test-key-0123\n`);
  for (const args of [["migrate", dir], ["migrate", "apply", dir]]) {
    const run = kovaSync(args);
    assert.equal(run.status, 0, `kova ${args.join(" ")}: ${run.stderr}`);
  }
}

/** Canonical values pass every CHECK; each value here breaks one, and the database refuses it. */
const CANONICAL = `INSERT INTO author (name, email, role, port, country, handle, share, born) VALUES ('Ada', 'ada@example.com', 'editor', 8080, 'DE', 'ada-l', 12.5, 1815)`;
const BREAKING = [`port = 70000`, `country = 'de'`, `handle = 'Not A Slug'`, `share = 101`, `born = 0`, `role = 'admin'`];

/** The app's entities as the built app hands them to its driver's migrate(). */
async function builtEntities(dir: string): Promise<EntitySchema[]> {
  const built = await buildApp({ entry: dir });
  assert.ok(built.ok, "the app builds");
  const { app } = (await import(pathToFileURL(join(built.outDir, "app.js")).href)) as { app: { dataSources: Array<{ entities: EntitySchema[] }> } };
  return app.dataSources[0].entities;
}

function kovaSql(dir: string, dialect: string): string {
  const run = kovaSync(["sql", "--dialect", dialect, dir]);
  assert.equal(run.status, 0, run.stderr);
  return run.stdout;
}

/** Runs the driver's start-up migration (create what is missing) with `options`. */
async function driverMigrate(driver: string, dir: string, options: unknown, entities: EntitySchema[]): Promise<void> {
  const db = (await loadDriverPackage(driver)).createDriver({ name: "db", appDir: dir, options });
  await db.connect();
  try {
    await db.migrate(entities);
  } finally {
    await db.close();
  }
}

function skipOrThrow(t: TestContext, server: string, error: unknown): void {
  const message = `${server} is not reachable (${(error as Error).message})`;
  if (process.env.CI === "true") throw new Error(`${message}; CI=true requires it`);
  t.skip(`SKIPPED: ${message}`);
}

test("postgres: kova sql on a fresh schema gives the catalog the driver's migrate and kova migrate apply give", async (t) => {
  const dir = tempApp(t, { "app.kova": CONNECT + ENTITIES(" USING db") + TENANT });
  const admin = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 2000 });
  try {
    await admin.connect();
  } catch (error) {
    return skipOrThrow(t, "PostgreSQL", error);
  }
  const suffix = randomBytes(4).toString("hex");
  const [fromSql, fromMigrate, fromApply] = [`kova_sql_a_${suffix}`, `kova_sql_b_${suffix}`, `kova_sql_c_${suffix}`];
  for (const schema of [fromSql, fromMigrate, fromApply]) await admin.query(`CREATE SCHEMA "${schema}"`);
  t.after(async () => {
    for (const schema of [fromSql, fromMigrate, fromApply]) await admin.query(`DROP SCHEMA "${schema}" CASCADE`);
    await admin.end();
  });

  const ddl = kovaSql(dir, "postgres");
  await admin.query(`SET search_path = "${fromSql}"; ${ddl}`);
  await driverMigrate("postgres", dir, { url: PG_URL, schema: fromMigrate }, await builtEntities(dir));
  const applyUrl = new URL(PG_URL);
  applyUrl.searchParams.set("options", `-c search_path=${fromApply}`);
  migrateApply(dir, applyUrl.href);

  const catalog = async (schema: string) => {
    const q = async (text: string) => (await admin.query(text, [schema])).rows.map((r) => JSON.stringify(r).replaceAll(`${schema}.`, "").replaceAll(`"${schema}".`, ""));
    return {
      columns: await q(
        `SELECT table_name, column_name, data_type, is_nullable, column_default, collation_name FROM information_schema.columns
         WHERE table_schema = $1 AND table_name NOT LIKE '\\_kova%' ORDER BY table_name, ordinal_position`,
      ),
      indexes: await q(`SELECT tablename, indexname, indexdef FROM pg_indexes WHERE schemaname = $1 AND tablename NOT LIKE '\\_kova%' ORDER BY indexname`),
      constraints: await q(
        `SELECT c.conrelid::regclass::text AS t, c.conname, c.contype, pg_get_constraintdef(c.oid) AS def FROM pg_constraint c
         JOIN pg_namespace n ON n.oid = c.connamespace WHERE n.nspname = $1 AND c.conrelid::regclass::text NOT LIKE '%\\_kova%' ORDER BY c.conname`,
      ),
      comments: await q(
        `SELECT c.relname, d.objsubid, d.description FROM pg_description d JOIN pg_class c ON c.oid = d.objoid
         JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 ORDER BY c.relname, d.objsubid`,
      ),
      policies: await q(`SELECT tablename, policyname, cmd, qual, with_check FROM pg_policies WHERE schemaname = $1 ORDER BY tablename, policyname`),
      security: await q(`SELECT c.relname, c.relrowsecurity, c.relforcerowsecurity FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relkind = 'r' AND c.relname NOT LIKE '\\_kova%' ORDER BY c.relname`),
    };
  };
  const a = await catalog(fromSql);
  const b = await catalog(fromMigrate);
  assert.ok(a.columns.length >= 30, `columns: ${a.columns.length}`);
  assert.ok(a.constraints.some((c) => c.includes("book__fk_editor__setNull") && c.includes("ON DELETE SET NULL")), "a SET NULL foreign key");
  assert.ok(a.indexes.some((i) => i.includes("book__unique_author__title")), "the composite UNIQUE");
  for (const rule of ["(port >= 1) AND (port <= 65535)", "country ~ '^[A-Z]{2}$'::text", "'author'::text, 'editor'::text", "(born >= 1) AND (born <= 9999)"]) {
    assert.ok(a.constraints.some((c) => c.includes("author__check_") && c.includes(JSON.stringify(rule).slice(1, -1))), `a CHECK ${rule}: ${a.constraints.join("\n")}`);
  }
  assert.ok(a.comments.some((c) => c.includes("Someone who writes books.")) && a.comments.some((c) => c.includes("The name printed on the cover.")), "COMMENTs from the /// docs");
  assert.equal(a.policies.length, 2, "the tenant policy on note and on its history");
  assert.ok(a.security.some((r) => r.includes('"relname":"note","relrowsecurity":true,"relforcerowsecurity":true')), "RLS enabled and forced on note");
  assert.deepEqual(a, b);
  assert.deepEqual(a, await catalog(fromApply));

  // The database itself keeps SQL written outside Kova to the app's rules.
  await admin.query(`SET search_path = "${fromSql}"; ${CANONICAL}`);
  for (const breaking of BREAKING) {
    await assert.rejects(admin.query(`UPDATE author SET ${breaking}`), (e: { code?: string; message: string }) => e.code === "23514" && /author__check_/.test(e.message), breaking);
  }
  // Runtime-owned tables are the driver's to create: kova sql makes none of them.
  const own = await admin.query(`SELECT table_name FROM information_schema.tables WHERE table_schema = $1 AND table_name LIKE '\\_kova%'`, [fromSql]);
  assert.deepEqual(own.rows, []);
});

test("mariadb: kova sql on a fresh database gives the catalog the driver's migrate and kova migrate apply give", async (t) => {
  const dir = tempApp(t, { "app.kova": CONNECT.replace("postgres(", "mariadb(") + ENTITIES(" USING db") });
  let admin: mysql.Connection;
  try {
    admin = await mysql.createConnection({ uri: MYSQL_URL, multipleStatements: true });
  } catch (error) {
    return skipOrThrow(t, "MariaDB", error);
  }
  const suffix = randomBytes(4).toString("hex");
  const [fromSql, fromMigrate, fromApply] = [`kova_sql_a_${suffix}`, `kova_sql_b_${suffix}`, `kova_sql_c_${suffix}`];
  for (const database of [fromSql, fromMigrate, fromApply]) await admin.query(`CREATE DATABASE \`${database}\``);
  t.after(async () => {
    for (const database of [fromSql, fromMigrate, fromApply]) await admin.query(`DROP DATABASE \`${database}\``);
    await admin.end();
  });

  await admin.query(`USE \`${fromSql}\`; ${kovaSql(dir, "mysql")}`);
  const url = new URL(MYSQL_URL);
  url.pathname = `/${fromMigrate}`;
  await driverMigrate("mysql", dir, url.href, await builtEntities(dir));
  url.pathname = `/${fromApply}`;
  migrateApply(dir, url.href);

  const catalog = async (database: string) => {
    const q = async (text: string, times = 1) => ((await admin.query(text, Array(times).fill(database)))[0] as object[]).map((r) => JSON.stringify(r));
    const mine = "TABLE_SCHEMA = ? AND TABLE_NAME NOT LIKE '\\_kova%'";
    return {
      columns: await q(`SELECT TABLE_NAME, COLUMN_NAME, COLUMN_TYPE, IS_NULLABLE, COLUMN_DEFAULT, COLLATION_NAME, EXTRA FROM information_schema.COLUMNS WHERE ${mine} ORDER BY TABLE_NAME, ORDINAL_POSITION`),
      indexes: await q(`SELECT TABLE_NAME, INDEX_NAME, NON_UNIQUE, SEQ_IN_INDEX, COLUMN_NAME, SUB_PART FROM information_schema.STATISTICS WHERE ${mine} ORDER BY TABLE_NAME, INDEX_NAME, SEQ_IN_INDEX`),
      constraints: await q(
        `SELECT k.TABLE_NAME, k.CONSTRAINT_NAME, k.CONSTRAINT_TYPE, r.REFERENCED_TABLE_NAME, r.DELETE_RULE FROM information_schema.TABLE_CONSTRAINTS k
         LEFT JOIN information_schema.REFERENTIAL_CONSTRAINTS r ON r.CONSTRAINT_SCHEMA = k.CONSTRAINT_SCHEMA AND r.CONSTRAINT_NAME = k.CONSTRAINT_NAME
         WHERE k.CONSTRAINT_SCHEMA = ? AND k.TABLE_NAME NOT LIKE '\\_kova%' ORDER BY k.TABLE_NAME, k.CONSTRAINT_NAME`,
      ),
      checks: await q(`SELECT TABLE_NAME, CONSTRAINT_NAME, CHECK_CLAUSE FROM information_schema.CHECK_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = ? AND TABLE_NAME NOT LIKE '\\_kova%' ORDER BY TABLE_NAME, CONSTRAINT_NAME`),
      comments: await q(
        `SELECT TABLE_NAME, '' AS COLUMN_NAME, TABLE_COMMENT AS COMMENT FROM information_schema.TABLES WHERE ${mine} AND TABLE_COMMENT <> ''
         UNION ALL SELECT TABLE_NAME, COLUMN_NAME, COLUMN_COMMENT FROM information_schema.COLUMNS WHERE ${mine} AND COLUMN_COMMENT <> '' ORDER BY 1, 2`,
        2,
      ),
    };
  };
  const a = await catalog(fromSql);
  const b = await catalog(fromMigrate);
  assert.ok(a.columns.length >= 50, `columns: ${a.columns.length}`);
  assert.ok(a.constraints.some((c) => c.includes("book__fk_author__cascade") && c.includes("CASCADE")), "a CASCADE foreign key");
  assert.ok(a.checks.filter((c) => c.includes("author__check_")).length >= 6, `a CHECK per ruled field: ${a.checks.join("\n")}`);
  assert.ok(a.comments.some((c) => c.includes("Someone who writes books.")) && a.comments.some((c) => c.includes("The name printed on the cover.")), "COMMENTs from the /// docs");
  assert.deepEqual(a, b);
  assert.deepEqual(a, await catalog(fromApply));

  await admin.query(`USE \`${fromSql}\`; ${CANONICAL}`);
  for (const breaking of BREAKING) {
    await assert.rejects(admin.query(`UPDATE author SET ${breaking}`), (e: { message: string }) => /CONSTRAINT `author__check_/.test(e.message), breaking);
  }
});

test("sqlite: kova sql on a fresh file gives the catalog the embedded driver's migrate gives", async (t) => {
  const dir = tempApp(t, { "app.kova": ENTITIES("") });
  const fromSql = join(dir, "from-sql.db");
  const fromMigrate = join(dir, "from-migrate.db");
  const made = new Database(fromSql);
  made.exec(kovaSql(dir, "sqlite"));
  made.close();
  await driverMigrate("embedded", dir, { path: fromMigrate }, await builtEntities(dir));

  const catalog = (file: string) => {
    const db = new Database(file, { readonly: true });
    try {
      const tables = (db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE '\\_kova%' ESCAPE '\\' AND name NOT LIKE 'sqlite%' ORDER BY name`).all() as Array<{ name: string }>).map((r) => r.name);
      return tables.map((table) => ({
        table,
        columns: db.pragma(`table_info("${table}")`),
        indexes: (db.pragma(`index_list("${table}")`) as Array<{ name: string }>).map((i) => ({ ...i, columns: db.pragma(`index_info("${i.name}")`) })).sort((x, y) => x.name.localeCompare(y.name)),
        foreignKeys: db.pragma(`foreign_key_list("${table}")`),
      }));
    } finally {
      db.close();
    }
  };
  const a = catalog(fromSql);
  assert.equal(a.length, 6, "three entities, each with its history table");
  assert.deepEqual(a, catalog(fromMigrate));
});

test("kova sql refuses an unknown dialect, listing the choices; --output writes the file", (t) => {
  const dir = tempApp(t, { "app.kova": ENTITIES("") });
  const refused = kovaSync(["sql", "--dialect", "oracle", dir]);
  assert.equal(refused.status, 2);
  assert.match(refused.stderr, /unknown dialect 'oracle'; choose one of: postgres, mysql, sqlite/);

  const out = join(dir, "schema.sql");
  const wrote = kovaSync(["sql", dir, "--output", out]);
  assert.equal(wrote.status, 0, wrote.stderr);
  assert.equal(wrote.stdout, "");
  // No CONNECT: everything lives in the embedded store, so the default dialect is SQLite's.
  assert.match(readFileSync(out, "utf8"), /^-- default \(embedded\): 3 entities\nCREATE TABLE IF NOT EXISTS "author"/);
});

/** The ```kova, ```sh and ```sql blocks of docs/drivers.md's `kova sql` section, in order. */
function docsBlocks(): Array<{ language: string; body: string }> {
  const markdown = readFileSync(join(REPO_ROOT, "docs", "drivers.md"), "utf8");
  const section = markdown.split(/^## /m).find((s) => s.startsWith("Production DDL (`kova sql`)"));
  assert.ok(section, "docs/drivers.md has the kova sql section");
  return [...section.matchAll(/^```(\w+)\n([\s\S]*?)^```$/gm)].map((m) => ({ language: m[1], body: m[2] }));
}

test("docs/drivers.md: each kova sql example prints what the page shows", (t) => {
  // In page order: an app (```kova), the command run on it (```sh), what it prints (```sql).
  const blocks = docsBlocks();
  const examples: Array<{ app: string; command: string; printed: string }> = [];
  for (let i = 0; i + 2 < blocks.length; i++) {
    const [app, command, printed] = blocks.slice(i, i + 3);
    if (app.language === "kova" && command.language === "sh" && printed.language === "sql") examples.push({ app: app.body, command: command.body.trim(), printed: printed.body });
  }
  assert.equal(examples.length, 2, "the SQLite example and the CHECK/COMMENT example");
  assert.equal(blocks.length, examples.length * 3, "every block belongs to an example");
  for (const { app, command, printed } of examples) {
    const dir = tempApp(t, { "app.kova": app });
    const args = command.split(/\s+/);
    assert.deepEqual(args.slice(0, 3), ["npx", "kova", "sql"]);
    const run = kovaSync(args.slice(2).map((a) => (a === "my-app" ? dir : a)));
    assert.equal(run.status, 0, run.stderr);
    assert.equal(run.stdout, printed);
  }
});
