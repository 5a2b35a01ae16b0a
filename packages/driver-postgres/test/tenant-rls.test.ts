// TENANT BY on PostgreSQL: row-level security enforces the tenant scope in the database itself.
// The driver runs as a role that owns the tables but is neither superuser nor BYPASSRLS (so FORCE
// ROW LEVEL SECURITY applies to it), setting kova.tenant per transaction; then SQL run outside
// Kova — as that owner and as an app role granted only reads and writes — attempts every kind of
// cross-tenant read and write, and none gets through.
import { test } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import pg from "pg";
import { scopeToTenant, tenantFieldSchema, type EntitySchema, type QueryPlan } from "@kova/query";
import { arg, field } from "@kova/query/testing";
import { createPostgresDriver, postgresDialect } from "../src/index.js";
import { admin, compileWith, PG_URL, serverUp } from "./helpers.js";

const Account: EntitySchema = { name: "Account", table: "account", fields: [field("name", "string"), tenantFieldSchema("org")] };
const Contact: EntitySchema = {
  name: "Contact",
  table: "contact",
  fields: [field("name", "string"), field("account", "int", { optional: true, references: "Account" }), tenantFieldSchema("org")],
};
const entities = new Map([Account, Contact].map((e) => [e.name, e]));

/** A plan scoped by the one rewrite, its tenant being the last argument (`at`). */
const scoped = (plan: QueryPlan, at: number) => scopeToTenant(plan, (name) => entities.get(name), () => arg(at));

const urlAs = (role: string) => PG_URL.replace(/\/\/[^@/]*@/, `//${role}@`);

