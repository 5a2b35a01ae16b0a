// End-to-end over real HTTP: an endpoint's writes are atomic (a compiled app served by
// `node dist/server.js` on the embedded store), and declared constraints answer 409 problems.
import { test } from "node:test";
import assert from "node:assert/strict";
import { request as httpRequest } from "node:http";
import { build, delay, request, startServer, tempApp } from "./e2e/harness.js";

const APP = `
IMPORT { explode, linger } FROM "./effects.js"

ENTITY Note {
  title: text UNIQUE
}

ENTITY Tag {
  note: Note ON DELETE CASCADE
  label: text
  UNIQUE (note, label)
}

VALIDATE NewNote { title: string }
VALIDATE NewTag { note: int  label: string }

POST /notes/explode VALIDATE NewNote {
  n = INSERT INTO Note $body
  RESPOND { id: n.id, effect: explode(n.title) }
}

POST /notes/linger VALIDATE NewNote {
  n = INSERT INTO Note $body
  RESPOND { id: n.id, effect: linger(n.title) }
}

POST /notes VALIDATE NewNote { RESPOND 201 INSERT INTO Note $body }
GET /notes/by-title/:title { RESPOND SELECT * FROM Note WHERE title = $title }
DELETE /notes/:id { RESPOND DELETE FROM Note WHERE id = $id }
POST /tags VALIDATE NewTag { RESPOND 201 INSERT INTO Tag $body }
GET /tags/:id/history { RESPOND HISTORY Tag WHERE id = $id }
`;

const EFFECTS = `
export function explode(title) {
  throw new Error("imported code failed for " + title);
}

/** Takes its time, so the client can hang up while the endpoint's transaction is open. */
export async function linger(title) {
  await new Promise((resolve) => setTimeout(resolve, 400));
  return title;
}
`;

test("transactions e2e: an exception in imported JS, a lost client, a 409: nothing kept; cascades write versions", async (t) => {
  const dir = tempApp(t, { "app.kova": APP, "effects.js": EFFECTS });
  await build(dir);
  const server = await startServer(t, dir);
  const base = server.url;

  const exploded = await request(`${base}/notes/explode`, { method: "POST", json: { title: "boom" } });
  assert.equal(exploded.status, 500);
  assert.equal((await request(`${base}/notes/by-title/boom`)).status, 404, "the insert before the exception was rolled back");

  // The client hangs up while linger() runs: the insert before it must not be kept.
  await new Promise<void>((resolve) => {
    const body = JSON.stringify({ title: "gone" });
    const req = httpRequest(`${base}/notes/linger`, { method: "POST", headers: { "content-type": "application/json", "content-length": Buffer.byteLength(body) } });
    req.on("error", () => resolve());
    req.end(body, () => setTimeout(() => {
      req.destroy();
      resolve();
    }, 100));
  });
  await delay(600);
  assert.equal((await request(`${base}/notes/by-title/gone`)).status, 404, "the client left before the response: rolled back");
  const stayed = await request(`${base}/notes/linger`, { method: "POST", json: { title: "stayed" } });
  assert.equal(stayed.status, 200);
  assert.equal((await request(`${base}/notes/by-title/stayed`)).status, 200, "a client that waits gets its write kept");

  const note = (await request(`${base}/notes`, { method: "POST", json: { title: "tagged" } })).body;
  const tag = await request(`${base}/tags`, { method: "POST", json: { note: note.id, label: "x" } });
  assert.equal(tag.status, 201);
  const twice = await request(`${base}/tags`, { method: "POST", json: { note: note.id, label: "x" } });
  assert.equal(twice.status, 409);
  assert.match(twice.headers.get("content-type") ?? "", /application\/problem\+json/);
  assert.deepEqual(twice.body.errors.map((e: { field: string }) => e.field), ["note", "label"]);
  const orphan = await request(`${base}/tags`, { method: "POST", json: { note: 424242, label: "y" } });
  assert.deepEqual([orphan.status, orphan.body.errors?.[0]?.field], [409, "note"]);

  assert.equal((await request(`${base}/notes/${note.id}`, { method: "DELETE" })).status, 200);
  const history = (await request(`${base}/tags/${tag.body.id}/history`)).body as Array<{ operation: string }>;
  assert.deepEqual(history.map((h) => h.operation), ["insert", "delete"], "the cascade wrote the tag's delete version");
});
