// Contract tests (issue 16): the examples built and served; every route called, the error cases
// too, and every response checked against the OpenAPI document the build wrote — each status
// returned is declared, each body matches its schema.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Contract } from "./e2e/contract.js";
import { EXAMPLES, build, startServer, tempApp } from "./e2e/harness.js";

const JWT_KEY = "contract-e2e-key-0123456789-0123456789-0123456789";

async function served(t: Parameters<typeof tempApp>[0], example: string, env: Record<string, string> = {}, config?: object): Promise<Contract> {
  const dir = tempApp(t, join(EXAMPLES, example));
  if (config !== undefined) writeFileSync(join(dir, "kova.config.json"), JSON.stringify(config));
  await build(dir);
  const server = await startServer(t, dir, { env });
  const document = JSON.parse(readFileSync(join(dir, "dist", "openapi.json"), "utf8"));
  const servedDocument = await (await fetch(`${server.url}/_kova/openapi.json`)).json();
  assert.deepEqual(servedDocument, document, "the app serves the document the build wrote");
  return new Contract(document, server.url);
}

test("contract: every route of examples/todo answers as its OpenAPI document says", async (t) => {
  const api = await served(t, "todo");
  const created = await api.call("POST", "/todos", { json: { title: "Buy milk", due: "2025-03-01" } });
  assert.equal(created.status, 201);
  const id = created.body.id as number;
  await api.call("POST", "/todos", { json: { title: "Walk the dog", notes: "twice" } });
  assert.equal((await api.call("GET", "/todos?done=false&limit=10&offset=0")).body.length, 2);
  await api.call("GET", `/todos/${id}`);
  const before = new Date().toISOString();
  await new Promise((resolve) => setTimeout(resolve, 5));
  await api.call("PATCH", `/todos/${id}`, { json: { notes: "oat" } });
  await api.call("POST", `/todos/${id}/done`);
  assert.equal((await api.call("GET", `/todos/${id}/history`)).body.length, 3);
  assert.equal((await api.call("GET", `/todos/${id}/as-of/${before}`)).body.notes, null);
  assert.equal((await api.call("DELETE", `/todos/${id}`)).status, 204);

  // The error answers are in the document too.
  assert.equal((await api.call("GET", `/todos/${id}`)).status, 404);
  assert.equal((await api.call("DELETE", `/todos/${id}`)).status, 404);
  assert.equal((await api.call("GET", "/todos/abc")).status, 400);
  assert.equal((await api.call("GET", "/todos?limit=-1")).status, 400);
  assert.equal((await api.call("POST", "/todos", { json: { title: "" } })).status, 400);
  assert.equal((await api.call("POST", "/todos", { body: "{", headers: { "content-type": "application/json" } })).status, 400);
  assert.equal((await api.call("POST", "/todos", { body: "x", headers: { "content-type": "text/plain" } })).status, 415);
  assert.equal((await api.call("PATCH", "/todos/999", { json: { done: true } })).status, 404);
  assert.equal((await api.call("GET", "/todos/1/as-of/yesterday")).status, 400);
  api.assertEveryOperationCalled();

  // The checker itself fails on an undeclared status and on a body that breaks the schema.
  const fake = (status: number, body: unknown) => ({ status, headers: new Headers({ "content-type": "application/json" }), body, text: JSON.stringify(body) });
  assert.throws(() => api.check("GET", "/todos", fake(418, [])), /does not declare/);
  assert.throws(() => api.check("GET", "/todos", fake(200, [{ id: "one", title: 5 }])), /does not match the document/);
  assert.throws(() => api.check("GET", "/nowhere", fake(200, [])), /matches no operation/);
});

