// TENANT BY end to end (docs/entities.md, "Tenants"): examples/crm built and served for real, two
// organisations' JWTs over HTTP. Each sees its own records only — by id, lists, relations both
// ways, aggregates, history, GraphQL —, another's record answers 404 and leaves a warn line in the
// app's log naming the entity, the id and the caller's tenant; a token without the claim is a 401.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Writable } from "node:stream";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { readFileSync, writeFileSync } from "node:fs";
import { SignJWT } from "jose";
import { pino } from "pino";
import { startApp, type AppDefinition } from "@kova/runtime";
import "@kova/driver-embedded";
import "@kova/driver-postgres";
import { EXAMPLES, build, request, tempApp } from "./e2e/harness.js";
import { pgRlsApp } from "./e2e/pg-schema.js";

const JWT_KEY = "tenants-e2e-key-0123456789-0123456789-0123456789-0123";

function token(claims: Record<string, string>): Promise<string> {
  return new SignJWT(claims).setProtectedHeader({ alg: "HS256" }).setIssuedAt().setExpirationTime("10m").setIssuer("kova-crm").setAudience("kova-crm").sign(new TextEncoder().encode(JWT_KEY));
}

test("TENANT BY over HTTP: two organisations never see each other's records", async (t) => {
  const dir = tempApp(t, join(EXAMPLES, "crm"));
  writeFileSync(join(dir, "kova.config.json"), JSON.stringify({ graphql: { entities: ["Company", "Contact"], read: "authenticated", write: "authenticated" } }));
  await build(dir);
  const lines: Array<Record<string, unknown>> = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split("\n")) if (line.trim() !== "") lines.push(JSON.parse(line));
      done();
    },
  });
  const { app } = (await import(pathToFileURL(join(dir, "dist", "app.js")).href)) as { app: AppDefinition };
  const running = await startApp(app, { appDir: dir, port: 7431, manageProcess: false, env: { JWT_KEY }, logger: pino({ level: "warn" }, sink) });
  t.after(() => running.close());
  const url = running.url;
  const as = (bearer: string) => ({ authorization: `Bearer ${bearer}` });
  const acme = as(await token({ sub: "ada", org: "acme" }));
  const globex = as(await token({ sub: "hank", org: "globex" }));

  const acmeCo = (await request(`${url}/companies`, { method: "POST", json: { name: "Acme Inc" }, headers: acme })).body;
  const globexCo = (await request(`${url}/companies`, { method: "POST", json: { name: "Globex" }, headers: globex })).body;
  const grace = await request(`${url}/contacts`, { method: "POST", json: { name: "Grace", company: acmeCo.id }, headers: acme });
  assert.deepEqual([grace.status, grace.body.tenant_id], [201, "acme"], "stamped from the token");
  const linus = (await request(`${url}/contacts`, { method: "POST", json: { name: "Linus", company: globexCo.id }, headers: globex })).body;
  // An acme contact naming globex's company (a client can send any id): the company stays hidden.
  await request(`${url}/contacts`, { method: "POST", json: { name: "Mallory", company: globexCo.id }, headers: acme });

  const list = await request(`${url}/contacts`, { headers: acme });
  assert.deepEqual(list.body.map((c: any) => [c.name, c.company?.name ?? null]), [["Grace", "Acme Inc"], ["Mallory", null]]);
  assert.deepEqual((await request(`${url}/stats`, { headers: globex })).body, { contacts: 1 });
  assert.deepEqual((await request(`${url}/companies/${acmeCo.id}`, { headers: acme })).body.contacts.map((c: any) => c.name), ["Grace"]);

  for (const [method, path] of [["GET", `/contacts/${linus.id}`], ["PATCH", `/contacts/${linus.id}`], ["DELETE", `/contacts/${linus.id}`], ["GET", `/companies/${globexCo.id}`]] as const) {
    const r = await request(`${url}${path}`, { method, json: method === "PATCH" ? { name: "taken" } : undefined, headers: acme });
    assert.equal(r.status, 404, `${method} ${path}: ${r.text}`);
  }
  assert.deepEqual((await request(`${url}/contacts/${linus.id}/history`, { headers: acme })).body, []);
  const intact = await request(`${url}/contacts/${linus.id}`, { headers: globex });
  assert.deepEqual([intact.status, intact.body.name], [200, "Linus"]);

  const warned = lines.filter((l) => l.entity === "Contact" && l.id === linus.id && l.tenant === "acme");
  assert.equal(warned.length, 3, JSON.stringify(lines));
  assert.equal(warned[0].level, 40, "warn");

  assert.equal((await request(`${url}/contacts`, { headers: as(await token({ sub: "eve" })) })).status, 401, "a token without the org claim");
  assert.equal((await request(`${url}/contacts`)).status, 401, "no token");

  // GraphQL runs the same rewrite on the plans it builds.
  const gql = (query: string, headers: Record<string, string> = {}) => request(`${url}/graphql`, { method: "POST", json: { query }, headers });
  const contacts = await gql(`{ contacts { name tenant_id } }`, acme);
  assert.equal(contacts.body.errors, undefined, contacts.text);
  assert.deepEqual(contacts.body.data.contacts, [{ name: "Grace", tenant_id: "acme" }, { name: "Mallory", tenant_id: "acme" }]);
  const theirs = await gql(`{ contact(id: ${linus.id}) { name } }`, acme);
  assert.equal(theirs.body.data?.contact ?? null, null, theirs.text);
  const created = await gql(`mutation { createContact(input: { name: "Ida" }) { name tenant_id } }`, globex);
  assert.deepEqual(created.body.data?.createContact, { name: "Ida", tenant_id: "globex" }, created.text);
});

