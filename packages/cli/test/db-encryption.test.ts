// Encryption at rest for the embedded store: KOVA_DB_KEY (or a key file / command) opens an
// encrypted store; a wrong or missing key is one line at start and leaves the file as it was;
// backups stay encrypted; kova db rekey changes, adds and removes the key.
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { test } from "node:test";
import { readManifest } from "@kova/driver-embedded/backups";
import { build, request, spawnNode, startServer, tempApp } from "./e2e/harness.js";
import { kovaAsync, note, notesApp, sha256 } from "./db/fixture.js";

const quiet = { KOVA_LOG_LEVEL: "warn" };

/** Starts the built app expecting it to refuse; returns what it printed. */
async function refusedStart(t: Parameters<typeof startServer>[0], dir: string, env: Record<string, string>): Promise<string> {
  const child = spawnNode(t, [join(dir, "dist", "server.js")], { env: { PORT: "0", ...quiet, ...env } });
  const exit = await child.exited;
  assert.equal(exit.code, 1, child.output);
  return child.stderr;
}

test("an encrypted store: opened by its key, refused without it or with another, never damaged", async (t) => {
  const dir = tempApp(t, { "app.kova": notesApp() });
  await build(dir);
  const server = await startServer(t, dir, { env: { ...quiet, KOVA_DB_KEY: "first key" } });
  for (let i = 0; i < 30; i++) assert.equal((await request(`${server.url}/notes`, { method: "POST", json: note(i) })).status, 201);
  const rows = (await request(`${server.url}/notes`)).body;

  // A backup of the encrypted store, taken by the running app: the payload is still ciphertext.
  const backup = join(dir, "enc.kovabackup");
  const taken = await kovaAsync(["db", "backup", dir, "-o", backup]);
  assert.equal(taken.status, 0, taken.stderr);
  await server.stop();

  const store = join(dir, ".kova", "data.db");
  const bytes = readFileSync(store);
  assert.notEqual(bytes.subarray(0, 15).toString("latin1"), "SQLite format 3", "no plain SQLite header");
  assert.equal(bytes.includes(Buffer.from("note 1")), false, "no plain text of the rows");
  const { manifest, payloadOffset } = readManifest(backup);
  assert.equal(manifest.encrypted, true);
  const payload = gunzipSync(readFileSync(backup).subarray(payloadOffset));
  assert.notEqual(payload.subarray(0, 15).toString("latin1"), "SQLite format 3");
  assert.equal(payload.includes(Buffer.from("note 1")), false, "the backup holds no plain text either");

  const hash = sha256(store);
  const missing = await refusedStart(t, dir, {});
  assert.match(missing, /is encrypted: set KOVA_DB_KEY \(or KOVA_DB_KEY_FILE \/ KOVA_DB_KEY_COMMAND\) to open it/);
  assert.equal(missing.trim().split("\n").length, 1, `one line:\n${missing}`);
  const wrong = await refusedStart(t, dir, { KOVA_DB_KEY: "not the key" });
  assert.match(wrong, /cannot be opened with this key \(KOVA_DB_KEY\): the key is wrong/);
  assert.equal(wrong.trim().split("\n").length, 1, `one line:\n${wrong}`);
  assert.equal(sha256(store), hash, "failed starts leave the file as it was");

  // verify and restore need the key too; with it, the restored store serves the same rows.
  const noKey = await kovaAsync(["db", "verify", backup]);
  assert.equal(noKey.status, 1);
  assert.match(noKey.stderr, /holds an encrypted store: set KOVA_DB_KEY/);
  const verified = await kovaAsync(["db", "verify", backup], { env: { KOVA_DB_KEY: "first key" } });
  assert.equal(verified.status, 0, verified.stderr);
  assert.match(verified.stdout, /sound .*encrypted/);
  const copy = tempApp(t, { "app.kova": notesApp() });
  const restored = await kovaAsync(["db", "restore", backup, copy], { env: { KOVA_DB_KEY: "first key" } });
  assert.equal(restored.status, 0, restored.stderr);
  await build(copy);
  const second = await startServer(t, copy, { env: { ...quiet, KOVA_DB_KEY: "first key" } });
  assert.deepEqual((await request(`${second.url}/notes`)).body, rows);
  await second.stop();

  // rekey: the old key stops working, the new one (from a file, or a command) opens it.
  const rekeyed = await kovaAsync(["db", "rekey", dir], { env: { KOVA_DB_KEY: "first key", KOVA_DB_NEW_KEY: "second key" } });
  assert.equal(rekeyed.status, 0, rekeyed.stderr);
  assert.match(await refusedStart(t, dir, { KOVA_DB_KEY: "first key" }), /cannot be opened with this key/);
  const keyFile = join(dir, "db.key");
  writeFileSync(keyFile, "second key\n", { mode: 0o600 });
  let started = await startServer(t, dir, { env: { ...quiet, KOVA_DB_KEY_FILE: keyFile } });
  assert.deepEqual((await request(`${started.url}/notes`)).body, rows);
  await started.stop();
  started = await startServer(t, dir, { env: { ...quiet, KOVA_DB_KEY_COMMAND: `cat '${keyFile}'` } });
  assert.deepEqual((await request(`${started.url}/notes`)).body, rows);
  await started.stop();

  // A wrong current key: rekey refuses before writing anything.
  const before = sha256(store);
  const refused = await kovaAsync(["db", "rekey", dir], { env: { KOVA_DB_KEY: "first key", KOVA_DB_NEW_KEY: "third" } });
  assert.equal(refused.status, 1);
  assert.match(refused.stderr, /cannot be opened with this key/);
  assert.equal(sha256(store), before);

  // --decrypt: a plain SQLite file again, opened without a key; a key set for it is a clear error.
  const decrypted = await kovaAsync(["db", "rekey", dir, "--decrypt"], { env: { KOVA_DB_KEY: "second key" } });
  assert.equal(decrypted.status, 0, decrypted.stderr);
  assert.equal(readFileSync(store).subarray(0, 15).toString("latin1"), "SQLite format 3");
  assert.match(await refusedStart(t, dir, { KOVA_DB_KEY: "second key" }), /is not encrypted, but a key is set \(KOVA_DB_KEY\)/);
  started = await startServer(t, dir, { env: quiet });
  assert.deepEqual((await request(`${started.url}/notes`)).body, rows);
  await started.stop();

  // And a plain store is encrypted by rekey with no current key.
  const encrypted = await kovaAsync(["db", "rekey", dir], { env: { KOVA_DB_NEW_KEY: "fourth" } });
  assert.equal(encrypted.status, 0, encrypted.stderr);
  started = await startServer(t, dir, { env: { ...quiet, KOVA_DB_KEY: "fourth" } });
  assert.deepEqual((await request(`${started.url}/notes`)).body, rows);
  await started.stop();

  const usage = await kovaAsync(["db", "rekey", dir], { env: { KOVA_DB_KEY: "fourth" } });
  assert.equal(usage.status, 2);
  assert.match(usage.stderr, /the new key is missing: set KOVA_DB_NEW_KEY or pass --new-key-file FILE/);
});
