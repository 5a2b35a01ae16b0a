/**
 * Parity: every implementation answers the benchmark's requests alike (status, content type, body),
 * so none is measured doing less work. Run with `npm run test:bench-parity` (node --test).
 * Each server gets a fresh copy of the same seeded database, so even the writes answer the same.
 * The PostgreSQL variants (db/queries routes) are checked on one schema seeded for the test by
 * Kova's driver (KOVA_PG_URL), dropped afterwards; skipped, saying so, when no server answers.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { join } from "node:path";
import { seedWorld } from "./lib/seed.mjs";
import { BENCH_DIR, FRAMEWORKS, KOVA_APP_DIR, KOVA_PG_APP_DIR, buildKovaApp, startServer } from "./lib/servers.mjs";
import { PG_URL, pgAddress, pgReachable, seedWorldPg } from "./lib/seed-pg.mjs";

const ORDER = {
  customer: "Ada Lovelace", email: "ada@example.com", quantity: 3, price: 19.99, currency: "EUR", express: true,
  note: "leave at the door", tags: ["gift", "fragile"], coupon: "SAVE10", address: { street: "1 Main St", city: "Springfield", zip: "12345" },
};
const ids = (list) => list.map((id) => `ids=${id}`).join("&");
const TWENTY = [17, 4242, 9999, 1, 10000, 523, 77, 3100, 8080, 6, 250, 251, 4999, 5000, 7321, 42, 1234, 9000, 333, 2024];

/** [name, method, path, body?, compare] — compare "all": status, type and body; "status": status and type only. */
const CASES = [
  ["plaintext", "GET", "/plaintext"],
  ["json", "GET", "/json"],
  ["validated POST", "POST", "/orders", ORDER],
  ["one row", "GET", "/db/4242"],
  ["20 rows", "GET", `/queries?${ids(TWENTY)}`],
  ["20 updates", "POST", `/updates?${ids(TWENTY)}&value=31337`],
  ["the updated rows read back", "GET", `/queries?${ids(TWENTY)}`],
  ["missing row", "GET", "/db/10001", undefined, "status"],
  ["id that is not a number", "GET", "/db/abc", undefined, "status"],
  ["order with a bad field", "POST", "/orders", { ...ORDER, quantity: 0 }, "status"],
  ["order with an unknown field", "POST", "/orders", { ...ORDER, extra: 1 }, "status"],
  ["order without a required field", "POST", "/orders", { ...ORDER, email: undefined }, "status"],
];

/** The PostgreSQL variants serve only the read routes (and /json, their readiness check). */
const PG_CASES = [
  ["one row", "GET", "/db/4242"],
  ["20 rows", "GET", `/queries?${ids(TWENTY)}`],
  ["missing row", "GET", "/db/10001", undefined, "status"],
  ["id that is not a number", "GET", "/db/abc", undefined, "status"],
];

const servers = [];
const pgServers = [];
let pgSeeded;
let pgSkip = false;

before(async () => {
  buildKovaApp();
  const { app } = await import(join(KOVA_APP_DIR, "dist", "app.js"));
  const dataDir = join(BENCH_DIR, ".data", "parity");
  const seedFile = await seedWorld(join(dataDir, "seed"), app.dataSources[0].entities);
  let port = Number(process.env.BENCH_PARITY_PORT ?? 4600);
  for (const framework of FRAMEWORKS) servers.push(await startServer(framework, { port: port++, seedFile, dataDir: join(dataDir, "run") }));
  if (!(await pgReachable(PG_URL))) {
    pgSkip = `no PostgreSQL at ${pgAddress()} (set KOVA_PG_URL)`;
    console.log(`# skipping the PostgreSQL parity tests: ${pgSkip}`);
    return;
  }
  buildKovaApp(KOVA_PG_APP_DIR);
  const { app: pgApp } = await import(join(KOVA_PG_APP_DIR, "dist", "app.js"));
  pgSeeded = await seedWorldPg(pgApp.dataSources[0].entities, PG_URL);
  const postgres = { url: PG_URL, schema: pgSeeded.schema };
  for (const framework of FRAMEWORKS) pgServers.push(await startServer(framework, { port: port++, dataDir: join(dataDir, "run"), postgres }));
});

after(async () => {
  await Promise.all([...servers, ...pgServers].map((s) => s.stop()));
  await pgSeeded?.drop();
});

async function call(server, method, path, body) {
  const res = await fetch(server.url + path, {
    method,
    headers: body === undefined ? {} : { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, type: (res.headers.get("content-type") ?? "").split(";")[0], fullType: res.headers.get("content-type"), text };
}

/** Asks every server the same request and holds each answer to Kova's. */
async function answersAlike(list, method, path, body, compare) {
  const answers = [];
  for (const server of list) answers.push({ framework: server.framework, ...(await call(server, method, path, body)) });
  const kova = answers[0];
  assert.equal(kova.framework, "kova");
  if (compare === "all") assert.equal(kova.status, 200, `kova answered ${kova.status}: ${kova.text}`);
  for (const other of answers.slice(1)) {
    assert.equal(other.status, kova.status, `${other.framework} status (body ${other.text.slice(0, 200)})`);
    assert.equal(other.type, kova.type, `${other.framework} content type`);
    if (compare === "all") {
      assert.equal(other.fullType, kova.fullType, `${other.framework} content type`);
      assert.equal(other.text, kova.text, `${other.framework} body`);
    }
  }
}

for (const [name, method, path, body, compare = "all"] of CASES) {
  test(`${name}: ${method} ${path.slice(0, 40)} answers alike everywhere`, () => answersAlike(servers, method, path, body, compare));
}

for (const [name, method, path, body, compare = "all"] of PG_CASES) {
  test(`PostgreSQL, ${name}: ${method} ${path.slice(0, 40)} answers alike everywhere`, (t) => {
    if (pgSkip) return t.skip(pgSkip);
    return answersAlike(pgServers, method, path, body, compare);
  });
}
