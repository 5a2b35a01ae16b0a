// kova db backup / verify / restore / backup schedule on real files, with a real running app.
import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import Database from "better-sqlite3";
import { createEmbeddedDriver } from "@kova/driver-embedded";
import { encodeHeader, readManifest } from "@kova/driver-embedded/backups";
import { BackupSchedule } from "@kova/runtime";
import { build, delay, request, startServer, tempApp } from "./e2e/harness.js";
import { kovaAsync, note, notesApp, sha256 } from "./db/fixture.js";

function rowsOf(file: string): unknown[] {
  const db = new Database(file, { readonly: true });
  try {
    return db.prepare(`SELECT * FROM "note" ORDER BY "id"`).all();
  } finally {
    db.close();
  }
}

test("a backup taken while the app serves writes restores to a consistent store that verifies", async (t) => {
  const dir = tempApp(t, { "app.kova": notesApp() });
  await build(dir);
  const server = await startServer(t, dir, { env: { KOVA_LOG_LEVEL: "warn" } });
  for (let i = 0; i < 200; i++) assert.equal((await request(`${server.url}/notes`, { method: "POST", json: note(i) })).status, 201);

  // Write load from 8 concurrent clients (inserts and updates) for as long as the backup runs.
  let stop = false;
  let writes = 0;
  const clients = Array.from({ length: 8 }, async (_, c) => {
    for (let i = 0; !stop; i++) {
      const r = i % 2 === 0
        ? await request(`${server.url}/notes`, { method: "POST", json: note(1000 + c * 10_000 + i) })
        : await request(`${server.url}/notes/${1 + ((c * 31 + i) % 200)}`, { method: "PATCH", json: { count: i, title: `edited ${c}/${i}` } });
      assert.ok(r.status === 200 || r.status === 201, r.text);
      writes++;
    }
  });
  await delay(300);
  const before = writes;
  const output = join(dir, "live.kovabackup");
  const backup = await kovaAsync(["db", "backup", dir, "--output", output]);
  const during = writes - before;
  await delay(200);
  stop = true;
  await Promise.all(clients);
  assert.equal(backup.status, 0, backup.stderr);
  assert.match(backup.stdout, /written by the running app/);
  assert.ok(during > 0, "requests were answered while the backup ran");

  const verify = await kovaAsync(["db", "verify", output]);
  assert.equal(verify.status, 0, verify.stderr);
  assert.match(verify.stdout, /sound/);
  const manifest = readManifest(output).manifest;
  const backedUp = manifest.entities.find((e) => e.name === "Note")!;
  assert.ok(backedUp.rows >= 200 && backedUp.versions > backedUp.rows);

  await server.stop();
  const liveNow = rowsOf(join(dir, ".kova", "data.db"));

  // Restore into a fresh app folder: the rows are the backup's instant, a prefix of what followed.
  const target = tempApp(t, { "app.kova": notesApp() });
  const restored = await kovaAsync(["db", "restore", output, target]);
  assert.equal(restored.status, 0, restored.stderr);
  const rows = rowsOf(join(target, ".kova", "data.db")) as Array<{ id: number }>;
  assert.equal(rows.length, backedUp.rows);
  assert.ok(rows.length < liveNow.length, "the load went on after the backup");
  const ids = (liveNow as Array<{ id: number }>).map((r) => r.id);
  assert.deepEqual(rows.map((r) => r.id), ids.slice(0, rows.length), "the backup holds the first rows, none missing in between");

  // The restored store serves: same rows over HTTP as in the file.
  await build(target);
  const second = await startServer(t, target, { env: { KOVA_LOG_LEVEL: "warn" } });
  const listed = await request(`${second.url}/notes`);
  assert.equal(listed.body.length, rows.length);
  assert.deepEqual(listed.body[5].tags, note(5).tags);
});

