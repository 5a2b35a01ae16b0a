// ENCRYPTED fields and `kova db forget` (issue 21 item 7), over real HTTP on the embedded store with
// the built server process and the kova CLI: the app does not start without KOVA_DATA_KEY; the
// database file holds ciphertext only; `kova db forget` erases one customer's encrypted values, live
// and in history, and records the erasure; `kova db rotate-keys` lets the app drop its old key.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import Database from "better-sqlite3";
import { build, delay, KOVA_BIN, request, spawnNode, startServer, tempApp } from "./e2e/harness.js";

const APP = `
ENTITY Customer {
  name: text ENCRYPTED
  email: email ENCRYPTED
  city: text
}

POST /customers { RESPOND 201 INSERT INTO Customer $body }
GET /customers/:id(int) { RESPOND SELECT * FROM Customer WHERE id = $id }
PATCH /customers/:id(int) { RESPOND UPDATE Customer SET $body WHERE id = $id }
GET /customers/:id(int)/history { RESPOND HISTORY Customer WHERE id = $id }
`;

const KEY = Buffer.alloc(32, 1).toString("base64");
const NEXT_KEY = Buffer.alloc(32, 2).toString("base64");

function kova(args: string[], cwd: string, env: Record<string, string>): { status: number | null; stdout: string; stderr: string } {
  const { KOVA_DATA_KEY: _, KOVA_DATA_KEYS_RETIRED: __, ...rest } = process.env;
  const result = spawnSync(process.execPath, [KOVA_BIN, ...args], { cwd, encoding: "utf8", env: { ...rest, NO_COLOR: "1", ...env } });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

test("ENCRYPTED fields over HTTP: ciphertext at rest, kova db forget, kova db rotate-keys", async (t) => {
  const dir = tempApp(t, { "app.kova": APP });
  await build(dir);

  const keyless = spawnNode(t, [join(dir, "dist", "server.js")], { env: { PORT: "0", KOVA_DATA_KEY: "" } });
  const exit = await keyless.exited;
  assert.notEqual(exit.code, 0);
  assert.match(keyless.output, /KOVA_DATA_KEY/, "the start-up error names the missing variable");

  let server = await startServer(t, dir, { env: { KOVA_DATA_KEY: KEY, KOVA_ACCESS_LOG: "true", KOVA_LOG_LEVEL: "debug" } });
  const ada = (await request(`${server.url}/customers`, { method: "POST", json: { name: "Ada Lovelace", email: "ada@example.com", city: "London" } })).body;
  const bob = (await request(`${server.url}/customers`, { method: "POST", json: { name: "Bob Babbage", email: "bob@example.com", city: "Totnes" } })).body;
  assert.equal(ada.name, "Ada Lovelace");
  await request(`${server.url}/customers/${ada.id}`, { method: "PATCH", json: { name: "Ada King" } });
  assert.deepEqual((await request(`${server.url}/customers/${ada.id}`)).body, { id: ada.id, name: "Ada King", email: "ada@example.com", city: "London" });
  await server.stop();

  const db = new Database(join(dir, ".kova", "data.db"), { readonly: true });
  const rows = db.prepare("SELECT name, email, city FROM customer ORDER BY id").all() as Array<{ name: string; email: string; city: string }>;
  const versions = db.prepare(`SELECT "name", "email" FROM "customer__history" ORDER BY "version"`).all() as Array<{ name: string; email: string }>;
  db.close();
  assert.ok(rows.every((r) => r.name.startsWith("kova1:") && r.email.startsWith("kova1:")), "the rows hold ciphertext");
  assert.equal(rows[0].city, "London", "the other fields stay plain");
  assert.equal(versions.length, 3);
  assert.ok(versions.every((v) => v.name.startsWith("kova1:") && v.email.startsWith("kova1:")), "so do the versions");
  const file = JSON.stringify(rows) + JSON.stringify(versions);
  for (const plain of ["Ada", "Bob", "example.com"]) assert.ok(!file.includes(plain), `no "${plain}" in the rows or the history`);

  const noKey = kova(["db", "forget", "Customer", String(ada.id), "--app", dir], dir, {});
  assert.equal(noKey.status, 1);
  assert.match(noKey.stderr, /KOVA_DATA_KEY/);
  const forgot = kova(["db", "forget", "Customer", String(ada.id), "--app", dir, "--by", "dpo@example.com"], dir, { KOVA_DATA_KEY: KEY });
  assert.equal(forgot.status, 0, forgot.stderr);
  assert.match(forgot.stdout, /forgot Customer \d+: 2 data keys destroyed/);
  const audit = new Database(join(dir, ".kova", "data.db"), { readonly: true });
  const erasure = audit.prepare("SELECT subject_entity, subject, erased_by, keys FROM kova_erasures").get();
  audit.close();
  assert.deepEqual({ ...(erasure as object) }, { subject_entity: "Customer", subject: ada.id, erased_by: "dpo@example.com", keys: 2 });

  // Rotation: the new key current, the old one retired while the keys are re-wrapped.
  const rotated = kova(["db", "rotate-keys", "--app", dir], dir, { KOVA_DATA_KEY: NEXT_KEY, KOVA_DATA_KEYS_RETIRED: KEY });
  assert.equal(rotated.status, 0, rotated.stderr);
  assert.match(rotated.stdout, /re-wrapped 1 data key /, "only Bob's key is left to re-wrap");

  server = await startServer(t, dir, { env: { KOVA_DATA_KEY: NEXT_KEY, KOVA_ACCESS_LOG: "true", KOVA_LOG_LEVEL: "debug" } });
  assert.deepEqual((await request(`${server.url}/customers/${ada.id}`)).body, { id: ada.id, name: null, email: null, city: "London" });
  const history = (await request(`${server.url}/customers/${ada.id}/history`)).body as Array<{ data: { name: unknown; city: string } }>;
  assert.deepEqual(history.map((h) => [h.data.name, h.data.city]), [[null, "London"], [null, "London"]]);
  assert.deepEqual((await request(`${server.url}/customers/${bob.id}`)).body, { id: bob.id, name: "Bob Babbage", email: "bob@example.com", city: "Totnes" }, "with the new key alone");
  await delay(50);
  await server.stop();
  assert.ok(!server.output.includes(KEY) && !server.output.includes(NEXT_KEY), "the master keys never reach the log");
});
