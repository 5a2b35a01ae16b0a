// The engine on its embedded store, as real processes talking HTTP: tenants and keys, deploys and
// their refusals, each tenant's data kept from the others, quotas per tenant, hot swap on an open
// keep-alive connection, rollback, tampered programs refused, the bounded queue, metrics, audit
// and the graceful drain.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { Agent, request } from "node:http";
import { connect } from "node:net";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { ADMIN_KEY, EngineProcess, tempDir } from "./engine-process.js";

const NOTES = (version: number) => `ENTITY Note {
  text: text
}

VALIDATE NewNote {
  text: string(min: 1, max: 200)
}

GET /version {
  RESPOND { version: ${version} }
}

GET /notes {
  RESPOND SELECT * FROM Note ORDER_BY id
}

POST /notes VALIDATE NewNote {
  RESPOND 201 INSERT INTO Note { text: $body.text }
}
`;

const SPIN = `VALIDATE Spin {
  xs: int[]
}

POST /spin VALIDATE Spin {
  n = 0
  FOR a IN $body.xs {
    FOR b IN $body.xs {
      FOR c IN $body.xs {
        n = n + 1
      }
    }
  }
  RESPOND { n: n }
}
`;

const range = (n: number) => Array.from({ length: n }, (_, i) => i);

let dir: string;
let engine: EngineProcess;
let acme: string;
let globex: string;
/** The hash of acme's first program (NOTES(1)). */
let v1Hash: string;

before(async () => {
  dir = tempDir();
  engine = await EngineProcess.start({ KOVA_ENGINE_DATA_DIR: dir });
  acme = await engine.createTenant("acme");
  globex = await engine.createTenant("globex");
});

after(async () => {
  await engine.stop();
});

test("the admin API needs the admin key; a tenant's key is refused there", async () => {
  assert.equal((await engine.call("POST", "/_engine/tenants", { body: { name: "x" } })).status, 401);
  assert.equal((await engine.call("POST", "/_engine/tenants", { key: "wrong-key", body: { name: "x" } })).status, 401);
  const asTenant = await engine.call("POST", "/_engine/tenants", { key: acme, body: { name: "x" } });
  assert.equal(asTenant.status, 403);
  assert.equal(asTenant.body.field, "authorization");
  const bad = await engine.call("POST", "/_engine/tenants", { key: ADMIN_KEY, body: { name: "Not A Name" } });
  assert.equal(bad.status, 400);
  assert.equal(bad.body.field, "name");
  assert.equal((await engine.call("POST", "/_engine/tenants", { key: ADMIN_KEY, body: { name: "acme" } })).status, 409);
});

test("API keys are stored as hashes, never as the key", () => {
  const db = new Database(join(dir, "engine.db"), { readonly: true });
  const rows = db.prepare("SELECT * FROM engine_keys").all() as Array<Record<string, string>>;
  db.close();
  assert.ok(rows.length >= 2);
  const stored = JSON.stringify(rows);
  // kek_<id>_<secret>: the secret is base64url, which may itself hold "_" (split("_")[2] alone could
  // be a fragment of a few characters, found in the store by chance).
  for (const key of [acme, globex]) assert.ok(!stored.includes(key.split("_").slice(2).join("_")), "the key's secret part is in the store");
  assert.ok(rows.every((r) => /^[0-9a-f]{64}$/.test(r.hash)));
});

test("a deploy compiles, signs and stores the program by hash; its endpoints are served under /t/<tenant>/", async () => {
  const deployed = await engine.deploy(acme, NOTES(1));
  assert.equal(deployed.status, 201, JSON.stringify(deployed.body));
  assert.match(deployed.body.hash, /^[0-9a-f]{64}$/);
  v1Hash = deployed.body.hash;
  assert.deepEqual(deployed.body.routes, ["GET /version", "GET /notes", "POST /notes"]);
  const version = await engine.call("GET", "/t/acme/version");
  assert.equal(version.status, 200);
  assert.deepEqual(version.body, { version: 1 });
  // The runtime's pipeline validates the tenant's input as for any app.
  const invalid = await engine.call("POST", "/t/acme/notes", { body: { text: "" } });
  assert.equal(invalid.status, 400);
  assert.equal(invalid.body.errors[0].field, "text");
  const db = new Database(join(dir, "engine.db"), { readonly: true });
  const row = db.prepare("SELECT hash, length(bytecode) AS size FROM engine_programs WHERE hash = ?").get(deployed.body.hash) as { hash: string; size: number } | undefined;
  db.close();
  assert.ok(row !== undefined && row.size > 100);
});

