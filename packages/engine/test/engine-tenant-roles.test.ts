// A database role per tenant on PostgreSQL (KOVA_ENGINE_TENANT_DATA=postgres), with a real engine
// process and a real PostgreSQL: each tenant's schema belongs to a NOLOGIN role of its own, the
// tenant's every statement runs under that role, and under it SQL on another tenant's schema is
// refused by the database itself — a wall behind the compiled queries.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import pg, { type QueryResultRow } from "pg";
import { EngineProcess, PG_URL, tempDir } from "./engine-process.js";

const suffix = randomBytes(4).toString("hex");
const SCHEMA = `kova_engine_roles_${suffix}`;
const T = { a: `rola-${suffix}`, b: `rolb-${suffix}`, old: `rolold-${suffix}` };
const schemaOf = (t: string) => `tenant_${t.replaceAll("-", "_")}`;
const roleOf = (t: string) => `kova_tenant_${t.replaceAll("-", "_")}`;

const PROGRAM = `ENTITY Visit {
  who: text
}

POST /visits/:who {
  RESPOND 201 INSERT INTO Visit { who: $who }
}

GET /visits {
  RESPOND SELECT * FROM Visit ORDER_BY id
}
`;

let engine: EngineProcess;
const keys: Record<string, string> = {};

async function sql<T extends QueryResultRow = Record<string, unknown>>(text: string, values: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: PG_URL });
  await client.connect();
  try {
    return (await client.query<T>(text, values)).rows;
  } finally {
    await client.end();
  }
}

/** Runs `text` on a connection that has taken `role` (as the tenant's pool does); the error it ends with, if any. */
async function asRole(role: string, text: string): Promise<{ code?: string; message: string } | undefined> {
  const client = new pg.Client({ connectionString: PG_URL });
  await client.connect();
  try {
    await client.query(`SET ROLE "${role}"`);
    await client.query(text);
    return undefined;
  } catch (error) {
    return { code: (error as { code?: string }).code, message: (error as Error).message };
  } finally {
    await client.end();
  }
}

before(async () => {
  engine = await EngineProcess.start({ KOVA_ENGINE_DATA_DIR: tempDir(), KOVA_ENGINE_PG_URL: PG_URL, KOVA_ENGINE_PG_SCHEMA: SCHEMA, KOVA_ENGINE_TENANT_DATA: "postgres", KOVA_ENGINE_WORKERS: "1" });
  for (const t of [T.a, T.b]) {
    keys[t] = await engine.createTenant(t);
    const deployed = await engine.deploy(keys[t], PROGRAM);
    assert.equal(deployed.status, 201, JSON.stringify(deployed.body));
    assert.equal((await engine.call("POST", `/t/${t}/visits/${t.slice(0, 4)}`)).status, 201);
  }
});

after(async () => {
  await engine?.stop();
  await sql(`DROP SCHEMA IF EXISTS ${SCHEMA} CASCADE`);
  for (const t of Object.values(T)) {
    await sql(`DROP SCHEMA IF EXISTS "${schemaOf(t)}" CASCADE`);
    await sql(`DROP ROLE IF EXISTS "${roleOf(t)}"`);
  }
});

test("each tenant's schema and everything in it belong to its own role, which cannot log in", async () => {
  for (const t of [T.a, T.b]) {
    const [role] = await sql<{ rolcanlogin: boolean; rolsuper: boolean; member: boolean }>(
      `SELECT rolcanlogin, rolsuper, EXISTS (SELECT 1 FROM pg_auth_members m WHERE m.roleid = r.oid AND m.member = (SELECT oid FROM pg_roles WHERE rolname = current_user)) AS member
       FROM pg_roles r WHERE rolname = $1`,
      [roleOf(t)],
    );
    assert.deepEqual(role, { rolcanlogin: false, rolsuper: false, member: true });
    const owners = await sql<{ owner: string }>(
      `SELECT DISTINCT pg_get_userbyid(c.relowner) AS owner FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1
       UNION SELECT pg_get_userbyid(nspowner) FROM pg_namespace WHERE nspname = $1`,
      [schemaOf(t)],
    );
    // Made by the tenant's own migrations, which ran under its role.
    assert.deepEqual(owners.map((o) => o.owner), [roleOf(t)]);
  }
});

