#!/usr/bin/env node
/**
 * What TENANT BY costs on PostgreSQL, at the driver: one row by id from a plain entity and from a
 * TENANT BY one (its plan scoped by the rewrite, so the statement also filters on tenant_id and runs
 * in a transaction that first sets kova.tenant for row-level security), in the same schema, with
 * `concurrency` requests in flight, rounds alternating. Plain entities take no extra step at all
 * (one property check per statement), so db-pg's own figures are unchanged by the feature.
 *
 *   node bench/tenants-pg.mjs [--rounds=3] [--ops=3000] [--concurrency=8]
 */
import { randomBytes } from "node:crypto";
import pg from "pg";
import { scopeToTenant, tenantFieldSchema } from "@kova/query";
import { createPostgresDriver, postgresDialect } from "@kova/driver-postgres";

const URL = process.env.KOVA_PG_URL ?? "postgresql://postgres@127.0.0.1:5432/test";
const option = (name, fallback) => Number(process.argv.find((a) => a.startsWith(`--${name}=`))?.split("=")[1] ?? fallback);
const rounds = option("rounds", 3);
const ops = option("ops", 3000);
const concurrency = option("concurrency", 8);

const field = (name, type) => ({ name, type, optional: false, unique: false, index: false });
const Plain = { name: "Plain", table: "plain", fields: [field("n", "int")] };
const Scoped = { name: "Scoped", table: "scoped", fields: [field("n", "int"), tenantFieldSchema("org")] };
const entities = new Map([Plain, Scoped].map((e) => [e.name, e]));
const byId = (entity) => ({ kind: "select", entity, fields: null, where: { kind: "compare", op: "==", left: { kind: "field", field: "id" }, right: { kind: "arg", index: 0 } }, orderBy: [], limit: null, offset: null, asOf: null, single: true });
const scoped = (plan, at) => scopeToTenant(plan, (n) => entities.get(n), () => ({ kind: "arg", index: at }));
const insert = (entity) => ({ kind: "insert", entity, values: { kind: "object", operand: { kind: "arg", index: 0 } } });

const schema = `kova_bench_tenants_${randomBytes(4).toString("hex")}`;
const admin = new pg.Client({ connectionString: URL });
await admin.connect();
await admin.query(`CREATE SCHEMA ${schema}`);
const driver = createPostgresDriver({ name: "db", appDir: ".", options: { url: URL, schema } });
try {
  await driver.connect();
  await driver.migrate([Plain, Scoped]);
  const compile = (plan) => postgresDialect.compile(plan, entities);
  const plainInsert = compile(insert("Plain"));
  const scopedInsert = compile(scoped(insert("Scoped"), 1));
  for (let i = 1; i <= 100; i++) {
    await driver.execute(plainInsert, [{ n: i }]);
    await driver.execute(scopedInsert, [{ n: i }, i % 2 === 0 ? "acme" : "globex"]);
  }
  const reads = { plain: [compile(byId("Plain")), () => []], tenant: [compile(scoped(byId("Scoped"), 1)), () => ["acme"]] };
  const run = async ([query, extra]) => {
    let next = 0;
    const start = process.hrtime.bigint();
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < ops) {
          const i = next++;
          const row = await driver.execute(query, [2 * (i % 50) + 2, ...extra()]);
          if (row === null) throw new Error("a row the bench wrote is missing");
        }
      }),
    );
    return Number(process.hrtime.bigint() - start) / 1e6;
  };
  await run(reads.plain);
  await run(reads.tenant); // warm both
  const totals = { plain: [], tenant: [] };
  for (let r = 0; r < rounds; r++) {
    for (const name of r % 2 === 0 ? ["plain", "tenant"] : ["tenant", "plain"]) totals[name].push(ops / ((await run(reads[name])) / 1000));
  }
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const p = median(totals.plain);
  const t = median(totals.tenant);
  console.log(`one row by id, ${ops} ops × ${rounds} rounds, ${concurrency} in flight (median ops/s)`);
  console.log(`  plain entity   ${p.toFixed(0)}   rounds: ${totals.plain.map((x) => x.toFixed(0)).join(", ")}`);
  console.log(`  TENANT BY      ${t.toFixed(0)}   rounds: ${totals.tenant.map((x) => x.toFixed(0)).join(", ")}`);
  console.log(`  tenant / plain ${(t / p).toFixed(2)}`);
} finally {
  await driver.close();
  await admin.query(`DROP SCHEMA ${schema} CASCADE`);
  await admin.end();
}
