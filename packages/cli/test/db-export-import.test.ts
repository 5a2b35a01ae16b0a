// kova db export / import: embedded → PostgreSQL with two commands, compared; bad lines named by
// line and field; an interrupted import resumes where it stopped.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test, type TestContext } from "node:test";
import pg from "pg";
import { build, request, startServer, tempApp } from "./e2e/harness.js";
import { kovaAsync, note, notesApp } from "./db/fixture.js";

const PG_URL = process.env.KOVA_PG_URL ?? "postgresql://postgres@127.0.0.1:5432/test";
const CONNECT = `CONNECT db USING postgres({ url: env("DB_URL"), schema: env("DB_SCHEMA") })`;

async function freshSchema(t: TestContext): Promise<string | undefined> {
  const admin = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 1500 });
  try {
    await admin.connect();
  } catch {
    if (process.env.CI === "true") assert.fail(`PostgreSQL is not reachable at ${PG_URL}`);
    t.skip(`SKIPPED: no PostgreSQL at ${PG_URL}`);
    return undefined;
  }
  const schema = `kova_import_${randomBytes(4).toString("hex")}`;
  await admin.query(`CREATE SCHEMA "${schema}"`);
  t.after(async () => {
    await admin.query(`DROP SCHEMA "${schema}" CASCADE`);
    await admin.end();
  });
  return schema;
}

/** The data lines of an export (the header says when it was written, so it differs). */
function dataLines(text: string): string[] {
  return text.trim().split("\n").slice(1);
}

test("embedded → PostgreSQL in two commands: same rows, same history, same export", async (t) => {
  const schema = await freshSchema(t);
  if (schema === undefined) return;
  const source = tempApp(t, { "app.kova": notesApp() });
  await build(source);
  const server = await startServer(t, source, { env: { KOVA_LOG_LEVEL: "warn" } });
  for (let i = 0; i < 60; i++) assert.equal((await request(`${server.url}/notes`, { method: "POST", json: note(i) })).status, 201);
  for (let i = 1; i <= 60; i += 7) await request(`${server.url}/notes/${i}`, { method: "PATCH", json: { title: `edited ${i}`, pinned: true } });
  for (let i = 3; i <= 60; i += 11) await request(`${server.url}/notes/${i}`, { method: "DELETE" });
  const rows = (await request(`${server.url}/notes`)).body;
  const history = (await request(`${server.url}/notes/as-of/${new Date(Date.now() - 1).toISOString()}`)).body;

  // Command 1, while the app keeps running (it writes a backup the export reads).
  const file = join(source, "data.jsonl");
  const exported = await kovaAsync(["db", "export", source, "--format", "jsonl", "--with-history", "-o", file]);
  assert.equal(exported.status, 0, exported.stderr);
  assert.match(exported.stderr, /exported 54 rows and 75 versions of 1 entities/);
  await server.stop();

  // Command 2, into an app on PostgreSQL.
  const target = tempApp(t, { "app.kova": notesApp(CONNECT) });
  const env = { DB_URL: PG_URL, DB_SCHEMA: schema, KOVA_LOG_LEVEL: "warn" };
  const imported = await kovaAsync(["db", "import", file, target], { env });
  assert.equal(imported.status, 0, imported.stderr);
  assert.match(imported.stdout, /imported 54 rows and 75 versions into data source "db" \(postgres\)/);

  await build(target);
  const onPg = await startServer(t, target, { env });
  assert.deepEqual((await request(`${onPg.url}/notes`)).body, rows, "the same rows over the same API");
  assert.deepEqual((await request(`${onPg.url}/notes/as-of/${new Date().toISOString()}`)).body, history);
  // Exported again from PostgreSQL: line for line the same file (the format is the drivers' own).
  const again = await kovaAsync(["db", "export", target, "--format", "jsonl", "--with-history"], { env });
  assert.equal(again.status, 0, again.stderr);
  assert.deepEqual(dataLines(again.stdout), dataLines(readFileSync(file, "utf8")));
  const added = await request(`${onPg.url}/notes`, { method: "POST", json: note(100) });
  assert.equal(added.body.id, 61, "ids continue after the imported ones");

  const twice = await kovaAsync(["db", "import", file, target], { env });
  assert.equal(twice.status, 0);
  assert.match(twice.stdout, /was imported already/);
});