test("contract: every route of examples/blog answers as its OpenAPI document says (AUTH, relations, views, history)", async (t) => {
  const api = await served(t, "blog", { JWT_KEY });
  const ada = (await api.call("POST", "/signup", { json: { name: "Ada", email: "ada@example.com", password: "analytical engine", bio: "Engines." } })).body;
  assert.equal((await api.call("POST", "/signup", { json: { name: "Ada", email: "ada@example.com", password: "analytical engine" } })).status, 409);
  const bob = (await api.call("POST", "/users", { json: { name: "Bob", email: "bob@example.com" } })).body;
  assert.equal((await api.call("POST", "/users", { json: { name: "", email: "x" } })).status, 400);
  assert.equal((await api.call("POST", "/users", { json: { name: "Bob 2", email: "bob@example.com" } })).status, 409);
  const login = await api.call("POST", "/login", { json: { email: "ada@example.com", password: "analytical engine" } });
  assert.equal(login.status, 200);
  assert.equal((await api.call("POST", "/login", { json: { email: "ada@example.com", password: "wrong" } })).status, 401);
  const refreshed = await api.call("POST", "/refresh", { json: { refresh_token: login.body.refresh_token } });
  assert.equal(refreshed.status, 200);
  assert.equal((await api.call("POST", "/refresh", { json: { refresh_token: login.body.refresh_token } })).status, 401, "a refresh token works once");
  const asAda = { authorization: `Bearer ${refreshed.body.access_token}` };
  assert.equal((await api.call("GET", "/me", { headers: asAda })).body.email, "ada@example.com");
  assert.equal((await api.call("GET", "/me")).status, 401);

  await api.call("GET", "/users?limit=10&offset=0");
  await api.call("GET", `/users/${ada.id}`);
  assert.equal((await api.call("GET", "/users/999")).status, 404);
  await api.call("PATCH", `/users/${bob.id}`, { json: { bio: "Builds things." } });

  const post = (await api.call("POST", "/posts", { json: { author: ada.id, title: "Notes on the Engine", body: "It weaves." } })).body;
  assert.equal((await api.call("POST", "/posts", { json: { author: 999, title: "x", body: "x" } })).status, 422);
  assert.equal((await api.call("POST", "/posts", { json: { author: ada.id, title: "x", slug: post.slug, body: "x" } })).status, 409);
  await api.call("POST", `/posts/${post.id}/publish`);
  const bobs = (await api.call("POST", "/posts", { json: { author: bob.id, title: "Bob writes", body: "x" } })).body;
  await api.call("POST", `/posts/${bobs.id}/unpublish`);
  await api.call("GET", "/posts?sort=title");
  await api.call("GET", "/posts");
  assert.equal((await api.call("GET", "/posts?sort=sideways")).status, 400);
  await api.call("GET", `/posts/${post.id}`);
  await api.call("GET", `/posts/by-slug/${post.slug}`);
  assert.equal((await api.call("GET", "/posts/by-slug/nothing-here")).status, 404);
  const before = new Date().toISOString();
  await new Promise((resolve) => setTimeout(resolve, 5));
  await api.call("PATCH", `/posts/${post.id}`, { json: { title: "Notes, revised" }, headers: asAda });
  assert.equal((await api.call("PATCH", `/posts/${post.id}`, { json: { title: "x" } })).status, 401);
  await api.call("POST", `/posts/${post.id}/comments`, { json: { author: bob.id, body: "Lovely." } });
  assert.equal((await api.call("POST", "/posts/999/comments", { json: { author: bob.id, body: "x" } })).status, 404);
  await api.call("GET", "/feed?limit=5");
  const thread = await api.call("GET", `/posts/${post.id}/thread`);
  assert.equal(thread.body.comments[0].author.name, "Bob");
  await api.call("GET", "/posts/by-author/Ada");
  await api.call("GET", `/users/${bob.id}/commented`);
  await api.call("GET", `/users/${ada.id}/posts`);
  await api.call("GET", `/posts/${post.id}/thread/as-of/${before}`);
  assert.equal((await api.call("GET", `/posts/${post.id}/as-of/${before}`)).body.title, "Notes on the Engine");
  assert.equal((await api.call("GET", `/posts/${post.id}/as-of/2000-01-01T00:00:00Z`)).status, 404);
  await api.call("GET", `/posts/${post.id}/history?limit=10`);
  await api.call("GET", `/users/${ada.id}/history`);
  assert.equal((await api.call("DELETE", `/posts/${bobs.id}`, { headers: asAda })).status, 404, "owner(author): Ada cannot delete Bob's post");
  assert.equal((await api.call("POST", "/logout", { json: { refresh_token: "whatever" }, headers: asAda })).status, 204);
  assert.equal((await api.call("DELETE", `/posts/${post.id}`, { headers: asAda })).status, 409, "a post with comments cannot be deleted (ON DELETE RESTRICT)");
  const lone = (await api.call("POST", "/posts", { json: { author: ada.id, title: "Short-lived", body: "x" } })).body;
  assert.equal((await api.call("DELETE", `/posts/${lone.id}`, { headers: asAda })).status, 204);
  api.assertEveryOperationCalled();
});

test("contract: the document reflects kova.config.json's errors setting (the fields shape, 422 for a failed VALIDATE)", async (t) => {
  const api = await served(t, "todo", {}, { errors: { shape: "fields", validationStatus: 422 } });
  const created = await api.call("POST", "/todos", { json: { title: "Buy milk" } });
  const invalid = await api.call("POST", "/todos", { json: { title: "" } });
  assert.equal(invalid.status, 422);
  assert.deepEqual(Object.keys(invalid.body.errors), ["title"]);
  assert.equal((await api.call("GET", "/todos/abc")).status, 400);
  assert.equal((await api.call("GET", "/todos/999")).status, 404);
  assert.equal((await api.call("PATCH", `/todos/${created.body.id}`, { json: { done: "yes" } })).status, 422);
  assert.equal((await api.call("POST", "/todos", { body: "x", headers: { "content-type": "text/plain" } })).status, 415);
  const fake = (status: number, body: unknown, type = "application/json") => ({ status, headers: new Headers({ "content-type": type }), body, text: JSON.stringify(body) });
  assert.throws(() => api.check("POST", "/todos", fake(422, { type: "about:blank" })), /does not match the document/, "a 422 body is the fields shape");
  assert.throws(() => api.check("GET", "/todos/1", fake(404, { type: "about:blank" }, "application/problem+json")), /does not declare/, "no problem+json in the fields shape");
});