test("TENANT BY over HTTP on PostgreSQL, served by a role that row-level security holds", async (t) => {
  // The app's role owns its tables (it migrates them at start) but is no superuser and has no
  // BYPASSRLS: FORCE ROW LEVEL SECURITY holds it, so every statement must carry its tenant.
  const pgApp = await pgRlsApp(t, "kova_e2e_tenant");
  if (pgApp === undefined) return;
  const { admin, schema } = pgApp;
  const dir = tempApp(t, join(EXAMPLES, "crm"));
  const source = readFileSync(join(dir, "app.kova"), "utf8");
  writeFileSync(join(dir, "app.kova"), `CONNECT db USING postgres({ url: env("DATABASE_URL"), schema: env("DB_SCHEMA") })\n\n${source}`);
  await build(dir);
  const { app } = (await import(pathToFileURL(join(dir, "dist", "app.js")).href + "?pg")) as { app: AppDefinition };
  const url = pgApp.url;
  const running = await startApp(app, { appDir: dir, port: 7432, manageProcess: false, env: { JWT_KEY, DATABASE_URL: url, DB_SCHEMA: schema }, logLevel: "silent" });
  t.after(() => running.close());
  const base = running.url;
  const as = async (claims: Record<string, string>) => ({ authorization: `Bearer ${await token(claims)}` });
  const acme = await as({ sub: "ada", org: "acme" });
  const globex = await as({ sub: "hank", org: "globex" });

  const co = await request(`${base}/companies`, { method: "POST", json: { name: "Acme Inc" }, headers: acme });
  assert.equal(co.status, 201, co.text);
  const grace = await request(`${base}/contacts`, { method: "POST", json: { name: "Grace", company: co.body.id }, headers: acme });
  assert.deepEqual([grace.status, grace.body.tenant_id], [201, "acme"], grace.text);
  const linus = (await request(`${base}/contacts`, { method: "POST", json: { name: "Linus" }, headers: globex })).body;
  assert.deepEqual((await request(`${base}/contacts`, { headers: acme })).body.map((c: any) => [c.name, c.company?.name ?? null]), [["Grace", "Acme Inc"]]);
  assert.equal((await request(`${base}/contacts/${linus.id}`, { headers: acme })).status, 404);
  const patched = await request(`${base}/contacts/${grace.body.id}`, { method: "PATCH", json: { name: "Grace H." }, headers: acme });
  assert.deepEqual([patched.status, patched.body.name], [200, "Grace H."], patched.text);
  assert.equal((await request(`${base}/contacts/${linus.id}`, { method: "DELETE", headers: acme })).status, 404);
  assert.equal((await request(`${base}/contacts/${grace.body.id}/history`, { headers: acme })).body.length, 2);
  assert.deepEqual((await request(`${base}/stats`, { headers: globex })).body, { contacts: 1 });

  // The rows are there, each with its tenant — as the superuser (which bypasses RLS) sees them.
  const rows = await admin.query(`SELECT name, tenant_id FROM ${schema}.contact ORDER BY id`);
  assert.deepEqual(rows.rows, [{ name: "Grace H.", tenant_id: "acme" }, { name: "Linus", tenant_id: "globex" }]);
});
