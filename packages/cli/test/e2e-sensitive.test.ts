// Data subjects and MASKED fields (issue 21 item 7), over real HTTP on the embedded store with the
// built server process and the kova CLI: masked values are shown partially in answers and never
// reach the log, a bad value's 400 does not quote it; `kova db forget Person <public id>` erases
// the person's ENCRYPTED values and those of their orders (PERSONAL DATA OF), live and in
// history, with one erasure record, while an order alone cannot be forgotten; `kova db export` and
// `kova db import` carry the data keys, so a copy reads as the original.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import Database from "better-sqlite3";
import { build, delay, KOVA_BIN, request, startServer, tempApp } from "./e2e/harness.js";

const APP = `
ENTITY Person SUBJECT PUBLIC ID uuid {
  name: text ENCRYPTED
  city: text
  ssn: text? MASKED
}

ENTITY Order PERSONAL DATA OF customer {
  customer: Person
  address: text ENCRYPTED
  item: text
}

POST /people { RESPOND 201 INSERT INTO Person $body }
GET /people/:id { RESPOND SELECT * FROM Person WHERE id = $id }
POST /orders { RESPOND 201 INSERT INTO Order $body }
GET /orders/:id(int) { RESPOND SELECT * FROM Order WHERE id = $id }
GET /orders/:id(int)/history { RESPOND HISTORY Order WHERE id = $id }
`;

const KEY = Buffer.alloc(32, 3).toString("base64");

function kova(args: string[], cwd: string, env: Record<string, string>): { status: number | null; stdout: string; stderr: string } {
  const { KOVA_DATA_KEY: _, KOVA_DATA_KEYS_RETIRED: __, ...rest } = process.env;
  const result = spawnSync(process.execPath, [KOVA_BIN, ...args], { cwd, encoding: "utf8", env: { ...rest, NO_COLOR: "1", ...env } });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

test("data subjects and MASKED fields over HTTP: masked answers and logs, kova db forget of a person by public id", async (t) => {
  const dir = tempApp(t, { "app.kova": APP });
  await build(dir);
  const env = { KOVA_DATA_KEY: KEY, KOVA_ACCESS_LOG: "true", KOVA_LOG_LEVEL: "debug" };

  let server = await startServer(t, dir, { env });
  const ada = (await request(`${server.url}/people`, { method: "POST", json: { name: "Ada Lovelace", city: "London", ssn: "123-45-6789" } })).body;
  const bob = (await request(`${server.url}/people`, { method: "POST", json: { name: "Bob Babbage", city: "Totnes" } })).body;
  assert.match(ada.id, /^[0-9a-f-]{36}$/, "a PUBLIC ID person");
  assert.equal(ada.ssn, "*******6789", "the insert's answer masks the ssn");
  assert.deepEqual((await request(`${server.url}/people/${ada.id}`)).body, { id: ada.id, name: "Ada Lovelace", city: "London", ssn: "*******6789" });
  const bad = await request(`${server.url}/people`, { method: "POST", json: { name: "Eve", city: "Paris", ssn: 123456789 } });
  assert.equal(bad.status, 400);
  assert.equal(bad.body.errors[0].field, "ssn");
  assert.ok(!JSON.stringify(bad.body).includes("123456789"), "the 400 does not quote the masked value");
  const order = (await request(`${server.url}/orders`, { method: "POST", json: { customer: ada.id, address: "1 Main St", item: "lamp" } })).body;
  const other = (await request(`${server.url}/orders`, { method: "POST", json: { customer: bob.id, address: "2 High St", item: "desk" } })).body;
  assert.equal(order.address, "1 Main St");
  await delay(50);
  await server.stop();
  for (const plain of ["123-45-6789", "123456789"]) assert.ok(!server.output.includes(plain), `"${plain}" never reaches the log`);

  const alone = kova(["db", "forget", "Order", String(order.id), "--app", dir], dir, { KOVA_DATA_KEY: KEY });
  assert.equal(alone.status, 1);
  assert.match(alone.stderr, /PERSONAL DATA OF its customer .*forget the Person/);
  const unknown = kova(["db", "forget", "Person", "00000000-0000-4000-8000-000000000000", "--app", dir], dir, { KOVA_DATA_KEY: KEY });
  assert.equal(unknown.status, 1);
  assert.match(unknown.stderr, /no Person has the public id/);
  const forgot = kova(["db", "forget", "Person", ada.id, "--app", dir, "--by", "dpo@example.com"], dir, { KOVA_DATA_KEY: KEY });
  assert.equal(forgot.status, 0, forgot.stderr);
  assert.match(forgot.stdout, new RegExp(`forgot Person ${ada.id}: 2 data keys destroyed; the ENCRYPTED fields of its personal data \\(Person: name; Order: address\\)`));

  const db = new Database(join(dir, ".kova", "data.db"), { readonly: true });
  const erasures = db.prepare("SELECT subject_entity, erased_by, keys FROM kova_erasures").all();
  db.close();
  assert.deepEqual(erasures.map((e) => ({ ...(e as object) })), [{ subject_entity: "Person", erased_by: "dpo@example.com", keys: 2 }], "one audit row");

  server = await startServer(t, dir, { env });
  assert.deepEqual((await request(`${server.url}/people/${ada.id}`)).body, { id: ada.id, name: null, city: "London", ssn: "*******6789" });
  assert.deepEqual((await request(`${server.url}/orders/${order.id}`)).body, { id: order.id, customer: ada.id, address: null, item: "lamp" });
  assert.deepEqual(((await request(`${server.url}/orders/${order.id}/history`)).body as Array<{ data: { address: unknown } }>).map((h) => h.data.address), [null]);
  assert.equal((await request(`${server.url}/people/${bob.id}`)).body.name, "Bob Babbage", "another person is untouched");
  assert.equal((await request(`${server.url}/orders/${other.id}`)).body.address, "2 High St", "and so is their order");
  await server.stop();

  // kova db export / import carry the data keys (and the erasure record): the copy reads as the original.
  const file = join(dir, "export.jsonl");
  const exported = kova(["db", "export", dir, "--format", "jsonl", "--with-history", "--output", file], dir, { KOVA_DATA_KEY: KEY });
  assert.equal(exported.status, 0, exported.stderr);
  const copy = tempApp(t, { "app.kova": APP });
  await build(copy);
  const imported = kova(["db", "import", file, copy], copy, { KOVA_DATA_KEY: KEY });
  assert.equal(imported.status, 0, imported.stderr);
  server = await startServer(t, copy, { env });
  assert.equal((await request(`${server.url}/people/${bob.id}`)).body.name, "Bob Babbage", "the copy decrypts with the imported keys");
  assert.equal((await request(`${server.url}/orders/${order.id}`)).body.address, null, "and the erased stays erased");
  await server.stop();
  const restored = new Database(join(copy, ".kova", "data.db"), { readonly: true });
  assert.equal((restored.prepare("SELECT COUNT(*) AS n FROM kova_erasures").get() as { n: number }).n, 1, "with its erasure record");
  restored.close();
});
