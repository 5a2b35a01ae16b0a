// End-to-end: SOFT DELETE (docs/entities.md, "Soft delete") over HTTP on real server processes.
// Adding SOFT DELETE to an entity that has records migrates it (two null columns: every record
// live), on the embedded store, PostgreSQL and MariaDB; then a delete hides the record from REST and
// GraphQL reads alike, a GraphQL delete is a soft one stamped with the caller, RESTORE brings it back.
import { test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { createConnection } from "mysql2/promise";
import { build, request, startServer, tempApp } from "./e2e/harness.js";
import { PG_URL, pgTestSchema } from "./e2e/pg-schema.js";

const MYSQL_URL = process.env.KOVA_TEST_MYSQL_URL ?? "mysql://root@127.0.0.1:3306/test";

const ROUTES = `
POST /tickets { RESPOND 201 INSERT INTO Ticket $body }
GET /tickets { RESPOND SELECT id, title FROM Ticket ORDER_BY id }
GET /tickets/:id { RESPOND SELECT * FROM Ticket WHERE id = $id }
`;

const before = (connect: string, using: string) => `${connect}
ENTITY Ticket${using} {
  title: text
}
${ROUTES}`;

const after = (connect: string, using: string) => `${connect}
ENTITY Ticket${using} SOFT DELETE {
  title: text
}
${ROUTES}
DELETE /tickets/:id {
  gone = DELETE FROM Ticket WHERE id = $id
  IF gone IS NULL {
    ERROR 404 "no ticket {$id}"
  }
  RESPOND 204
}
POST /tickets/:id/restore { RESPOND RESTORE Ticket WHERE id = $id }
GET /bin { RESPOND SELECT id, title, deleted_by FROM Ticket ORDER_BY id ONLY DELETED }
`;

/** Runs v1 (no SOFT DELETE), writes two tickets, stops; runs v2 (SOFT DELETE) on the same data and checks it. */
async function migrateAndUse(t: TestContext, connect: string, using: string, env: Record<string, string>): Promise<void> {
  const dir = tempApp(t, { "app.kova": before(connect, using) });
  await build(dir);
  const v1 = await startServer(t, dir, { env });
  for (const title of ["a", "b"]) assert.equal((await request(`${v1.url}/tickets`, { method: "POST", json: { title } })).status, 201);
  await v1.stop();

  writeFileSync(join(dir, "app.kova"), after(connect, using));
  writeFileSync(join(dir, "kova.config.json"), JSON.stringify({ graphql: { entities: ["Ticket"], read: "public", write: "public" } }));
  await build(dir);
  const v2 = await startServer(t, dir, { env });
  const url = v2.url;
  const first = await request(`${url}/tickets/1`);
  assert.equal(first.status, 200, first.text);
  assert.deepEqual([first.body.title, first.body.deleted_at, first.body.deleted_by], ["a", null, null], "the records kept are live");

  assert.equal((await request(`${url}/tickets/1`, { method: "DELETE" })).status, 204);
  assert.deepEqual((await request(`${url}/tickets`)).body, [{ id: 2, title: "b" }]);
  assert.equal((await request(`${url}/tickets/1`)).status, 404);
  assert.deepEqual((await request(`${url}/bin`)).body, [{ id: 1, title: "a", deleted_by: null }]);

  // GraphQL reads the same: the deleted ticket is in no list and not found by id; an input cannot name deleted_at.
  const gql = async (query: string) => (await request(`${url}/graphql`, { method: "POST", json: { query } })).body;
  assert.deepEqual(await gql(`{ tickets { id title deleted_at } }`), { data: { tickets: [{ id: 2, title: "b", deleted_at: null }] } });
  assert.deepEqual(await gql(`{ ticket(id: 1) { id } }`), { data: { ticket: null } });
  assert.match(JSON.stringify(await gql(`mutation { updateTicket(id: 2, input: { deleted_at: "2020-01-01T00:00:00Z" }) { id } }`)), /deleted_at/);
  // A GraphQL delete is a soft one too: the ticket is kept, in the bin.
  assert.deepEqual(await gql(`mutation { deleteTicket(id: 2) { id title } }`), { data: { deleteTicket: { id: 2, title: "b" } } });
  assert.deepEqual((await request(`${url}/tickets`)).body, []);
  assert.deepEqual((await request(`${url}/bin`)).body.map((r: { id: number }) => r.id), [1, 2]);

  const back = await request(`${url}/tickets/1/restore`, { method: "POST" });
  assert.deepEqual([back.status, back.body.title, back.body.deleted_at], [200, "a", null]);
  assert.deepEqual((await request(`${url}/tickets`)).body, [{ id: 1, title: "a" }]);
}

test("soft delete e2e: embedded store — adding SOFT DELETE keeps the records live; delete, GraphQL, restore", async (t) => {
  await migrateAndUse(t, "", "", {});
});

test("soft delete e2e: PostgreSQL — the same, the migration adds two null columns", async (t) => {
  const schema = await pgTestSchema(t, "softdel");
  if (schema === undefined) return;
  const { name } = schema;
  await migrateAndUse(t, `CONNECT db USING postgres({ url: env("PG_URL"), schema: "${name}" })`, " USING db", { PG_URL });
});

test("soft delete e2e: MariaDB — the same, the migration adds two null columns", async (t) => {
  const name = `softdel_${process.pid}_${randomBytes(3).toString("hex")}`;
  let admin;
  try {
    admin = await createConnection(MYSQL_URL);
  } catch (error) {
    if (process.env.CI === "true") throw error;
    t.skip(`SKIPPED: no MariaDB/MySQL at ${MYSQL_URL}: ${(error as Error).message}`);
    return;
  }
  await admin.query(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4`);
  await admin.end();
  t.after(async () => {
    const c = await createConnection(MYSQL_URL);
    await c.query(`DROP DATABASE \`${name}\``);
    await c.end();
  });
  const url = new URL(MYSQL_URL);
  url.pathname = `/${name}`;
  await migrateAndUse(t, `CONNECT db USING mariadb(env("MY_URL"))`, " USING db", { MY_URL: url.toString() });
});