test("TENANT BY on PostgreSQL: row-level security holds against SQL run outside Kova", async (t) => {
  if (!(await serverUp(t))) return;
  const tag = randomBytes(4).toString("hex");
  const owner = `kova_rls_owner_${tag}`;
  const app = `kova_rls_app_${tag}`;
  const schema = `kova_rls_${tag}`;
  await admin(async (c) => {
    await c.query(`CREATE ROLE ${owner} LOGIN NOSUPERUSER NOBYPASSRLS`);
    await c.query(`CREATE ROLE ${app} LOGIN NOSUPERUSER NOBYPASSRLS`);
    await c.query(`CREATE SCHEMA ${schema} AUTHORIZATION ${owner}`);
  });
  const driver = createPostgresDriver({ name: "db", appDir: ".", options: { url: urlAs(owner), schema } });
  const clients: pg.Client[] = [];
  try {
    await driver.connect();
    await driver.migrate([Account, Contact]);
    const run = (plan: QueryPlan, args: unknown[]) => driver.execute(compileWith(postgresDialect, plan, entities), args) as Promise<any>;
    const insert = (entity: string, body: object, tenant: string) => run(scoped({ kind: "insert", entity, values: { kind: "object", operand: arg(0) } }, 1), [body, tenant]);

    // Kova itself, as the (forced) owner: each statement's transaction carries its tenant.
    const acmeAccount = await insert("Account", { name: "Acme" }, "acme");
    const globexAccount = await insert("Account", { name: "Globex" }, "globex");
    const mine = await insert("Contact", { name: "ada", account: acmeAccount.id, tenant_id: "globex" }, "acme");
    const theirs = await insert("Contact", { name: "hank", account: globexAccount.id }, "globex");
    assert.equal(mine.tenant_id, "acme", "stamped with the caller's tenant, not the body's");
    const list = await run(scoped({ kind: "select", entity: "Contact", fields: null, where: null, orderBy: [], limit: null, offset: null, asOf: null, single: false }, 0), ["acme"]);
    assert.deepEqual(list.map((r: { name: string }) => r.name), ["ada"]);
    const byId = (tenant: string, id: number) =>
      run(scoped({ kind: "select", entity: "Contact", fields: null, where: { kind: "compare", op: "==", left: { kind: "field", field: "id" }, right: arg(0) }, orderBy: [], limit: null, offset: null, asOf: null, single: true }, 1), [id, tenant]);
    assert.equal(await byId("acme", theirs.id), null);
    assert.equal((await byId("globex", theirs.id)).name, "hank");

    // Inside a transaction (an endpoint's): kova.tenant is set before the first statement of each tenant.
    const inTx = await driver.transaction(async (tx) => {
      const made = (await tx.execute(compileWith(postgresDialect, scoped({ kind: "insert", entity: "Contact", values: { kind: "object", operand: arg(0) } }, 1), entities), [{ name: "ida" }, "acme"])) as { id: number };
      const read = await tx.execute(compileWith(postgresDialect, scoped({ kind: "select", entity: "Contact", fields: null, where: null, orderBy: [], limit: null, offset: null, asOf: null, single: false }, 0), entities), ["acme"]);
      const other = await tx.execute(compileWith(postgresDialect, scoped({ kind: "select", entity: "Contact", fields: null, where: null, orderBy: [], limit: null, offset: null, asOf: null, single: false }, 0), entities), ["globex"]);
      return { made, read: (read as Array<{ name: string }>).map((r) => r.name), other: (other as Array<{ name: string }>).map((r) => r.name) };
    });
    assert.deepEqual([inTx.read, inTx.other], [["ada", "ida"], ["hank"]]);
    await run(scoped({ kind: "delete", entity: "Contact", where: { kind: "compare", op: "==", left: { kind: "field", field: "id" }, right: arg(0) }, single: true }, 1), [inTx.made.id, "acme"]);

    // A Kova statement that somehow lacked the scope in its WHERE still sees only its tenant: RLS.
    const unscoped = { ...scoped({ kind: "select", entity: "Contact", fields: null, where: null, orderBy: [], limit: null, offset: null, asOf: null, single: false }, 0), where: null };
    assert.deepEqual((await run(unscoped, ["acme"])).map((r: { name: string }) => r.name), ["ada"]);

    await admin(async (c) => {
      await c.query(`GRANT USAGE ON SCHEMA ${schema} TO ${app}`);
      await c.query(`GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA ${schema} TO ${app}`);
      await c.query(`GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA ${schema} TO ${app}`);
    });
    for (const role of [owner, app]) {
      const c = new pg.Client({ connectionString: urlAs(role) });
      clients.push(c);
      await c.connect();
      await c.query(`SET search_path TO ${schema}`);
      const count = async (sql: string, values: unknown[] = []) => (await c.query(sql, values)).rowCount;
      const refused = async (what: string, sql: string, values: unknown[] = []) => {
        await c.query("SAVEPOINT attempt");
        await assert.rejects(c.query(sql, values), /row-level security|permission denied|must be owner/, `${role}: ${what}`);
        await c.query("ROLLBACK TO SAVEPOINT attempt");
      };

      // No tenant set: nothing at all is visible or writable.
      assert.equal(await count("SELECT * FROM contact"), 0, `${role}: no tenant, no rows`);
      assert.equal(await count("SELECT * FROM contact__history"), 0, `${role}: no tenant, no versions`);
      assert.equal(await count("UPDATE contact SET name = 'x'"), 0);
      assert.equal(await count("DELETE FROM account"), 0);

      await c.query("BEGIN");
      await c.query("SELECT set_config('kova.tenant', 'acme', true)");
      assert.deepEqual((await c.query("SELECT name FROM contact ORDER BY id")).rows, [{ name: "ada" }], `${role}: reads its own tenant only`);
      assert.equal(await count("SELECT * FROM contact WHERE tenant_id = 'globex'"), 0, "another tenant by its tenant_id");
      assert.equal(await count("SELECT * FROM contact WHERE id = $1", [theirs.id]), 0, "another tenant's row by id");
      assert.deepEqual((await c.query("SELECT COUNT(*)::int AS n FROM contact")).rows, [{ n: 1 }], "aggregates");
      assert.equal(await count("SELECT * FROM contact c JOIN account a ON a.id = c.account WHERE a.name = 'Globex'"), 0, "through a join");
      assert.equal(await count("SELECT * FROM account WHERE id = (SELECT account FROM contact WHERE id = $1)", [theirs.id]), 0, "through a subquery");
      assert.equal(await count("SELECT * FROM contact__history WHERE id = $1", [theirs.id]), 0, "history of another tenant's row");
      assert.equal(await count("SELECT * FROM contact__history WHERE data ->> 'tenant_id' = 'globex'"), 0, "history by tenant");
      assert.equal(await count("UPDATE contact SET name = 'taken' WHERE id = $1", [theirs.id]), 0, "update another tenant's row");
      assert.equal(await count("DELETE FROM contact WHERE id = $1", [theirs.id]), 0, "delete another tenant's row");
      assert.equal(await count("DELETE FROM contact__history WHERE id = $1", [theirs.id]), 0, "delete another tenant's versions");
      await refused("insert into another tenant", "INSERT INTO contact (name, tenant_id) VALUES ('planted', 'globex')");
      await refused("move an own row to another tenant", "UPDATE contact SET tenant_id = 'globex' WHERE id = $1", [mine.id]);
      await refused("upsert over another tenant's id", "INSERT INTO contact (id, name, tenant_id) VALUES ($1, 'taken', 'acme') ON CONFLICT (id) DO UPDATE SET name = 'taken'", [theirs.id]);
      await refused("plant a version of another tenant", `INSERT INTO contact__history (id, op, at, data) VALUES ($1, 'update', now(), '{"tenant_id": "globex"}')`, [theirs.id]);
      // The tables' owner could turn the policy off (ALTER TABLE is the owner's): that is why the
      // docs recommend migrating as the owner and serving as a role granted reads and writes only.
      if (role === app) await refused("turn the policy off", "ALTER TABLE contact NO FORCE ROW LEVEL SECURITY");
      await c.query("ROLLBACK");
      // SET LOCAL ends with the transaction: afterwards nothing is visible again.
      assert.equal(await count("SELECT * FROM contact"), 0, `${role}: the tenant does not outlive its transaction`);
    }
    assert.equal((await byId("globex", theirs.id)).name, "hank", "the other tenant's row is intact");
  } finally {
    for (const c of clients) await c.end().catch(() => undefined);
    await driver.close();
    await admin(async (c) => {
      await c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await c.query(`DROP ROLE IF EXISTS ${app}`);
      await c.query(`DROP ROLE IF EXISTS ${owner}`);
    });
  }
});
