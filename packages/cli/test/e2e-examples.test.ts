// End-to-end: the blog example and the `kova init` scaffold, built and served as a user would.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { EXAMPLES, build, delay, kovaSync, request, startServer, tempApp } from "./e2e/harness.js";
import { assertProblem, errorFields } from "./e2e/problems.js";

const BLOG_JWT_KEY = "blog-e2e-key-0123456789-0123456789-0123456789";

// Proves the two-file blog (IMPORT of models.kova; VIEWs and an FN over slug(), no JavaScript)
// builds, and its documented flows and error cases behave as its README says.
test("blog: written in Kova alone — no JavaScript file, no IMPORT of a JS module (issue 13)", () => {
  const blog = join(EXAMPLES, "blog");
  assert.deepEqual(readdirSync(blog).filter((f) => /\.(m?js|ts)$/.test(f)), []);
  // Source files only: `.kova/`, the folder a local `kova run` or `kova test` keeps its store in, is not one.
  const sources = readdirSync(blog, { withFileTypes: true }).filter((f) => f.isFile() && f.name.endsWith(".kova"));
  assert.ok(sources.length >= 2, "the blog is written in .kova files");
  for (const file of sources) {
    assert.doesNotMatch(readFileSync(join(blog, file.name), "utf8"), /IMPORT\s*\{/, file.name);
  }
});

test("blog: users, posts with slugs from slug(), list responses shaped by VIEWs, publishing, errors, history, AS OF", async (t) => {
  const dir = tempApp(t, join(EXAMPLES, "blog"));
  await build(dir);
  const server = await startServer(t, dir, { env: { JWT_KEY: BLOG_JWT_KEY } });
  const url = (path: string) => `${server.url}${path}`;
  const post = (path: string, json?: unknown) => request(url(path), { method: "POST", json });

  // Users: Ada signs up (with a password) and logs in; Bob is created without one.
  const ada = await post("/signup", { name: "Ada Lovelace", email: "ada@example.com", bio: "Writes about engines.", password: "analytical engine" });
  assert.equal(ada.status, 201, ada.text);
  assert.equal(ada.headers.get("location"), `/users/${ada.body.id}`);
  assert.equal(ada.body.role, "author", "the entity's DEFAULT applies");
  const taken = assertProblem(await post("/users", { name: "Another Ada", email: "ada@example.com" }), 409);
  assert.match(taken.detail, /ada@example\.com/);
  const badUser = assertProblem(await post("/users", { name: "", email: "not-an-email", role: "admin" }), 400);
  assert.deepEqual(errorFields(badUser), ["email", "name", "role"]);
  const bob = await post("/users", { name: "Bob", email: "bob@example.com" });
  const login = await post("/login", { email: "ada@example.com", password: "analytical engine" });
  assert.equal(login.status, 200, login.text);
  const asAda = { authorization: `Bearer ${login.body.access_token}` };
  assert.equal((await request(url("/me"), { headers: asAda })).body.email, "ada@example.com");
  assert.ok(!("password_hash" in ada.body), "no user answer holds a password hash");
  const users = await request(url("/users"));
  assert.deepEqual(users.body.map((u: any) => u.name), ["Ada Lovelace", "Bob"]);
  assert.ok(!("email" in users.body[0]), "the user list leaves e-mails out");
  assert.deepEqual(Object.keys(users.body[0]), ["id", "name", "bio", "role"], "VIEW UserOut shapes the list");
  assert.deepEqual(Object.keys((await request(url(`/users/${ada.body.id}`))).body), ["id", "name", "bio", "role"]);
  assert.equal((await request(url(`/users/${bob.body.id}`))).body.name, "Bob");
  assertProblem(await request(url("/users/999")), 404);

  // Posts: the slug comes from slug() (through the FN slug_of) when not given.
  const first = await post("/posts", { author: ada.body.id, title: "Notes on the Analytical Engine!", body: "It weaves algebraic patterns." });
  assert.equal(first.status, 201, first.text);
  assert.equal(first.body.slug, "notes-on-the-analytical-engine");
  assert.equal(first.body.published, false);
  const accented = await post("/posts", { author: ada.body.id, title: "Crème Brûlée — Über alles", body: "x" });
  assert.equal(accented.body.slug, "creme-brulee-uber-alles");
  const symbols = await post("/posts", { author: bob.body.id, title: "!!!", body: "x" });
  assert.equal(symbols.body.slug, "post", "a title without letters or digits gives the slug 'post'");
  const second = await post("/posts", { author: ada.body.id, title: "Second thoughts", slug: "second-thoughts", body: "More notes." });
  assert.equal(second.body.slug, "second-thoughts");
  const clash = assertProblem(await post("/posts", { author: bob.body.id, title: "Second Thoughts", body: "copy" }), 409);
  assert.match(clash.detail, /second-thoughts/);
  assertProblem(await post("/posts", { author: 999, title: "Ghost", body: "boo" }), 422);
  const badSlug = assertProblem(await post("/posts", { author: ada.body.id, title: "T", slug: "Not A Slug", body: "b" }), 400);
  assert.deepEqual(errorFields(badSlug), ["slug"]);

  // Only published posts are listed.
  assert.deepEqual((await request(url("/posts"))).body, []);
  for (const p of [first, accented, second]) assert.equal((await post(`/posts/${p.body.id}/publish`)).body.published, true);
  assert.equal((await post(`/posts/${accented.body.id}/unpublish`)).body.published, false);
  assert.deepEqual((await request(url("/posts"))).body.map((p: any) => p.id), [second.body.id, first.body.id]);
  assert.deepEqual((await request(url("/posts?sort=oldest"))).body.map((p: any) => p.id), [first.body.id, second.body.id]);
  assert.deepEqual(Object.keys((await request(url("/posts"))).body[0]), ["id", "author", "title", "slug", "published"], "VIEW PostSummary: no body in lists");
  assert.deepEqual((await request(url("/posts?sort=title&limit=1"))).body.map((p: any) => p.title), ["Notes on the Analytical Engine!"]);
  const badSort = assertProblem(await request(url("/posts?sort=random")), 400);
  assert.match(badSort.detail, /random/);
  const links = await request(url(`/users/${ada.body.id}/posts`));
  assert.deepEqual(links.body.map((p: any) => p.slug), ["second-thoughts", "notes-on-the-analytical-engine"]);
  assert.deepEqual(Object.keys(links.body[0]), ["id", "title", "slug"], "VIEW PostLink");
  assert.equal((await request(url("/posts/by-slug/second-thoughts"))).body.id, second.body.id);
  assertProblem(await request(url(`/posts/by-slug/${encodeURIComponent("' OR '1'='1")}`)), 404);

  // Edit, then history newest first and a read from before the edit.
  await delay(15);
  const beforeEdit = new Date().toISOString();
  await delay(15);
  // Author-only edits: anonymous is a 401, another signed-in user finds no such post (404).
  assertProblem(await request(url(`/posts/${first.body.id}`), { method: "PATCH", json: { title: "x" } }), 401);
  await post("/signup", { name: "Eve", email: "eve@example.com", password: "eve's password" });
  const eve = await post("/login", { email: "eve@example.com", password: "eve's password" });
  assertProblem(await request(url(`/posts/${first.body.id}`), { method: "PATCH", json: { title: "x" }, headers: { authorization: `Bearer ${eve.body.access_token}` } }), 404);
  assertProblem(await request(url(`/posts/${first.body.id}`), { method: "DELETE", headers: { authorization: `Bearer ${eve.body.access_token}` } }), 404);
  const edited = await request(url(`/posts/${first.body.id}`), { method: "PATCH", json: { title: "On the Analytical Engine" }, headers: asAda });
  assert.equal(edited.body.title, "On the Analytical Engine");
  const history = await request(url(`/posts/${first.body.id}/history?limit=10`));
  assert.deepEqual(history.body.map((v: any) => v.operation), ["update", "update", "insert"]);
  assert.equal(history.body[0].data.title, "On the Analytical Engine");
  const old = await request(url(`/posts/${first.body.id}/as-of/${beforeEdit}`));
  assert.equal(old.status, 200, old.text);
  assert.equal(old.body.title, "Notes on the Analytical Engine!");
  assertProblem(await request(url(`/posts/${first.body.id}/as-of/2000-01-01T00:00:00Z`)), 404);

  // Delete: 204, then 404, history kept.
  assert.equal((await request(url(`/posts/${second.body.id}`), { method: "DELETE", headers: asAda })).status, 204);
  assertProblem(await request(url(`/posts/${second.body.id}`)), 404);
  assertProblem(await request(url(`/posts/${second.body.id}`), { method: "DELETE", headers: asAda }), 404);
  assert.equal((await request(url(`/posts/${second.body.id}/history`))).body[0].operation, "delete");
});

// Proves a new user's first two commands work: `kova init DIR` then `kova build DIR`, and the
// scaffold's routes answer.
test("kova init + kova build: the scaffold builds and serves its notes API", async (t) => {
  const parent = tempApp(t);
  const dir = join(parent, "my-notes");
  const init = kovaSync(["init", dir]);
  assert.equal(init.status, 0, init.stderr);
  assert.match(init.stdout, /created a Kova app/);
  const built = kovaSync(["build", dir]);
  assert.equal(built.status, 0, built.stderr + built.stdout);
  assert.match(built.stdout, /built \d+ routes/);
  // The server resolves @kova/runtime through the parent folder's node_modules link.
  const server = await startServer(t, dir);

  const created = await request(`${server.url}/notes`, { method: "POST", json: { title: "hello", body: "first note" } });
  assert.equal(created.status, 201, created.text);
  assert.equal(created.headers.get("location"), `/notes/${created.body.id}`);
  assert.equal(created.body.pinned, false);
  await request(`${server.url}/notes`, { method: "POST", json: { title: "second" } });
  const list = await request(`${server.url}/notes`);
  assert.deepEqual(list.body.map((n: any) => n.title), ["second", "hello"], "newest first");
  assertProblem(await request(`${server.url}/notes`, { method: "POST", json: { title: "" } }), 400);
});

test("blog: login errors look alike, refresh tokens rotate (each works once) and logout revokes at once", async (t) => {
  const dir = tempApp(t, join(EXAMPLES, "blog"));
  await build(dir);
  const server = await startServer(t, dir, { env: { JWT_KEY: BLOG_JWT_KEY } });
  const post = (path: string, json: unknown, headers: Record<string, string> = {}) => request(`${server.url}${path}`, { method: "POST", json, headers });
  assert.equal((await post("/signup", { name: "Ada", email: "ada@example.com", password: "too short" })).status, 400);
  assert.equal((await post("/signup", { name: "Ada", email: "ada@example.com", password: "long enough password" })).status, 201);
  const wrong = assertProblem(await post("/login", { email: "ada@example.com", password: "wrong password" }), 401);
  const unknown = assertProblem(await post("/login", { email: "nobody@example.com", password: "wrong password" }), 401);
  assert.equal(wrong.detail, unknown.detail);

  const first = await post("/login", { email: "ada@example.com", password: "long enough password" });
  assert.equal(first.status, 200, first.text);
  const second = await post("/refresh", { refresh_token: first.body.refresh_token });
  assert.equal(second.status, 200, second.text);
  assert.notEqual(second.body.refresh_token, first.body.refresh_token);
  assert.equal((await request(`${server.url}/me`, { headers: { authorization: `Bearer ${second.body.access_token}` } })).body.name, "Ada");
  // Used once: the old refresh token is refused now.
  assertProblem(await post("/refresh", { refresh_token: first.body.refresh_token }), 401);
  // Logout revokes the current one at once.
  const auth = { authorization: `Bearer ${second.body.access_token}` };
  assert.equal((await post("/logout", { refresh_token: second.body.refresh_token }, auth)).status, 204);
  assertProblem(await post("/refresh", { refresh_token: second.body.refresh_token }), 401);
  assertProblem(await post("/refresh", { refresh_token: "made-up" }), 401);
});