test("a program that does not build gets a problem naming each error's file:line:col with its code frame", async () => {
  const res = await engine.call("POST", "/_engine/deploy", { key: acme, body: { files: { "app.kova": "GET /x {\n  RESPOND { a: nosuch }\n}\n" } } });
  assert.equal(res.status, 422);
  assert.equal(res.body.code, "KV2905");
  const [p] = res.body.problems;
  assert.equal(p.code, "KV2003");
  assert.deepEqual([p.file, p.line, p.column], ["app.kova", 2, 16]);
  assert.match(p.frame, /--> app\.kova:2:16/);
  assert.ok(!JSON.stringify(res.body).includes("kova-engine-"), "the engine's temporary folder leaks into the problem");
});

test("hostile deploys are refused: imported JavaScript, CONNECT, paths out of the bundle", async () => {
  const leak = "export function leak() { return process.env; }\n";
  const js = await engine.call("POST", "/_engine/deploy", { key: acme, body: { files: { "app.kova": 'IMPORT { leak } FROM "./leak.js"\n\nGET /x {\n  RESPOND { a: leak() }\n}\n', "leak.js": leak } } });
  assert.equal(js.status, 422);
  assert.ok(js.body.problems.some((p: { code: string }) => p.code === "KV2900"), JSON.stringify(js.body));
  const missing = await engine.call("POST", "/_engine/deploy", { key: acme, body: { files: { "app.kova": 'IMPORT { leak } FROM "./leak.js"\n\nGET /x {\n  RESPOND { a: leak() }\n}\n' } } });
  assert.equal(missing.status, 422);
  assert.ok(!JSON.stringify(missing.body).includes("/tmp/"), "the engine's folders leak into the problem");
  // A CONNECT of any kind: to another host, or to another tenant's store file through the embedded driver.
  for (const connect of ['CONNECT other USING postgres("postgres://127.0.0.1/test")', 'CONNECT theirs USING embedded("../../tenants/globex/.kova/data.db")']) {
    const refused = await engine.deploy(acme, `${connect}\n\nENTITY Note {\n  text: text\n}\n\nGET /x {\n  RESPOND SELECT * FROM Note\n}\n`);
    assert.equal(refused.status, 422, JSON.stringify(refused.body));
    assert.equal(refused.body.code, "KV2906");
    assert.deepEqual([refused.body.problems[0].file, refused.body.problems[0].line], ["app.kova", 1]);
  }
  const escape = await engine.call("POST", "/_engine/deploy", { key: acme, body: { files: { "../../etc/x.kova": "GET /x {\n  RESPOND { a: 1 }\n}\n" } } });
  assert.equal(escape.status, 400);
  assert.equal(escape.body.code, "KV2907");
  assert.equal(escape.body.field, "files.../../etc/x.kova");
  // None of them changed what acme serves.
  assert.deepEqual((await engine.call("GET", "/t/acme/version")).body, { version: 1 });
});

test("one tenant cannot read another's rows: each has its own store", async () => {
  assert.equal((await engine.deploy(globex, NOTES(1))).status, 201);
  assert.equal((await engine.call("POST", "/t/acme/notes", { body: { text: "acme's secret" } })).status, 201);
  const theirs = await engine.call("GET", "/t/globex/notes");
  assert.equal(theirs.status, 200);
  assert.deepEqual(theirs.body, []);
  const ours = await engine.call("GET", "/t/acme/notes");
  assert.deepEqual(ours.body.map((n: { text: string }) => n.text), ["acme's secret"]);
});

test("a tenant cannot roll back to, or list, another tenant's programs", async () => {
  const acmeVersions = await engine.call("GET", "/_engine/versions", { key: acme });
  const hash = acmeVersions.body.versions[0].hash;
  const globexVersions = await engine.call("GET", "/_engine/versions", { key: globex });
  // The same source is the same program: both may serve one hash, but each lists only its own versions.
  assert.ok(globexVersions.body.versions.every((v: { tenant: string }) => v.tenant === "globex"));
  const other = await engine.deploy(acme, NOTES(7));
  const refused = await engine.call("POST", "/_engine/rollback", { key: globex, body: { hash: other.body.hash } });
  assert.equal(refused.status, 404);
  assert.equal(refused.body.code, "KV2909");
  // Back to acme's v1 for the tests below.
  assert.equal((await engine.call("POST", "/_engine/rollback", { key: acme, body: { hash } })).status, 200);
});

