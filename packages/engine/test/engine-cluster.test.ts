// Two real engine processes sharing PostgreSQL (the engine's store, in a schema of this test's own,
// and each tenant's data in a schema of its own) and Redis (L2 of programs and deploy
// announcements): a deploy or rollback on either node is served by the other right after, the
// tenant's data is the same from both, and no tenant reads another's rows.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import pg from "pg";
import { Redis } from "ioredis";
import { EngineProcess, PG_URL, REDIS_URL, tempDir } from "./engine-process.js";

const suffix = randomBytes(4).toString("hex");
const SCHEMA = `kova_engine_test_${suffix}`;
const PREFIX = `kova-engine-test-${suffix}:`;

const PROGRAM = (version: number) => `ENTITY Visit {
  who: text
}

GET /version {
  RESPOND { version: ${version} }
}

POST /visits/:who {
  RESPOND 201 INSERT INTO Visit { who: $who }
}

GET /visits {
  RESPOND SELECT * FROM Visit ORDER_BY id
}
`;

/** Tenant names of this run (their data schemas and roles are dropped at the end). */
const T = { shop: `shop-${suffix}`, cafe: `cafe-${suffix}`, inn: `inn-${suffix}`, spy: `spy-${suffix}`, race: `race-${suffix}` };

let a: EngineProcess;
let b: EngineProcess;

before(async () => {
  const dir = tempDir();
  const env = { KOVA_ENGINE_DATA_DIR: dir, KOVA_ENGINE_PG_URL: PG_URL, KOVA_ENGINE_PG_SCHEMA: SCHEMA, KOVA_ENGINE_REDIS_URL: REDIS_URL, KOVA_ENGINE_REDIS_PREFIX: PREFIX, KOVA_ENGINE_TENANT_DATA: "postgres" };
  // One after the other: the first makes the signing key both use, and the schema.
  a = await EngineProcess.start(env);
  b = await EngineProcess.start(env);
});

after(async () => {
  await Promise.all([a?.stop(), b?.stop()]);
  const client = new pg.Client({ connectionString: PG_URL });
  await client.connect();
  await client.query(`DROP SCHEMA IF EXISTS ${SCHEMA} CASCADE`);
  for (const t of Object.values(T)) {
    await client.query(`DROP SCHEMA IF EXISTS "tenant_${t.replaceAll("-", "_")}" CASCADE`);
    // Roles are the cluster's, not the database's: each tenant's goes with its schema.
    await client.query(`DROP ROLE IF EXISTS "kova_tenant_${t.replaceAll("-", "_")}"`);
  }
  await client.end();
  const redis = new Redis(REDIS_URL);
  const keys = await redis.keys(`${PREFIX}*`);
  if (keys.length > 0) await redis.del(...keys);
  redis.disconnect();
});

/** Polls until the node answers `version`; returns the milliseconds it took. */
async function servesVersion(node: EngineProcess, tenant: string, version: number, withinMs = 3000): Promise<number> {
  const started = performance.now();
  for (;;) {
    const res = await node.call("GET", `/t/${tenant}/version`);
    if (res.status === 200 && res.body.version === version) return performance.now() - started;
    if (performance.now() - started > withinMs) assert.fail(`the node still answers ${res.status} ${JSON.stringify(res.body)} ${withinMs} ms after the deploy`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

test("the store is PostgreSQL: programs by hash in the engine's schema", async () => {
  const key = await a.createTenant(T.shop);
  const deployed = await a.deploy(key, PROGRAM(1));
  assert.equal(deployed.status, 201, JSON.stringify(deployed.body));
  const client = new pg.Client({ connectionString: PG_URL });
  await client.connect();
  const rows = await client.query(`SELECT hash, octet_length(bytecode) AS size FROM ${SCHEMA}.engine_programs`);
  const keys = await client.query(`SELECT * FROM ${SCHEMA}.engine_keys`);
  await client.end();
  assert.deepEqual(rows.rows.map((r) => r.hash), [deployed.body.hash]);
  assert.ok(!JSON.stringify(keys.rows).includes(key.split("_").slice(2).join("_")), "the API key is stored in plain");
});

test("a deploy to one node is served by the other right after; so is a rollback", async () => {
  const key = await a.createTenant(T.cafe);
  const v1 = await a.deploy(key, PROGRAM(1));
  assert.equal(v1.status, 201);
  // b has never seen the tenant: it finds it in PostgreSQL and the program in Redis (L2).
  await servesVersion(b, T.cafe, 1, 1000);
  const v2 = await b.deploy(key, PROGRAM(2));
  assert.equal(v2.status, 201);
  const ms = await servesVersion(a, T.cafe, 2, 1000);
  assert.ok(ms < 1000);
  const rolled = await a.call("POST", "/_engine/rollback", { key, body: { hash: v1.body.hash } });
  assert.equal(rolled.status, 200);
  await servesVersion(b, T.cafe, 1, 1000);
  const versions = await b.call("GET", "/_engine/versions", { key });
  assert.deepEqual(versions.body.versions.map((v: { version: number; action: string }) => [v.version, v.action]), [[3, "rollback"], [2, "deploy"], [1, "deploy"]]);
});

test("both nodes read and write the same tenant data", async () => {
  const key = await a.createTenant(T.inn);
  assert.equal((await b.deploy(key, PROGRAM(1))).status, 201);
  await servesVersion(a, T.inn, 1);
  assert.equal((await a.call("POST", `/t/${T.inn}/visits/ann`)).status, 201);
  assert.equal((await b.call("POST", `/t/${T.inn}/visits/bob`)).status, 201);
  const seen = await a.call("GET", `/t/${T.inn}/visits`);
  assert.deepEqual(seen.body.map((v: { who: string }) => v.who), ["ann", "bob"]);
});

test("the node that did not deploy found the program in Redis (L2), not PostgreSQL", async () => {
  const metrics = await b.call("GET", "/_kova/metrics", { key: "test-admin-key-0123456789abcdef" });
  assert.match(metrics.body as string, /kova_engine_program_cache_total\{level="l2"\} [1-9]/);
});

test("on PostgreSQL each tenant's rows are in its own schema: another tenant with the same program reads none of them", async () => {
  const key = await b.createTenant(T.spy);
  assert.equal((await b.deploy(key, PROGRAM(1))).status, 201);
  await servesVersion(a, T.spy, 1);
  const theirs = await a.call("GET", `/t/${T.spy}/visits`);
  assert.equal(theirs.status, 200);
  assert.deepEqual(theirs.body, []);
  const client = new pg.Client({ connectionString: PG_URL });
  await client.connect();
  const rows = await client.query(`SELECT who FROM "tenant_${T.inn.replaceAll("-", "_")}".visit ORDER BY id`);
  await client.end();
  assert.deepEqual(rows.rows.map((r) => r.who), ["ann", "bob"]);
});

test("deploys to both nodes at once end with both serving the newest recorded version", async () => {
  const key = await a.createTenant(T.race);
  assert.equal((await a.deploy(key, PROGRAM(1))).status, 201);
  const [x, y] = await Promise.all([a.deploy(key, PROGRAM(5)), b.deploy(key, PROGRAM(6))]);
  assert.equal(x.status, 201);
  assert.equal(y.status, 201);
  const versions = await a.call("GET", "/_engine/versions", { key });
  const newest = versions.body.versions[0];
  const expected = newest.hash === x.body.hash ? 5 : 6;
  await servesVersion(a, T.race, expected, 2000);
  await servesVersion(b, T.race, expected, 2000);
});