test("a bad line stops the import with its line and field; the same command resumes after the fix", async (t) => {
  const source = tempApp(t, { "app.kova": notesApp() });
  await build(source);
  const server = await startServer(t, source, { env: { KOVA_LOG_LEVEL: "warn" } });
  for (let i = 0; i < 40; i++) await request(`${server.url}/notes`, { method: "POST", json: note(i) });
  await server.stop();
  const file = join(source, "notes.jsonl");
  const exported = await kovaAsync(["db", "export", source, "--format", "jsonl", "--entity", "Note", "-o", file]);
  assert.equal(exported.status, 0, exported.stderr);
  const lines = readFileSync(file, "utf8").trim().split("\n");
  assert.equal(lines.length, 41);
  const good = lines[25];
  const broken = JSON.parse(good);
  broken.fields.pinned = "yes";
  lines[25] = JSON.stringify(broken); // line 26 of the file
  writeFileSync(file, lines.join("\n") + "\n");

  const target = tempApp(t, { "app.kova": notesApp() });
  const failed = await kovaAsync(["db", "import", file, target, "--batch", "10"]);
  assert.equal(failed.status, 1);
  assert.match(failed.stderr, /notes\.jsonl:26: Note: field "pinned" must be true or false, got "yes"\. Lines 2–25 are imported; fix line 26 and run the same command again/);
  await build(target);
  let served = await startServer(t, target, { env: { KOVA_LOG_LEVEL: "warn" } });
  assert.equal((await request(`${served.url}/notes`)).body.length, 24, "lines 2–25 committed (batches of 10, then the rest before the bad line)");
  await served.stop();

  lines[25] = good;
  writeFileSync(file, lines.join("\n") + "\n");
  const resumed = await kovaAsync(["db", "import", file, target, "--batch", "10"]);
  assert.equal(resumed.status, 0, resumed.stderr);
  assert.match(resumed.stdout, /resuming .* after line 25/);
  served = await startServer(t, target, { env: { KOVA_LOG_LEVEL: "warn" } });
  const all = (await request(`${served.url}/notes`)).body;
  assert.equal(all.length, 40);
  assert.deepEqual(all.map((r: { id: number }) => r.id), Array.from({ length: 40 }, (_, i) => i + 1), "each row once");
  await served.stop();

  // Lines the app cannot take: each named with its line.
  const header = lines[0];
  const cases: Array<[string, RegExp]> = [
    ["{not json", /bad\.jsonl:2: not JSON/],
    [JSON.stringify({ entity: "Nope", id: 1, fields: {} }), /bad\.jsonl:2: unknown entity "Nope"/],
    [JSON.stringify({ entity: "Note", id: 1, fields: { colour: "red" } }), /bad\.jsonl:2: Note has no field "colour"/],
    [JSON.stringify({ entity: "Note", id: 0, fields: {} }), /bad\.jsonl:2: Note\.id must be a whole number from 1/],
  ];
  for (const [line, reason] of cases) {
    const bad = join(source, "bad.jsonl");
    writeFileSync(bad, `${header}\n${line}\n`);
    const fresh = tempApp(t, { "app.kova": notesApp() });
    const run = await kovaAsync(["db", "import", bad, fresh]);
    assert.equal(run.status, 1, run.stdout);
    assert.match(run.stderr, reason);
  }
  // A batch the database refuses: ids that exist already, rolled back whole.
  const dup = await kovaAsync(["db", "import", join(source, "notes.jsonl"), source]);
  assert.equal(dup.status, 1);
  assert.match(dup.stderr, /lines 2–41 were not imported \(the database refused the batch, and rolled it back\)/);
});

const MYSQL_URL = process.env.KOVA_MYSQL_URL ?? "mysql://root@127.0.0.1:3306/test";

test("embedded → MySQL/MariaDB: the same file loads, the same rows and history come back out", async (t) => {
  const mysql = (await import("mysql2/promise")).default;
  let admin;
  try {
    admin = await mysql.createConnection({ uri: MYSQL_URL, connectTimeout: 2000 });
  } catch {
    if (process.env.CI === "true") assert.fail(`MySQL/MariaDB is not reachable at ${MYSQL_URL}`);
    t.skip(`SKIPPED: no MySQL/MariaDB at ${MYSQL_URL}`);
    return;
  }
  const database = `kova_import_${randomBytes(4).toString("hex")}`;
  await admin.query(`CREATE DATABASE \`${database}\` CHARACTER SET utf8mb4`);
  t.after(async () => {
    await admin.query(`DROP DATABASE \`${database}\``);
    await admin.end();
  });
  const url = new URL(MYSQL_URL);
  url.pathname = `/${database}`;

  const source = tempApp(t, { "app.kova": notesApp() });
  await build(source);
  const server = await startServer(t, source, { env: { KOVA_LOG_LEVEL: "warn" } });
  for (let i = 0; i < 30; i++) await request(`${server.url}/notes`, { method: "POST", json: note(i) });
  await request(`${server.url}/notes/4`, { method: "PATCH", json: { title: "four, edited" } });
  await request(`${server.url}/notes/9`, { method: "DELETE" });
  const rows = (await request(`${server.url}/notes`)).body;
  await server.stop();
  const file = join(source, "data.jsonl");
  assert.equal((await kovaAsync(["db", "export", source, "--format", "jsonl", "--with-history", "-o", file])).status, 0);

  const target = tempApp(t, { "app.kova": notesApp(`CONNECT db USING mysql(env("DB_URL"))`) });
  const env = { DB_URL: url.toString(), KOVA_LOG_LEVEL: "warn" };
  const imported = await kovaAsync(["db", "import", file, target], { env });
  assert.equal(imported.status, 0, imported.stderr);
  await build(target);
  const onMysql = await startServer(t, target, { env });
  assert.deepEqual((await request(`${onMysql.url}/notes`)).body, rows);
  const again = await kovaAsync(["db", "export", target, "--format", "jsonl", "--with-history"], { env });
  assert.equal(again.status, 0, again.stderr);
  assert.deepEqual(dataLines(again.stdout), dataLines(readFileSync(file, "utf8")));
  assert.equal((await request(`${onMysql.url}/notes`, { method: "POST", json: note(99) })).body.id, 31, "ids continue after the imported ones");
});
