// kova db restore --at: the store rebuilt at several instants equals what AS OF reads at each, on
// the embedded store; and for PostgreSQL, export --at then import into a fresh schema does the same.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import pg from "pg";
import { build, delay, request, startServer, tempApp, type RunningServer } from "./e2e/harness.js";
import { kovaAsync, note, notesApp, sha256 } from "./db/fixture.js";

const PG_URL = process.env.KOVA_PG_URL ?? "postgresql://postgres@127.0.0.1:5432/test";

/** Inserts, updates and deletes between marked instants; returns the instants. */
async function timeline(server: RunningServer): Promise<string[]> {
  const instants: string[] = [];
  const mark = async () => {
    await delay(5);
    instants.push(new Date().toISOString());
    await delay(5);
  };
  await mark(); // before anything
  for (let i = 0; i < 5; i++) assert.equal((await request(`${server.url}/notes`, { method: "POST", json: note(i) })).status, 201);
  await mark();
  await request(`${server.url}/notes/2`, { method: "PATCH", json: { title: "second, edited", pinned: true } });
  await request(`${server.url}/notes/4`, { method: "DELETE" });
  await mark();
  for (let i = 5; i < 8; i++) await request(`${server.url}/notes`, { method: "POST", json: note(i) });
  await request(`${server.url}/notes/1`, { method: "DELETE" });
  await request(`${server.url}/notes/2`, { method: "PATCH", json: { count: 99 } });
  await mark();
  return instants;
}

test("embedded: restore --at rebuilds the store as AS OF reads it at each instant, into a new file", async (t) => {
  const dir = tempApp(t, { "app.kova": notesApp() });
  await build(dir);
  const server = await startServer(t, dir, { env: { KOVA_LOG_LEVEL: "warn" } });
  const instants = await timeline(server);
  const expected = await Promise.all(instants.map(async (at) => (await request(`${server.url}/notes/as-of/${at}`)).body));
  assert.deepEqual(expected.map((rows) => rows.length), [0, 5, 4, 6], "the timeline is what the test meant");

  // While the app runs: the base is a backup it writes; the store is not touched.
  const store = join(dir, ".kova", "data.db");
  for (const [i, at] of instants.entries()) {
    const output = join(dir, `at-${i}.db`);
    const run = await kovaAsync(["db", "restore", "--at", at, dir, "--output", output]);
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stdout, /rebuilt as of/);
    assert.ok(existsSync(store));
  }
  await server.stop();
  const storeHash = sha256(store);

  // Each rebuilt file, served by the same app, lists exactly what AS OF listed at its instant.
  for (const [i] of instants.entries()) {
    const copy = tempApp(t, { "app.kova": notesApp(`CONNECT db USING embedded({ path: "${join(dir, `at-${i}.db`)}" })`) });
    await build(copy);
    const rebuilt = await startServer(t, copy, { env: { KOVA_LOG_LEVEL: "warn" } });
    assert.deepEqual((await request(`${rebuilt.url}/notes`)).body, expected[i], `instant ${i} (${instants[i]})`);
    // Its history ends at the instant: AS OF the instant still agrees, and nothing later exists.
    assert.deepEqual((await request(`${rebuilt.url}/notes/as-of/${instants[i]}`)).body, expected[i]);
    await rebuilt.stop();
  }
  assert.equal(sha256(store), storeHash, "the store is unchanged");

  const bad = await kovaAsync(["db", "restore", "--at", "yesterday", dir]);
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /--at takes an ISO 8601 instant such as 2026-02-06T14:30:00Z, not 'yesterday'/);
  const exists = await kovaAsync(["db", "restore", "--at", instants[1], dir, "--output", join(dir, "at-1.db")]);
  assert.equal(exists.status, 1);
  assert.match(exists.stderr, /exists; pass --force/);
});

test("PostgreSQL: export --at into a fresh schema equals AS OF at each instant", async (t) => {
  const admin = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 1500 });
  try {
    await admin.connect();
  } catch {
    if (process.env.CI === "true") assert.fail(`PostgreSQL is not reachable at ${PG_URL}`);
    t.skip(`SKIPPED: no PostgreSQL at ${PG_URL}`);
    return;
  }
  const schemas = [0, 1, 2, 3, 4].map(() => `kova_pitr_${randomBytes(4).toString("hex")}`);
  for (const s of schemas) await admin.query(`CREATE SCHEMA "${s}"`);
  t.after(async () => {
    for (const s of schemas) await admin.query(`DROP SCHEMA "${s}" CASCADE`);
    await admin.end();
  });
  const connect = `CONNECT db USING postgres({ url: env("DB_URL"), schema: env("DB_SCHEMA") })`;
  const dir = tempApp(t, { "app.kova": notesApp(connect) });
  await build(dir);
  const env = { DB_URL: PG_URL, DB_SCHEMA: schemas[0], KOVA_LOG_LEVEL: "warn" };
  const server = await startServer(t, dir, { env });
  const instants = await timeline(server);
  const expected = await Promise.all(instants.map(async (at) => (await request(`${server.url}/notes/as-of/${at}`)).body));
  assert.deepEqual(expected.map((rows) => rows.length), [0, 5, 4, 6]);

  for (const [i, at] of instants.entries()) {
    const file = join(dir, `at-${i}.jsonl`);
    const exported = await kovaAsync(["db", "export", dir, "--format", "jsonl", "--at", at, "--with-history", "-o", file], { env });
    assert.equal(exported.status, 0, exported.stderr);
    const target = { ...env, DB_SCHEMA: schemas[i + 1] };
    const imported = await kovaAsync(["db", "import", file, dir], { env: target });
    assert.equal(imported.status, 0, imported.stderr);
    const restored = await startServer(t, dir, { env: target });
    assert.deepEqual((await request(`${restored.url}/notes`)).body, expected[i], `instant ${i}`);
    assert.deepEqual((await request(`${restored.url}/notes/as-of/${at}`)).body, expected[i]);
    // New writes continue after the imported ids.
    const added = await request(`${restored.url}/notes`, { method: "POST", json: note(50) });
    assert.equal(added.status, 201, added.text);
    assert.ok(added.body.id > Math.max(0, ...expected[i].map((r: { id: number }) => r.id)));
    await restored.stop();
  }
});
