// A VIEW with nested relations over real HTTP on the embedded store: `SELECT ArticleOut FROM Article`
// answers each article with its author and comments (and each comment's author) in the view's shape,
// read by one statement. Built as `kova build` builds, served in-process.
import { test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { startApp } from "@kova/runtime";
import "@kova/driver-embedded";
import { Contract } from "./e2e/contract.js";
import { build, tempApp } from "./e2e/harness.js";

async function serve(t: TestContext, appDir: string): Promise<string> {
  const { app } = (await import(pathToFileURL(join(appDir, "dist", "app.js")).href)) as { app: Parameters<typeof startApp>[0] };
  const running = await startApp(app, { port: 0, host: "127.0.0.1", appDir, manageProcess: false, logLevel: "silent" });
  t.after(() => running.close());
  return running.url;
}

async function call(url: string, method = "GET"): Promise<{ status: number; body: any }> {
  const response = await fetch(url, { method });
  const text = await response.text();
  return { status: response.status, body: text === "" ? null : JSON.parse(text) };
}

const APP = `
ENTITY User {
  username: text UNIQUE
  bio: text?
  password_hash: text SECRET
  articles: Article[] BY author
}

ENTITY Article {
  slug: text
  title: text
  body: text
  author: User
  comments: Comment[] BY article
}

ENTITY Comment {
  article: Article
  author: User
  body: text
}

VIEW ArticleOut OF Article {
  slug
  title
  author { username, bio }
  comments { body, author { username } }
}

POST /users/:name {
  RESPOND 201 INSERT INTO User { username: $name, bio: len($name) > 3 ? "Writes about {$name}" : null, password_hash: "x" }
}

POST /articles/:slug/:author(int) {
  RESPOND 201 INSERT INTO Article { slug: $slug, title: upper($slug), body: "…", author: $author }
}

POST /comments/:article(int)/:author(int)/:text {
  RESPOND 201 INSERT INTO Comment { article: $article, author: $author, body: $text }
}

GET /articles {
  RESPOND SELECT ArticleOut FROM Article ORDER_BY title
}

GET /articles/:id(int) {
  RESPOND SELECT ArticleOut FROM Article WHERE id = $id
}
`;

test("functions e2e: a VIEW with nested relations answers related rows in its shape", async (t) => {
  const dir = tempApp(t, { "app.kova": APP });
  await build(dir);
  const url = await serve(t, dir);
  const ada = (await call(`${url}/users/ada`, "POST")).body.id;
  const grace = (await call(`${url}/users/grace`, "POST")).body.id;
  const b = (await call(`${url}/articles/b-side/${ada}`, "POST")).body.id;
  const a = (await call(`${url}/articles/a-side/${grace}`, "POST")).body.id;
  assert.equal((await call(`${url}/comments/${b}/${grace}/nice`, "POST")).status, 201);
  assert.equal((await call(`${url}/comments/${b}/${ada}/thanks`, "POST")).status, 201);

  // Every answer matches the OpenAPI document the build wrote (the view's schema describes the related rows).
  const api = new Contract(JSON.parse(readFileSync(join(dir, "dist", "openapi.json"), "utf8")), url);
  const list = await api.call("GET", "/articles");
  assert.equal(list.status, 200);
  // The view's keys in its order; nested rows carry their id, as a SELECT's nested selections do.
  assert.deepEqual(list.body.map((r: object) => Object.keys(r)), [
    ["slug", "title", "author", "comments"],
    ["slug", "title", "author", "comments"],
  ]);
  assert.deepEqual(list.body[0], { slug: "a-side", title: "A-SIDE", author: { id: grace, username: "grace", bio: "Writes about grace" }, comments: [] });
  const second = list.body[1];
  assert.deepEqual(second.author, { id: ada, username: "ada", bio: null });
  assert.deepEqual(
    [...second.comments].sort((x: { id: number }, y: { id: number }) => x.id - y.id).map((c: { body: string; author: { username: string } }) => [c.body, c.author.username]),
    [["nice", "grace"], ["thanks", "ada"]],
  );
  // No SECRET field and no field the view leaves out.
  assert.equal(JSON.stringify(list.body).includes("password_hash"), false);
  assert.equal(JSON.stringify(list.body).includes("\"body\":\"…\""), false);

  const one = await api.call("GET", `/articles/${a}`);
  assert.equal(one.status, 200);
  assert.deepEqual(one.body, list.body[0]);
  assert.equal((await api.call("GET", "/articles/999")).status, 404);
});
