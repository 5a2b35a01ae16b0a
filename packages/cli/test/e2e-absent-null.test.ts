// Absent and null in a request body (issue 13 item 3): has($body.field), UPDATE … SET $body as a
// PATCH, SAVE as a PUT — over real HTTP, with the emitted code checked.
import { test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { startApp } from "@kova/runtime";
import "@kova/driver-embedded";
import { build, tempApp } from "./e2e/harness.js";

async function serve(t: TestContext, appDir: string): Promise<string> {
  const { app } = (await import(pathToFileURL(join(appDir, "dist", "app.js")).href)) as { app: Parameters<typeof startApp>[0] };
  const running = await startApp(app, { port: 0, host: "127.0.0.1", appDir, manageProcess: false, logLevel: "silent" });
  t.after(() => running.close());
  return running.url;
}

async function send(url: string, method: string, body: unknown): Promise<{ status: number; body: any }> {
  const response = await fetch(url, { method, headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  return { status: response.status, body: await response.json() };
}

const APP = `
ENTITY Profile {
  name: text
  bio: text?
  city: text DEFAULT "nowhere"
}

VALIDATE ProfileIn {
  name: string?
  bio: string?
  city: string?
}

POST /profiles VALIDATE ProfileIn {
  RESPOND 201 INSERT INTO Profile $body
}

PATCH /profiles/:id VALIDATE ProfileIn {
  row = UPDATE Profile SET $body WHERE id = $id
  RESPOND { row, sent_bio: has($body.bio), bio_null: $body.bio IS NULL }
}

PUT /profiles/:id VALIDATE ProfileIn {
  RESPOND SAVE { ...$body, id: $id } INTO Profile
}
`;

test("PATCH (UPDATE … SET $body): absent leaves a field alone, null clears it, null for a required field is a 400 naming it; has() tells them apart", async (t) => {
  const dir = tempApp(t, { "app.kova": APP });
  await build(dir);
  const url = await serve(t, dir);
  const created = await send(`${url}/profiles`, "POST", { name: "ada", bio: "maths", city: "london" });
  assert.equal(created.status, 201);
  const id = created.body.id;
  const absent = await send(`${url}/profiles/${id}`, "PATCH", { name: "ada l." });
  assert.deepEqual(absent, { status: 200, body: { row: { id, name: "ada l.", bio: "maths", city: "london" }, sent_bio: false, bio_null: true } });
  const cleared = await send(`${url}/profiles/${id}`, "PATCH", { bio: null });
  assert.deepEqual(cleared, { status: 200, body: { row: { id, name: "ada l.", bio: null, city: "london" }, sent_bio: true, bio_null: true } });
  const refused = await send(`${url}/profiles/${id}`, "PATCH", { name: null, bio: "x" });
  assert.equal(refused.status, 400);
  assert.deepEqual(refused.body.errors.map((e: { field: string }) => e.field), ["name"]);
  // SAVE replaces: what the value leaves out becomes its default, or null.
  const replaced = await send(`${url}/profiles/${id}`, "PUT", { name: "countess" });
  assert.deepEqual(replaced, { status: 200, body: { id, name: "countess", bio: null, city: "nowhere" } });
  const code = readFileSync(join(dir, "dist", "app.js"), "utf8");
  assert.match(code, /sent_bio": Object\.hasOwn\(Object\(ctx\.body\), "bio"\)/);
});
