// End-to-end: PUBLIC ID (docs/entities.md, "Public identifiers") over HTTP on real server
// processes, on the embedded store and PostgreSQL: the public id is a native `uuid` column there,
// UNIQUE; responses show it as `id` and never the integer key; a restart answers the same ids
// (they are stored, not made per process); routes take the UUID and refuse anything else (400).
import { test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import { build, request, startServer, tempApp } from "./e2e/harness.js";
import { PG_URL, pgTestSchema } from "./e2e/pg-schema.js";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

const app = (connect: string, using: string) => `${connect}
ENTITY Customer${using} PUBLIC ID uuid {
  name: text
}

POST /customers { RESPOND 201 INSERT INTO Customer $body }
GET /customers { RESPOND SELECT * FROM Customer ORDER_BY id }
GET /customers/:id { RESPOND SELECT * FROM Customer WHERE id = $id }
`;

async function useCustomers(t: TestContext, connect: string, using: string, env: Record<string, string>): Promise<void> {
  const dir = tempApp(t, { "app.kova": app(connect, using) });
  await build(dir);
  const first = await startServer(t, dir, { env });
  const made = await request(`${first.url}/customers`, { method: "POST", json: { name: "ada", id: 99 } });
  assert.equal(made.status, 201, made.text);
  assert.match(made.body.id, UUID);
  assert.deepEqual(Object.keys(made.body).sort(), ["id", "name"]);
  await request(`${first.url}/customers`, { method: "POST", json: { name: "bob" } });
  const before = (await request(`${first.url}/customers`)).body as Array<{ id: string; name: string }>;
  await first.stop();

  const again = await startServer(t, dir, { env });
  assert.deepEqual((await request(`${again.url}/customers`)).body, before, "the same ids after a restart, in insertion order");
  assert.deepEqual((await request(`${again.url}/customers/${made.body.id}`)).body, made.body);
  const bad = await request(`${again.url}/customers/1`);
  assert.deepEqual([bad.status, bad.body.errors?.[0]?.field], [400, "id"], bad.text);
  assert.equal((await request(`${again.url}/customers/00000000-0000-4000-8000-000000000000`)).status, 404);
  await again.stop();
}

test("public id e2e: embedded store — UUID ids over HTTP, the integer key never shown, stable across a restart", async (t) => {
  await useCustomers(t, "", "", {});
});

test("public id e2e: PostgreSQL — the public id is a native uuid column, UNIQUE", async (t) => {
  const schema = await pgTestSchema(t, "pubid");
  if (schema === undefined) return;
  const { name, client } = schema;
  await useCustomers(t, `CONNECT db USING postgres({ url: env("PG_URL"), schema: "${name}" })`, " USING db", { PG_URL });
  const column = await client.query(`SELECT data_type FROM information_schema.columns WHERE table_schema = $1 AND table_name = 'customer' AND column_name = 'public_id'`, [name]);
  assert.deepEqual(column.rows, [{ data_type: "uuid" }]);
  const unique = await client.query(`SELECT indexdef FROM pg_indexes WHERE schemaname = $1 AND tablename = 'customer' AND indexdef LIKE '%UNIQUE%public_id%'`, [name]);
  assert.equal(unique.rows.length, 1, "a UNIQUE index on public_id");
  const rows = await client.query(`SELECT id, public_id FROM "${name}".customer ORDER BY id`);
  assert.deepEqual(rows.rows.map((r) => typeof r.id === "number" || typeof r.id === "string"), [true, true], "the integer key is still the primary key");
});