test("hot swap: a deploy switches new requests on the same keep-alive connection; rollback brings the old program back", async () => {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const get = (path: string) =>
    new Promise<{ body: unknown; reused: boolean }>((resolve, reject) => {
      const req = request(`${engine.url}${path}`, { agent }, (res) => {
        let text = "";
        res.on("data", (d: Buffer) => (text += d.toString()));
        res.on("end", () => resolve({ body: JSON.parse(text), reused: req.reusedSocket }));
      });
      req.on("error", reject);
      req.end();
    });
  const before = await get("/t/acme/version");
  assert.deepEqual(before.body, { version: 1 });
  const v2 = await engine.deploy(acme, NOTES(2));
  assert.equal(v2.status, 201);
  const afterDeploy = await get("/t/acme/version");
  assert.deepEqual(afterDeploy.body, { version: 2 });
  assert.equal(afterDeploy.reused, true, "the deploy closed the client's keep-alive connection");
  // The tenant's data survives the swap: it belongs to the tenant, not to a version.
  assert.deepEqual(((await get("/t/acme/notes")).body as Array<{ text: string }>).map((n) => n.text), ["acme's secret"]);
  const versions = await engine.call("GET", "/_engine/versions", { key: acme });
  assert.ok(versions.body.versions.length >= 4);
  assert.ok(versions.body.versions.some((v: { hash: string }) => v.hash === v1Hash));
  const rolled = await engine.call("POST", "/_engine/rollback", { key: acme, body: { hash: v1Hash } });
  assert.equal(rolled.status, 200);
  assert.deepEqual((await get("/t/acme/version")).body, { version: 1 });
  agent.destroy();
});

const ECHO = (version: number) => `VALIDATE Echo {
  text: string
}

POST /echo VALIDATE Echo {
  RESPOND { version: ${version}, text: $body.text }
}
`;

test("hot swap: a request in flight when the deploy lands is answered by the program it started on", async () => {
  const key = await engine.createTenant("swap");
  assert.equal((await engine.deploy(key, ECHO(1))).status, 201);
  // The request's head is routed now; its body arrives after the deploy.
  const body = JSON.stringify({ text: "mid-swap" });
  const socket = connect(Number(new URL(engine.url).port), "127.0.0.1");
  socket.write(`POST /t/swap/echo HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n`);
  let answer = "";
  socket.on("data", (d: Buffer) => (answer += d.toString()));
  const ended = new Promise<void>((resolve) => socket.on("end", () => resolve()));
  await new Promise((r) => setTimeout(r, 100));
  assert.equal((await engine.deploy(key, ECHO(2))).status, 201);
  const fresh = await engine.call("POST", "/t/swap/echo", { body: { text: "after" } });
  assert.deepEqual(fresh.body, { version: 2, text: "after" });
  socket.write(body);
  await ended;
  assert.match(answer, /^HTTP\/1\.1 200 /);
  assert.ok(answer.endsWith('{"version":1,"text":"mid-swap"}'), answer);
});

test("each tenant runs under its own quotas; a stopped execution leaves the others answering", async () => {
  const noisy = await engine.createTenant("noisy", { quotas: { fuel: 100000 } });
  assert.equal((await engine.deploy(noisy, SPIN)).status, 201);
  assert.equal((await engine.deploy(globex, SPIN)).status, 201);
  const stopped = await engine.call("POST", "/t/noisy/spin", { body: { xs: range(40) } });
  assert.equal(stopped.status, 503);
  assert.equal(stopped.body.quota, "fuel");
  // The same program and input within the default quotas answers.
  const fine = await engine.call("POST", "/t/globex/spin", { body: { xs: range(40) } });
  assert.equal(fine.status, 200);
  assert.deepEqual(fine.body, { n: 64000 });
});

test("metrics: executions, quota stops, VM latency and cache lookups, behind the admin key", async () => {
  assert.equal((await engine.call("GET", "/_kova/metrics")).status, 401);
  const res = await engine.call("GET", "/_kova/metrics", { key: ADMIN_KEY });
  assert.equal(res.status, 200);
  const text = res.body as string;
  assert.match(text, /kova_engine_executions_total\{tenant="acme",status="2xx"\} \d+/);
  assert.match(text, /kova_engine_quota_stops_total\{tenant="noisy"\} 1/);
  assert.match(text, /kova_engine_vm_latency_seconds_count\{tenant="globex"\} \d+/);
  assert.match(text, /kova_engine_program_cache_total\{level="l1"\} \d+/);
});

test("the audit trail records tenant creation, deploys, refusals and rollbacks; a tenant reads only its own", async () => {
  const all = await engine.call("GET", "/_engine/audit", { key: ADMIN_KEY });
  const actions = new Set(all.body.map((a: { action: string }) => a.action));
  for (const action of ["tenant.create", "deploy", "deploy.refused", "rollback"]) assert.ok(actions.has(action), `no ${action} in the audit trail`);
  const own = await engine.call("GET", "/_engine/audit", { key: globex });
  assert.ok(own.body.length > 0 && own.body.every((a: { tenant: string }) => a.tenant === "globex"));
});

