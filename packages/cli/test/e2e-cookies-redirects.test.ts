// Request cookies ($cookies.name), response cookies (RESPOND … COOKIES { … }) and REDIRECT
// (issue 13 item 5): built as `kova build` builds, served in-process, spoken to over real HTTP.
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

const APP = `
ENTITY Note {
  body: text
}

VALIDATE NewNote {
  body: string(min: 1)
}

GET /whoami {
  RESPOND { session: $cookies.session, theme: $cookies.theme ?? "light" }
}

POST /login {
  RESPOND 200 { ok: true } COOKIES {
    session: { value: "tok en;1", max_age: 7d, same_site: "strict", secure: true }
    theme: "dark"
  }
}

POST /logout {
  RESPOND 204 COOKIES { session: null }
}

POST /notes VALIDATE NewNote {
  note = INSERT INTO Note $body
  REDIRECT "/notes/{note.id}" COOKIES { last_note: { value: note.id, http_only: false } }
}

GET /notes/:id {
  RESPOND SELECT * FROM Note WHERE id = $id
}

GET /old-notes/:id {
  REDIRECT 308 "/notes/{$id}"
}
`;

test("cookies: $cookies reads the request's Cookie header; an absent cookie is null", async (t) => {
  const dir = tempApp(t, { "app.kova": APP });
  await build(dir);
  const url = await serve(t, dir);
  const none = await fetch(`${url}/whoami`);
  assert.deepEqual(await none.json(), { session: null, theme: "light" });
  const some = await fetch(`${url}/whoami`, { headers: { cookie: "session=abc%20def; theme=dark; other=1" } });
  assert.deepEqual(await some.json(), { session: "abc def", theme: "dark" });
});

test("cookies: RESPOND … COOKIES sends one Set-Cookie per cookie, with Kova's defaults and the given attributes", async (t) => {
  const dir = tempApp(t, { "app.kova": APP });
  await build(dir);
  const url = await serve(t, dir);
  const login = await fetch(`${url}/login`, { method: "POST" });
  assert.equal(login.status, 200);
  assert.deepEqual(await login.json(), { ok: true });
  assert.deepEqual(login.headers.getSetCookie(), [
    // 7d is 604800 seconds; the value is encoded (space and ; cannot appear raw).
    "session=tok%20en%3B1; Max-Age=604800; Path=/; HttpOnly; Secure; SameSite=Strict",
    "theme=dark; Path=/; HttpOnly; SameSite=Lax",
  ]);
  const logout = await fetch(`${url}/logout`, { method: "POST" });
  assert.equal(logout.status, 204);
  assert.deepEqual(logout.headers.getSetCookie(), ["session=; Max-Age=0; Path=/; Expires=Thu, 01 Jan 1970 00:00:00 GMT; HttpOnly; SameSite=Lax"]);
});

test("redirects: REDIRECT answers 303 (or the status given) with a Location and no body; cookies go with it", async (t) => {
  const dir = tempApp(t, { "app.kova": APP });
  await build(dir);
  const url = await serve(t, dir);
  const created = await fetch(`${url}/notes`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ body: "hello" }),
    redirect: "manual",
  });
  assert.equal(created.status, 303);
  assert.equal(created.headers.get("location"), "/notes/1");
  assert.equal(await created.text(), "");
  assert.deepEqual(created.headers.getSetCookie(), ["last_note=1; Path=/; SameSite=Lax"]);
  // Followed, it lands on the note.
  const followed = await fetch(`${url}/notes`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ body: "again" }),
  });
  assert.equal(followed.status, 200);
  assert.deepEqual(await followed.json(), { id: 2, body: "again" });
  const moved = await fetch(`${url}/old-notes/2`, { redirect: "manual" });
  assert.equal(moved.status, 308);
  assert.equal(moved.headers.get("location"), "/notes/2");
});

test("emitted code: COOKIES is a `cookies` object on the reply and REDIRECT a location header (snapshot)", async (t) => {
  const dir = tempApp(t, { "app.kova": APP });
  await build(dir);
  const code = readFileSync(join(dir, "dist", "app.js"), "utf8");
  /** A handler's body lines, without its generated name (`handle_<index>_<method>_<path>`). */
  const handler = (name: string) => {
    const found = new RegExp(`(?:async )?function handle_\\d+_${name}\\(ctx\\) \\{\\n([\\s\\S]*?)\\n\\}\\n`).exec(code);
    assert.ok(found, `no ${name} in:\n${code}`);
    return found[1];
  };
  assert.equal(handler("post_logout"), '  return { status: 204, cookies: { "session": null } };');
  assert.equal(handler("get_old_notes_id"), '  return { status: 308, headers: { "location": str(`/notes/${str(ctx.params["id"])}`) } };');
  assert.match(handler("get_whoami"), /session: \(ctx\.cookies\["session"\] \?\? null\)|"session": \(ctx\.cookies\["session"\] \?\? null\)/);
});