test("under tenant A's role, SQL on tenant B's schema is refused by PostgreSQL; its own is not", async () => {
  const [a, b] = [T.a, T.b];
  for (const text of [
    `SELECT * FROM "${schemaOf(b)}".visit`,
    `INSERT INTO "${schemaOf(b)}".visit (who) VALUES ('spy')`,
    `DELETE FROM "${schemaOf(b)}".visit`,
    `CREATE TABLE "${schemaOf(b)}".planted (x int)`,
  ]) {
    const refused = await asRole(roleOf(a), text);
    assert.equal(refused?.code, "42501", `${text}: ${JSON.stringify(refused)}`);
    assert.match(refused!.message, /permission denied/);
  }
  assert.equal(await asRole(roleOf(a), `SELECT * FROM "${schemaOf(a)}".visit`), undefined);
  // Nothing reached B's rows.
  assert.deepEqual((await engine.call("GET", `/t/${b}/visits`)).body.map((v: { who: string }) => v.who), [b.slice(0, 4)]);
});

test("every statement of a tenant's requests runs under its role, on connections no other tenant uses", async () => {
  const [a, b] = [T.a, T.b];
  // A's table taken from A's role: only a statement run as that role (not as the engine's) is refused.
  await sql(`ALTER TABLE "${schemaOf(a)}".visit OWNER TO CURRENT_USER`);
  try {
    for (let i = 0; i < 10; i++) {
      const [ra, rb] = await Promise.all([engine.call("GET", `/t/${a}/visits`), engine.call("GET", `/t/${b}/visits`)]);
      assert.ok(ra.status >= 500, `A's read ran as A's role: ${ra.status} ${JSON.stringify(ra.body)}`);
      assert.equal(rb.status, 200, JSON.stringify(rb.body));
    }
    assert.ok(engine.logs.some((l) => l.includes("permission denied for table visit")), "the refusal is PostgreSQL's");
  } finally {
    await sql(`ALTER TABLE "${schemaOf(a)}".visit OWNER TO "${roleOf(a)}"`);
  }
  const back = await engine.call("GET", `/t/${a}/visits`);
  assert.equal(back.status, 200, JSON.stringify(back.body));
  assert.deepEqual(back.body.map((v: { who: string }) => v.who), [a.slice(0, 4)]);
});

test("a schema made before tenants had roles is handed to the tenant's role on its next deploy", async () => {
  const schema = schemaOf(T.old);
  // As an earlier engine left it: the schema and what is in it, owned by the engine's own role.
  await sql(`CREATE SCHEMA "${schema}"`);
  await sql(`CREATE TABLE "${schema}".earlier (id bigserial PRIMARY KEY, x int)`);
  await sql(`CREATE SEQUENCE "${schema}".counter`);
  await sql(`CREATE FUNCTION "${schema}".twice(x int) RETURNS int LANGUAGE sql AS 'SELECT x * 2'`);
  keys[T.old] = await engine.createTenant(T.old);
  const deployed = await engine.deploy(keys[T.old], PROGRAM);
  assert.equal(deployed.status, 201, JSON.stringify(deployed.body));
  assert.equal((await engine.call("POST", `/t/${T.old}/visits/old`)).status, 201);
  const owners = await sql<{ name: string; owner: string }>(
    `SELECT c.relname AS name, pg_get_userbyid(c.relowner) AS owner FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1`,
    [schema],
  );
  assert.ok(owners.some((o) => o.name === "earlier") && owners.some((o) => o.name === "visit"), JSON.stringify(owners));
  assert.deepEqual(owners.filter((o) => o.owner !== roleOf(T.old)), []);
  const [fn] = await sql<{ owner: string }>(`SELECT pg_get_userbyid(proowner) AS owner FROM pg_proc WHERE proname = 'twice' AND pronamespace = $1::regnamespace`, [schema]);
  assert.equal(fn.owner, roleOf(T.old));
});
