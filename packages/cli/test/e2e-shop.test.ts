// examples/shop end to end (docs/entities.md, "The shop example"): built and served for real, two
// shops' JWTs over HTTP, on the embedded store and on PostgreSQL under a role that row-level
// security holds. It covers what `kova test` cannot: the receipt that `ON order_paid` writes after
// the payment committed (the test waits for it), the forms and order of the public ids, the payment
// ACTION running with the caller's shop (under row-level security on PostgreSQL), and, on
// PostgreSQL, the columns and policies the standard library's and EXTENDS' entities and the read
// model get, and the ciphertext stored for the ENCRYPTED tax number.
import { test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { readFileSync, writeFileSync } from "node:fs";
import { SignJWT } from "jose";
import { startApp, type AppDefinition } from "@kova/runtime";
import "@kova/driver-embedded";
import "@kova/driver-postgres";
import { EXAMPLES, build, request, tempApp, until } from "./e2e/harness.js";
import { pgRlsApp } from "./e2e/pg-schema.js";

const JWT_KEY = "shop-e2e-key-0123456789-0123456789-0123456789-0123456";
const KOVA_DATA_KEY = Buffer.from("shop-e2e-data-key-0123456789-012").toString("base64");
const UUID7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const ULID = /^[0-7][0-9A-HJKMNP-TV-Z]{25}$/;

async function bearer(claims: Record<string, string>): Promise<Record<string, string>> {
  const jwt = await new SignJWT(claims).setProtectedHeader({ alg: "HS256" }).setIssuedAt().setExpirationTime("10m").setIssuer("kova-shop").setAudience("kova-shop").sign(new TextEncoder().encode(JWT_KEY));
  return { authorization: `Bearer ${jwt}` };
}

async function serve(t: TestContext, dir: string, env: Record<string, string>, tag: string): Promise<string> {
  await build(dir);
  const { app } = (await import(`${pathToFileURL(join(dir, "dist", "app.js")).href}?${tag}`)) as { app: AppDefinition };
  const running = await startApp(app, { appDir: dir, port: 0, manageProcess: false, env: { JWT_KEY, KOVA_DATA_KEY, ...env }, logLevel: "silent" });
  t.after(() => running.close());
  return running.url;
}

/** The shop's flows, the same on every data source; returns the ids it made, for the caller's own checks. */
async function shopFlows(base: string): Promise<{ order: string; product: string; customer: string }> {
  const acme = await bearer({ sub: "ada", shop: "acme" });
  const globex = await bearer({ sub: "hank", shop: "globex" });
  const post = (path: string, json: unknown, headers: Record<string, string>) => request(`${base}${path}`, { method: "POST", json, headers });
  const get = (path: string, headers: Record<string, string>) => request(`${base}${path}`, { headers });

  const grace = await post("/customers", { first_name: "Grace", last_name: "Hopper", email: "Grace@Example.com", phone: "+1 (415) 555-0100", tax_id: "GB-SECRET-4242" }, acme);
  assert.equal(grace.status, 201, grace.text);
  assert.match(grace.body.id, UUID7);
  assert.deepEqual([grace.body.email, grace.body.phone, grace.body.tenant_id, grace.body.created_by, grace.body.tax_id], ["grace@example.com", "+14155550100", "acme", "ada", "GB-SECRET-4242"]);
  assert.equal((await get(`/customers/${grace.body.id}`, acme)).body.tax_id, "GB-SECRET-4242", "the encrypted field read back as plaintext");
  const home = await post("/addresses", { customer: grace.body.id, line1: "1 Infinite Loop", city: "Cupertino", country: "us" }, acme);
  assert.deepEqual([home.status, home.body.country, home.body.customer], [201, "US", grace.body.id], home.text);

  const kettle = await post("/products", { name: "Red Kettle", sku: "KET-001", barcode: "4006381333931", price: { amount: "24.9", currency: "EUR" } }, acme);
  assert.equal(kettle.status, 201, kettle.text);
  assert.match(kettle.body.id, ULID);
  assert.deepEqual([kettle.body.identifier, kettle.body.price], ["red-kettle", "EUR 24.90"]);
  assert.equal((await get(`/products/${kettle.body.id.toLowerCase()}`, acme)).body.name, "Red Kettle", "a ULID is read in either case");
  assert.equal((await get(`/products/${kettle.body.id}`, globex)).status, 404, "another shop's product");
  assert.equal((await get("/products/by-name/red-kettle", globex)).status, 404);
  const bad = await get("/products/not-a-ulid", acme);
  assert.deepEqual([bad.status, bad.body.errors?.[0]?.field], [400, "id"]);

  // Orders one after another: their uuid7 ids sort in the order they were placed.
  const orders: Array<{ id: string; price: string }> = [];
  for (let i = 0; i < 5; i++) {
    const o = await post("/orders", { customer: grace.body.id, product: kettle.body.id, quantity: i + 1 }, acme);
    assert.equal(o.status, 201, o.text);
    orders.push(o.body);
  }
  const ids = orders.map((o) => o.id);
  assert.ok(ids.every((id) => UUID7.test(id)));
  assert.deepEqual([...ids].sort(), ids, "time-ordered ids");
  assert.equal((await post("/orders", { customer: grace.body.id, product: kettle.body.id, quantity: 1 }, globex)).status, 422, "another shop's product cannot be ordered");

  // Paying (the ACTION pay, with the caller's shop): the order, the points and the payment in one
  // transaction, the receipt after it committed.
  const theirs = await post(`/orders/${ids[1]}/pay`, {}, globex);
  assert.deepEqual([theirs.status, theirs.body.errors?.[0]?.field], [404, "order"], `another shop's order, as if it did not exist: ${theirs.text}`);
  const paid = await post(`/orders/${ids[0]}/pay`, {}, acme);
  assert.deepEqual([paid.status, paid.body.status], [200, "paid"], paid.text);
  const twice = await post(`/orders/${ids[0]}/pay`, {}, acme);
  assert.deepEqual([twice.status, twice.body.action?.name, twice.body.action?.step], [409, "pay", 1], twice.text);
  assert.equal((await get(`/customers/${grace.body.id}`, acme)).body.points, 1);
  assert.deepEqual((await get("/payments", acme)).body.map((p: any) => [p.order, p.price]), [[ids[0], "EUR 24.90"]]);
  assert.deepEqual((await get("/payments", globex)).body, []);
  assert.equal((await get(`/orders/${ids[1]}`, acme)).body.status, "open", "the refused payment changed nothing");
  // The read model: five orders of 1–5 items, the first (1 item) paid.
  assert.deepEqual((await get("/sales", acme)).body, [
    { status: "open", orders: 4, items: 14 },
    { status: "paid", orders: 1, items: 1 },
  ]);
  assert.deepEqual((await get("/sales", globex)).body, [], "another shop's summary");
  const receipts = await until(() => get("/receipts", acme), (r) => r.body.length >= 1);
  assert.deepEqual(receipts.body.map(({ id: _, ...r }: any) => r), [{ order: ids[0], customer: grace.body.id, price: "EUR 24.90" }]);
  assert.deepEqual((await get("/receipts", globex)).body, [], "a receipt is its shop's only");

  // Soft delete and restore.
  assert.equal((await request(`${base}/products/${kettle.body.id}`, { method: "DELETE", headers: acme })).status, 204);
  assert.deepEqual((await get("/products", acme)).body, []);
  assert.deepEqual((await get("/products/deleted", acme)).body.map((p: any) => [p.id, p.deleted_by]), [[kettle.body.id, "ada"]]);
  assert.equal((await post(`/products/${kettle.body.id}/restore`, {}, acme)).status, 200);
  assert.equal((await get("/products", acme)).body.length, 1);
  assert.equal((await get("/products", {})).status, 401);
  return { order: ids[0], product: kettle.body.id, customer: grace.body.id };
}

test("shop over HTTP on the embedded store: tenants, public ids, rich types, soft delete, an action and its ON handler", async (t) => {
  const dir = tempApp(t, join(EXAMPLES, "shop"));
  await shopFlows(await serve(t, dir, {}, "embedded"));
});

test("shop over HTTP on PostgreSQL, served by a role that row-level security holds", async (t) => {
  const pgApp = await pgRlsApp(t, "kova_e2e_shop");
  if (pgApp === undefined) return;
  const { admin, schema } = pgApp;
  const dir = tempApp(t, join(EXAMPLES, "shop"));
  const source = readFileSync(join(dir, "app.kova"), "utf8");
  writeFileSync(join(dir, "app.kova"), `CONNECT db USING postgres({ url: env("DATABASE_URL"), schema: env("DB_SCHEMA") })\n\n${source}`);
  const base = await serve(t, dir, { DATABASE_URL: pgApp.url, DB_SCHEMA: schema }, "pg");
  const made = await shopFlows(base);

  // What the database holds: a uuid7 is a native uuid, a ulid text; the inherited columns are
  // ordinary columns; every tenant table is held by row-level security.
  const columns = await admin.query(
    `SELECT table_name, column_name, data_type FROM information_schema.columns WHERE table_schema = $1 AND column_name IN ('public_id', 'first_name', 'country', 'email') ORDER BY table_name, column_name`,
    [schema],
  );
  assert.deepEqual(columns.rows.map((r) => `${r.table_name}.${r.column_name} ${r.data_type}`), [
    "customer.email text",
    "customer.first_name text",
    "customer.public_id uuid",
    "order.public_id uuid",
    "product.public_id text",
    "shipping_address.country text",
  ]);
  const secured = await admin.query(`SELECT relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relkind = 'r' AND c.relrowsecurity AND c.relforcerowsecurity`, [schema]);
  const tenantTables = ["customer", "order", "order_summary", "payment", "product", "shipping_address"];
  assert.deepEqual(
    secured.rows.map((r) => r.relname).sort(),
    tenantTables.flatMap((table) => [table, `${table}__history`]).sort(),
    "their histories and the read model (order_summary) too; the receipt names its shop itself",
  );
  const stored = await admin.query(`SELECT public_id, tenant_id FROM ${schema}."order" WHERE public_id = $1`, [made.order]);
  assert.deepEqual(stored.rows, [{ public_id: made.order, tenant_id: "acme" }]);
  assert.equal((await admin.query(`SELECT public_id FROM ${schema}.product`)).rows[0].public_id, made.product);
  // The tax number is ciphertext in the row and in its history; the app read it as plaintext.
  const taxIds = await admin.query(`SELECT tax_id FROM ${schema}.customer WHERE public_id = $1`, [made.customer]);
  assert.match(taxIds.rows[0].tax_id, /^kova1:/);
  assert.ok(!JSON.stringify(taxIds.rows).includes("SECRET"));
  const versions = await admin.query(`SELECT data::text AS data FROM ${schema}.customer__history`);
  assert.ok(versions.rows.length > 0 && versions.rows.every((r) => !r.data.includes("SECRET")), "no version holds the plaintext");
});
