// End-to-end: change events on PostgreSQL, seen from clients of real server processes sharing one
// schema and no Redis. A write on one process evicts the other's cached answer through
// LISTEN/NOTIFY (the redelivery poll is turned off, so nothing else could); ON handlers run once
// per committed write; and events committed but not delivered when a process is killed with
// SIGKILL are delivered after the restart, each handler run exactly once.
import { test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import pg from "pg";
import { build, delay, request, type RunningServer, startServer, tempApp, until } from "./e2e/harness.js";

const PG_URL = process.env.KOVA_TEST_POSTGRES_URL ?? "postgres://postgres@127.0.0.1:5432/test";

/** A fresh schema (prefixed events_), dropped after the test; undefined (and a loud skip) without a server. */
async function schema(t: TestContext): Promise<string | undefined> {
  const name = `events_${process.pid}_${randomBytes(3).toString("hex")}`;
  const client = new pg.Client({ connectionString: PG_URL });
  try {
    await client.connect();
  } catch (error) {
    if (process.env.CI === "true") throw error;
    t.skip(`SKIPPED: no PostgreSQL at ${PG_URL}: ${(error as Error).message}`);
    return undefined;
  }
  await client.query(`CREATE SCHEMA "${name}"`);
  await client.end();
  t.after(async () => {
    const c = new pg.Client({ connectionString: PG_URL });
    await c.connect();
    await c.query(`DROP SCHEMA "${name}" CASCADE`);
    await c.end();
  });
  return name;
}

async function undelivered(name: string): Promise<number> {
  const c = new pg.Client({ connectionString: PG_URL });
  await c.connect();
  try {
    return Number((await c.query(`SELECT count(*)::int AS n FROM "${name}"._kova_changes WHERE delivered_at IS NULL`)).rows[0].n);
  } finally {
    await c.end();
  }
}

/** With `handlers` false there is no task queue (its embedded file is one process's): two processes can share the app. */
const program = (name: string, handlers = true) => `CONNECT db USING postgres({ url: env("PG_URL"), schema: "${name}" })

ENTITY Product USING db {
  name: text
}

ENTITY Audit USING db {
  product: int
  what: text
}

CACHE product {
  ttl: 10m
  key: "product:{id}"
}

${handlers ? `ON INSERT Product {
  INSERT INTO Audit { product: event.id, what: "insert {event.after.name}" }
}` : ""}

POST /products {
  RESPOND 201 INSERT INTO Product { name: $body.name }
}

PATCH /products/:id {
  RESPOND UPDATE Product SET name = $body.name WHERE id = $id
}

GET /products/:id CACHE product {
  RESPOND SELECT * FROM Product WHERE id = $id
}

GET /products {
  RESPOND SELECT id FROM Product ORDER_BY id
}

GET /audits {
  RESPOND SELECT product, what FROM Audit ORDER_BY id
}
`;

const inserts = async (server: RunningServer): Promise<number[]> =>
  ((await request(`${server.url}/audits`)).body as Array<{ product: number; what: string }>).filter((a) => a.what.startsWith("insert")).map((a) => a.product);

test("PostgreSQL: a write on one process evicts another's cached answer through LISTEN/NOTIFY", async (t) => {
  const name = await schema(t);
  if (name === undefined) return;
  const dir = tempApp(t, { "app.kova": program(name, false) });
  await build(dir);
  // No redelivery poll: only the NOTIFY can tell process B about A's writes.
  const env = { PG_URL, KOVA_CHANGES_POLL_MS: "600000", KOVA_TASKS_POLL_MS: "50" };
  const a = await startServer(t, dir, { env });
  const b = await startServer(t, dir, { env });
  const id = (await request(`${a.url}/products`, { method: "POST", json: { name: "v0" } })).body.id;
  for (let round = 1; round <= 20; round++) {
    const cached = await request(`${b.url}/products/${id}`);
    assert.equal(cached.body.name, `v${round - 1}`);
    assert.equal((await request(`${b.url}/products/${id}`)).headers.get("x-cache"), "hit", "B serves it from its cache");
    assert.equal((await request(`${a.url}/products/${id}`, { method: "PATCH", json: { name: `v${round}` } })).status, 200);
    const started = Date.now();
    const seen = await until(async () => (await request(`${b.url}/products/${id}`)).body.name, (n) => n === `v${round}`, 5_000, 50);
    assert.equal(seen, `v${round}`, `round ${round}: B saw A's write (after ${Date.now() - started} ms)`);
  }
});

test("PostgreSQL: kill -9 between commit and delivery: after the restart every committed insert's handler runs, exactly once", async (t) => {
  const name = await schema(t);
  if (name === undefined) return;
  const dir = tempApp(t, { "app.kova": program(name) });
  await build(dir);
  const env = { PG_URL, KOVA_TASKS_POLL_MS: "50", KOVA_TASKS_LEASE_GRACE_MS: "300" };
  let caught = 0;
  // Under load a round may end before any write committed: tried until a kill catches some.
  for (let round = 0; round < 8 && caught === 0; round++) {
    const server = await startServer(t, dir, { env: { ...env, KOVA_CHANGES_BATCH_MS: "2000" } });
    let stop = false;
    let written = 0;
    const writers = Array.from({ length: 8 }, async (_, w) => {
      for (let i = 0; !stop; i++) {
        const r = await request(`${server.url}/products`, { method: "POST", json: { name: `r${round}w${w}i${i}` } }).catch(() => undefined);
        if (r?.status === 201) written++;
      }
    });
    // Writes flowing (events wait up to 2 s for their batch, so a kill under load still lands before it), then the kill.
    await until(async () => written, (n) => n >= 20, 10_000, 50);
    await delay(50 + round * 37);
    server.signal("SIGKILL");
    stop = true;
    await server.exited;
    await Promise.all(writers);
    caught = await undelivered(name);
  }
  assert.ok(caught > 0, "a kill landed between a commit and its delivery");
  const server = await startServer(t, dir, { env });
  const products: number[] = (await request(`${server.url}/products`)).body.map((p: { id: number }) => p.id);
  await until(() => inserts(server), (l) => l.length >= products.length, 30_000, 50);
  await delay(500);
  const final = (await inserts(server)).sort((x, y) => x - y);
  assert.deepEqual(final, products, `every committed product audited exactly once (${caught} undelivered at the kill)`);
  await server.stop(5_000);
  assert.equal(await undelivered(name), 0, "every event delivered and marked so");
});
