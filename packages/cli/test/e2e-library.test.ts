// End-to-end (issue 11 item 5): an app in a temp folder outside the repository imports the shipped
// Kova library @kova/kit-accounts by its package name, builds, and serves routes on its entities.
import assert from "node:assert/strict";
import { existsSync, readFileSync, realpathSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { REPO_ROOT, kovaSync, request, startServer, tempApp } from "./e2e/harness.js";

const APP = `IMPORT "@kova/kit-accounts/accounts.kova"

POST /users VALIDATE NewUser {
  RESPOND 201 INSERT INTO User { email: $body.email, name: $body.name }
}

GET /users/:id {
  RESPOND SELECT id, email, name FROM User WHERE id = $id
}

POST /sessions VALIDATE NewSession {
  RESPOND 201 INSERT INTO Session { user: $body.user, token: $body.token, expires_at: $body.expires_at }
}
`;

test("an app outside the repo imports @kova/kit-accounts, builds with kova build, and serves its entities", async (t) => {
  const dir = tempApp(t, { "app.kova": APP });
  // The library is found through the app's node_modules, as after `npm install` (here a link to the workspace's).
  assert.equal(realpathSync(join(dir, "node_modules", "@kova", "kit-accounts")), realpathSync(join(REPO_ROOT, "packages", "kit-accounts")));
  const built = kovaSync(["build"], dir);
  assert.equal(built.status, 0, built.stdout + built.stderr);
  assert.ok(!existsSync(join(dir, "dist", "node_modules")));
  const manifest = JSON.parse(readFileSync(join(dir, "dist", "package.json"), "utf8"));
  assert.ok(!("@kova/kit-accounts" in (manifest.dependencies ?? {})), "the library is compiled in, not needed at run time");

  const server = await startServer(t, dir);
  const created = await request(`${server.url}/users`, { method: "POST", json: { email: "ada@example.com", name: "Ada" } });
  assert.equal(created.status, 201, created.text);
  assert.equal(created.body.email, "ada@example.com");
  const read = await request(`${server.url}/users/${created.body.id}`);
  assert.equal(read.status, 200);
  assert.deepEqual(read.body, { id: created.body.id, email: "ada@example.com", name: "Ada" });
  // The library's VALIDATE shape and its UNIQUE e-mail hold in the app.
  const bad = await request(`${server.url}/users`, { method: "POST", json: { email: "not an address", name: "" } });
  assert.equal(bad.status, 400, bad.text);
  const again = await request(`${server.url}/users`, { method: "POST", json: { email: "ada@example.com", name: "Ada 2" } });
  assert.equal(again.status, 409, again.text);
  const session = await request(`${server.url}/sessions`, { method: "POST", json: { user: created.body.id, token: "t".repeat(40), expires_at: "2030-01-01T00:00:00Z" } });
  assert.equal(session.status, 201, session.text);
});

test("kova check in an app whose library is not installed: KV2011 naming the npm install", (t) => {
  const dir = tempApp(t, { "app.kova": APP.replace("@kova/kit-accounts", "@kova/kit-nothere") });
  const r = kovaSync(["check"], dir);
  assert.equal(r.status, 1);
  assert.match(r.stdout, /error\[KV2011\]: cannot find the Kova library @kova\/kit-nothere/);
  assert.match(r.stdout, /help: install it: npm install @kova\/kit-nothere \(or kova add @kova\/kit-nothere\)/);
});