test("a program altered in the store is refused when loaded, never run", async () => {
  const tampered = await engine.createTenant("tampered");
  const deployed = await engine.deploy(tampered, NOTES(3));
  assert.equal(deployed.status, 201);
  await engine.stop();
  const db = new Database(join(dir, "engine.db"));
  // The pipeline module is compiler output bound to the bytecode by a signature: change one byte of it.
  db.prepare("UPDATE engine_programs SET pipeline = replace(pipeline, '\"Note\"', '\"Notes\"') WHERE hash = ?").run(deployed.body.hash);
  db.close();
  engine = await EngineProcess.start({ KOVA_ENGINE_DATA_DIR: dir });
  const res = await engine.call("GET", "/t/tampered/version");
  assert.equal(res.status, 503);
  assert.equal(res.body.type, "urn:kova:problem:engine-tenant-unavailable");
  assert.ok(engine.logs.some((l) => l.includes("its pipeline is not the one signed with its bytecode")), engine.logs.join("\n"));
  // The altered bytecode: its SHA-256 no longer matches.
  await engine.stop();
  const db2 = new Database(join(dir, "engine.db"));
  const row = db2.prepare("SELECT bytecode FROM engine_programs WHERE hash = ?").get(deployed.body.hash) as { bytecode: Buffer };
  const bytes = Buffer.from(row.bytecode);
  bytes[40] ^= 1;
  db2.prepare("UPDATE engine_programs SET bytecode = ? WHERE hash = ?").run(bytes, deployed.body.hash);
  db2.close();
  engine = await EngineProcess.start({ KOVA_ENGINE_DATA_DIR: dir });
  assert.equal((await engine.call("GET", "/t/tampered/version")).status, 503);
  assert.ok(engine.logs.some((l) => l.includes("refused")), engine.logs.join("\n"));
  // Other tenants are served as before, from the restart.
  assert.deepEqual((await engine.call("GET", "/t/acme/version")).body, { version: 1 });
});

test("a program signed by another key (or by a key rotated out) is refused", async () => {
  const key = readFileSync(join(dir, ".kova", "keys", "bytecode-signing.pem"), "utf8");
  assert.match(key, /PRIVATE KEY/);
  await engine.stop();
  // A new signing key without the old one among the trusted keys: every earlier program is refused.
  const other = tempDir();
  engine = await EngineProcess.start({ KOVA_ENGINE_DATA_DIR: dir, KOVA_ENGINE_SIGNING_KEY: await newKeyFile(other) });
  assert.equal((await engine.call("GET", "/t/acme/version")).status, 503);
  assert.ok(engine.logs.some((l) => l.includes("refused")));
  // Rolling back to a program signed by the rotated-out key is refused too, with a problem.
  const rollback = await engine.call("POST", "/_engine/rollback", { key: acme, body: { hash: v1Hash } });
  assert.equal(rollback.status, 422);
  assert.equal(rollback.body.code, "KV2908");
  assert.match(rollback.body.detail, /unknown|key/);
  await engine.stop();
  // Listing the old public key as trusted keeps its programs loadable after the rotation.
  engine = await EngineProcess.start({ KOVA_ENGINE_DATA_DIR: dir, KOVA_ENGINE_SIGNING_KEY: join(other, "key.pem"), KOVA_ENGINE_TRUSTED_KEYS: join(dir, ".kova", "keys", "bytecode-signing.pub.pem") });
  assert.deepEqual((await engine.call("GET", "/t/acme/version")).body, { version: 1 });
});

async function newKeyFile(folder: string): Promise<string> {
  const { generateKeyPairSync } = await import("node:crypto");
  const { writeFileSync } = await import("node:fs");
  const { privateKey } = generateKeyPairSync("ed25519");
  const file = join(folder, "key.pem");
  writeFileSync(file, privateKey.export({ format: "pem", type: "pkcs8" }));
  return file;
}

test("the deploy API's OpenAPI document describes every route the engine answers, and no other", async () => {
  const res = await engine.call("GET", "/_engine/openapi.json");
  assert.equal(res.status, 200);
  assert.equal(res.body.openapi, "3.1.0");
  const { adminApi } = await import("../src/admin-api.js");
  const routes = adminApi({ config: { apiRateLimit: 1 } } as never).routes.map((r) => `${r.method} ${r.path.replace(/:(\w+)/g, "{$1}")}`).sort();
  const documented = Object.entries(res.body.paths as Record<string, object>).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`)).sort();
  assert.deepEqual(documented, routes);
});
