// End-to-end: change events on MariaDB/MySQL across a SIGKILL. Events committed (in the outbox, by
// the row triggers, in the write's transaction) but not delivered when the process is killed are
// delivered after the restart, and each ON handler runs exactly once per committed write.
import { test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { createConnection } from "mysql2/promise";
import { build, delay, request, type RunningServer, startServer, tempApp, until } from "./e2e/harness.js";

const MYSQL_URL = process.env.KOVA_TEST_MYSQL_URL ?? "mysql://root@127.0.0.1:3306/test";

/** A fresh database (prefixed events_), dropped after the test; undefined (and a loud skip) without a server. */
async function database(t: TestContext): Promise<string | undefined> {
  const name = `events_${process.pid}_${randomBytes(3).toString("hex")}`;
  let admin;
  try {
    admin = await createConnection(MYSQL_URL);
  } catch (error) {
    if (process.env.CI === "true") throw error;
    t.skip(`SKIPPED: no MariaDB/MySQL at ${MYSQL_URL}: ${(error as Error).message}`);
    return undefined;
  }
  await admin.query(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4`);
  await admin.end();
  t.after(async () => {
    const c = await createConnection(MYSQL_URL);
    await c.query(`DROP DATABASE \`${name}\``);
    await c.end();
  });
  return name;
}

function urlOf(name: string): string {
  const url = new URL(MYSQL_URL);
  url.pathname = `/${name}`;
  return url.toString();
}

async function undelivered(name: string): Promise<number> {
  const c = await createConnection(urlOf(name));
  try {
    const [rows] = await c.query("SELECT COUNT(*) AS n FROM _kova_changes WHERE delivered_at IS NULL");
    return Number((rows as Array<{ n: number }>)[0].n);
  } finally {
    await c.end();
  }
}

const PROGRAM = `CONNECT db USING mariadb(env("MY_URL"))

ENTITY Product USING db {
  name: text
}

ENTITY Audit USING db {
  product: int
  what: text
}

ON INSERT Product {
  INSERT INTO Audit { product: event.id, what: "insert {event.after.name}" }
}

POST /products {
  RESPOND 201 INSERT INTO Product { name: $body.name }
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

test("MariaDB: kill -9 between commit and delivery: after the restart every committed insert's handler runs, exactly once", async (t) => {
  const name = await database(t);
  if (name === undefined) return;
  const dir = tempApp(t, { "app.kova": PROGRAM });
  await build(dir);
  const env = { MY_URL: urlOf(name), KOVA_TASKS_POLL_MS: "50", KOVA_TASKS_LEASE_GRACE_MS: "300" };
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
