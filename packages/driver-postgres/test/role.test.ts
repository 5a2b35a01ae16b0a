// The `role` option: every connection of the pool takes the role as it opens, so what the data
// source makes and reads is checked against that role (the engine gives each tenant's pool its
// tenant's role: docs/engine.md, "Isolation").
import { test } from "node:test";
import assert from "node:assert/strict";
import { createPostgresDriver } from "../src/index.js";
import { admin, dropSchema, freshSchema, Note, PG_URL, serverUp, User } from "./helpers.js";

test("role: the pool's statements run as the role — its migrations make tables it owns", async (t) => {
  if (!(await serverUp(t))) return;
  const schema = await freshSchema();
  const role = `${schema}_role`;
  await admin(async (c) => {
    await c.query(`CREATE ROLE ${role} NOLOGIN`);
    await c.query(`GRANT ${role} TO CURRENT_USER`);
    await c.query(`ALTER SCHEMA ${schema} OWNER TO ${role}`);
  });
  const driver = createPostgresDriver({ name: "db", appDir: ".", options: { url: PG_URL, schema, role } });
  try {
    await driver.connect();
    await driver.migrate([User, Note]);
    const owners = await admin((c) =>
      c.query(`SELECT DISTINCT pg_get_userbyid(c.relowner) AS owner FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1`, [schema]),
    );
    assert.deepEqual(owners.rows.map((r) => r.owner), [role]);
  } finally {
    await driver.close();
    await dropSchema(schema);
    await admin((c) => c.query(`DROP ROLE IF EXISTS ${role}`));
  }
});

test("role: a name that is not a plain identifier is refused before connecting", async () => {
  const driver = createPostgresDriver({ name: "db", appDir: ".", options: { url: PG_URL, role: "x; DROP TABLE y" } });
  await assert.rejects(driver.connect(), /role "x; DROP TABLE y" must be a plain identifier/);
  await driver.close();
});