test("restore refuses a truncated, altered, newer or foreign file and touches nothing; an existing store needs --force", async (t) => {
  const dir = tempApp(t, { "app.kova": notesApp() });
  await build(dir);
  const server = await startServer(t, dir, { env: { KOVA_LOG_LEVEL: "warn" } });
  for (let i = 0; i < 20; i++) await request(`${server.url}/notes`, { method: "POST", json: note(i) });
  const good = join(dir, "good.kovabackup");
  assert.equal((await kovaAsync(["db", "backup", dir, "-o", good])).status, 0);
  const again = await kovaAsync(["db", "backup", dir, "-o", good]);
  assert.equal(again.status, 1);
  assert.match(again.stderr, /exists; pass --force/);
  // The running app's store is not replaced under it.
  const busy = await kovaAsync(["db", "restore", good, dir, "--force"]);
  assert.equal(busy.status, 1);
  assert.match(busy.stderr, /is running; stop it/);
  await server.stop();

  const store = join(dir, ".kova", "data.db");
  const storeHash = sha256(store);
  const bytes = readFileSync(good);
  const { payloadOffset } = readManifest(good);
  const bad: Record<string, [Buffer, RegExp]> = {
    truncated: [bytes.subarray(0, bytes.length - 100), /truncated/],
    header: [bytes.subarray(0, 20), /truncated/],
    altered: [Buffer.from(bytes), /altered|damaged/],
    foreign: [Buffer.from("SQLite format 3\u0000 and more bytes than a header"), /not a Kova backup/],
  };
  bad.altered[0][payloadOffset + 200] ^= 0xff;
  // A newer format, with a manifest checksum that matches (as a newer kova would write it).
  const manifest = readManifest(good).manifest;
  bad.newer = [Buffer.concat([encodeHeader({ ...manifest, format: 2, writer: "@kova/driver-embedded 9.0.0" }), bytes.subarray(payloadOffset)]), /newer Kova \(backup format 2.*upgrade kova/];
  for (const [name, [content, reason]] of Object.entries(bad)) {
    const file = join(dir, `${name}.kovabackup`);
    writeFileSync(file, content);
    for (const args of [["db", "verify", file], ["db", "restore", file, dir, "--force"]]) {
      const run = await kovaAsync(args);
      assert.equal(run.status, 1, `${name}: ${args[1]} must refuse\n${run.stdout}${run.stderr}`);
      assert.match(run.stderr, reason, name);
      assert.equal(run.stderr.trim().split("\n").length, 1, "one line");
    }
    assert.equal(sha256(store), storeHash, `${name}: the store is untouched`);
    assert.deepEqual(readdirSync(join(dir, ".kova")).filter((f) => f.startsWith(".restore") || f.includes("replaced")), [], "no leftovers");
  }

  const refused = await kovaAsync(["db", "restore", good, dir]);
  assert.equal(refused.status, 1);
  assert.match(refused.stderr, /exists; pass --force/);
  const forced = await kovaAsync(["db", "restore", good, dir, "--force"]);
  assert.equal(forced.status, 0, forced.stderr);
  const aside = readdirSync(join(dir, ".kova")).find((f) => /^data\.db\.replaced-\d{8}T\d{9}Z$/.test(f));
  assert.ok(aside, "the replaced store is kept");
  assert.equal(sha256(join(dir, ".kova", aside)), storeHash);
  assert.equal(rowsOf(store).length, 20);
});

test("backup schedule: written to kova.config.json, run by the app, old backups pruned", async (t) => {
  const dir = tempApp(t, { "app.kova": notesApp(), "kova.config.json": JSON.stringify({ accessLog: false }) });
  await build(dir);
  const bad = await kovaAsync(["db", "backup", "schedule", dir, "--every", "6 hours", "--retention", "7d"]);
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /--every takes a duration such as 30m, 6h or 7d/);
  const set = await kovaAsync(["db", "backup", "schedule", dir, "--every", "1s", "--retention", "7d"]);
  assert.equal(set.status, 0, set.stderr);
  assert.deepEqual(JSON.parse(readFileSync(join(dir, "kova.config.json"), "utf8")), { accessLog: false, backups: { every: "1s", retention: "7d" } });

  const server = await startServer(t, dir, { env: { KOVA_LOG_LEVEL: "info" } });
  await request(`${server.url}/notes`, { method: "POST", json: note(1) });
  const folder = join(dir, ".kova", "backups");
  const deadline = Date.now() + 15_000;
  while ((existsSync(folder) ? readdirSync(folder).filter((f) => f.endsWith(".kovabackup")).length : 0) < 2) {
    assert.ok(Date.now() < deadline, `no scheduled backups within 15 s:\n${server.output}`);
    await delay(100);
  }
  await server.stop();
  const files = readdirSync(folder).filter((f) => f.endsWith(".kovabackup")).sort();
  assert.match(files[0], /^default-\d{8}T\d{9}Z\.kovabackup$/);
  const verify = await kovaAsync(["db", "verify", join(folder, files[files.length - 1])]);
  assert.equal(verify.status, 0, verify.stderr);
  assert.match(server.output, /backup written/);

  // Pruning, deterministically: a round "8 days later" keeps only its own new backup.
  const driver = createEmbeddedDriver({ name: "default", appDir: dir, options: {} });
  await driver.connect();
  t.after(() => driver.close());
  const logged: string[] = [];
  const log = { info: (_: object, m: string) => logged.push(m), error: (_: object, m: string) => logged.push(`error: ${m}`) };
  const schedule = new BackupSchedule(new Map([["default", driver]]), { every: "1h", retention: "7d" }, dir, log);
  const written = await schedule.runOnce(new Date(Date.now() + 8 * 86_400_000));
  assert.deepEqual(readdirSync(folder).filter((f) => f.endsWith(".kovabackup")), written.map((f) => f.split("/").pop()));
  assert.ok(logged.filter((m) => m.includes("retention")).length >= 2);

  const off = await kovaAsync(["db", "backup", "schedule", dir, "--off"]);
  assert.equal(off.status, 0);
  assert.deepEqual(JSON.parse(readFileSync(join(dir, "kova.config.json"), "utf8")), { accessLog: false });
});
