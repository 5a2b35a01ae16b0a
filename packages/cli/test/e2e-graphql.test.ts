// GraphQL over the entities (issue 16), over HTTP: queries with filters, ordering, pages, nested
// relations read in batches (statements counted), asOf time travel and history, mutations through
// the store's checks, and bad queries answered as GraphQL errors with locations, never a 500.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { startApp, type RunningApp } from "@kova/runtime";
import { EXAMPLES, build, request, startServer, tempApp } from "./e2e/harness.js";

const JWT_KEY = "graphql-e2e-key-0123456789-0123456789-0123456789";
// The blog declares AUTH: these tests open its public entities to anonymous callers on purpose
// (e2e-graphql-auth.test.ts covers the default, where GraphQL needs a credential).
const OPEN = { read: "public", write: "public" };
const BLOG_ENTITIES = { graphql: { entities: ["User", "Post", "Comment"], maxDepth: 5, ...OPEN } };

async function gql(url: string, query: string, variables?: object): Promise<{ status: number; body: any }> {
  const response = await request(`${url}/graphql`, { method: "POST", json: { query, variables } });
  return { status: response.status, body: response.body };
}

async function blogApp(t: Parameters<typeof tempApp>[0], config: object = BLOG_ENTITIES): Promise<string> {
  const dir = tempApp(t, join(EXAMPLES, "blog"));
  writeFileSync(join(dir, "kova.config.json"), JSON.stringify(config));
  await build(dir);
  return dir;
}

async function seed(url: string): Promise<void> {
  const users = await gql(url, `mutation { ada: createUser(input: { name: "Ada", email: "ada@example.com" }) { id } bob: createUser(input: { name: "Bob", email: "bob@example.com", bio: "Builds." }) { id } }`);
  assert.deepEqual(users.body, { data: { ada: { id: 1 }, bob: { id: 2 } } });
  for (let i = 1; i <= 4; i++) {
    const author = i % 2 === 0 ? 2 : 1;
    const created = await gql(url, `mutation($author: Int!, $title: String!, $slug: String!) { createPost(input: { author: $author, title: $title, slug: $slug, body: "text" }) { id author { name } } }`, { author, title: `Post ${i}`, slug: `post-${i}` });
    assert.equal(created.body.data.createPost.author.name, author === 1 ? "Ada" : "Bob");
    await gql(url, `mutation($post: Int!) { createComment(input: { post: $post, author: 2, body: "first" }) { id } }`, { post: i });
    await gql(url, `mutation($post: Int!) { createComment(input: { post: $post, author: 1, body: "second" }) { id } }`, { post: i });
  }
}

test("graphql: filters, ordering, pages, nested relations, history, asOf and mutations over HTTP", async (t) => {
  const dir = await blogApp(t);
  assert.match(readFileSync(join(dir, "dist", "schema.graphql"), "utf8"), /type Post \{[\s\S]*author: User!/, "kova build wrote the SDL");
  const server = await startServer(t, dir, { env: { JWT_KEY } });
  await seed(server.url);

  const filtered = await gql(server.url, `{ posts(where: { author: { eq: 1 }, title: { like: "Post %" } }, orderBy: [{ field: title, direction: DESC }], limit: 1, offset: 1) { title authorId author { name } } }`);
  assert.deepEqual(filtered.body, { data: { posts: [{ title: "Post 1", authorId: 1, author: { name: "Ada" } }] } });
  const nested = await gql(server.url, `{ user(id: 2) { name bio posts(orderBy: [{ field: id, direction: DESC }]) { title comments(where: { author: { eq: 1 } }) { body author { name } } } } }`);
  assert.deepEqual(nested.body.data.user, {
    name: "Bob",
    bio: "Builds.",
    posts: [
      { title: "Post 4", comments: [{ body: "second", author: { name: "Ada" } }] },
      { title: "Post 2", comments: [{ body: "second", author: { name: "Ada" } }] },
    ],
  });
  const either = await gql(server.url, `{ users(where: { or: [{ name: { eq: "Ada" } }, { bio: { isNull: false } }] }) { name } }`);
  assert.deepEqual(either.body.data.users.map((u: { name: string }) => u.name), ["Ada", "Bob"]);

  // Time travel: change a post, then read it (and its author) as it was before.
  const before = new Date().toISOString();
  await new Promise((resolve) => setTimeout(resolve, 10));
  const updated = await gql(server.url, `mutation { updatePost(id: 1, input: { title: "Post 1, revised" }) { title } updateUser(id: 1, input: { name: "Ada L." }) { name } }`);
  assert.deepEqual(updated.body.data, { updatePost: { title: "Post 1, revised" }, updateUser: { name: "Ada L." } });
  const then = await gql(server.url, `query($at: String) { post(id: 1, asOf: $at) { title author { name } } now: post(id: 1) { title author { name } history { version operation data } } }`, { at: before });
  assert.deepEqual(then.body.data.post, { title: "Post 1", author: { name: "Ada" } }, "the author is read as of the same instant");
  assert.deepEqual(then.body.data.now.author, { name: "Ada L." });
  assert.deepEqual(then.body.data.now.history.map((v: { operation: string }) => v.operation), ["insert", "update"]);
  assert.equal(then.body.data.now.history[0].data.title, "Post 1");
  const gone = await gql(server.url, `mutation { deleteComment(id: 1) { id body } }`);
  assert.deepEqual(gone.body.data, { deleteComment: { id: 1, body: "first" } });
  assert.deepEqual((await gql(server.url, `{ comment(id: 1) { id } }`)).body.data, { comment: null });

  // Mutations go through the store's checks: a UNIQUE e-mail, a reference to nobody.
  const taken = await gql(server.url, `mutation { createUser(input: { name: "Eve", email: "ada@example.com" }) { id } }`);
  assert.equal(taken.status, 200);
  assert.equal(taken.body.errors[0].extensions.status, 409);
  assert.deepEqual(taken.body.errors[0].path, ["createUser"]);
  const nobody = await gql(server.url, `mutation { createPost(input: { author: 99, title: "x", slug: "x", body: "x" }) { id } }`);
  assert.ok(nobody.body.errors[0].extensions.status >= 400 && nobody.body.errors[0].extensions.status < 500, JSON.stringify(nobody.body));
  const role = await gql(server.url, `mutation { createUser(input: { name: "Eve", email: "eve@example.com", role: admin }) { id } }`);
  assert.equal(role.status, 400, "an enum value the entity does not allow is refused before anything runs");
  assert.match(role.body.errors[0].message, /admin/);

  // Entities left out of the config are not served (the blog's Login holds password hashes).
  const hidden = await gql(server.url, `{ logins { password_hash } }`);
  assert.equal(hidden.status, 400);
  assert.match(hidden.body.errors[0].message, /Cannot query field "logins"/);
});

test("graphql: bad requests are GraphQL errors with locations, never a 500", async (t) => {
  const dir = await blogApp(t, { graphql: { entities: ["User", "Post", "Comment"], maxDepth: 3, introspection: false, maxLimit: 10, ...OPEN } });
  const server = await startServer(t, dir, { env: { JWT_KEY } });
  const syntax = await gql(server.url, `{ posts { title `);
  assert.equal(syntax.status, 400);
  assert.match(syntax.body.errors[0].message, /Syntax Error/);
  assert.deepEqual(syntax.body.errors[0].locations, [{ line: 1, column: 17 }]);
  const unknown = await gql(server.url, `{ posts { titel } }`);
  assert.equal(unknown.status, 400);
  assert.match(unknown.body.errors[0].message, /Cannot query field "titel" on type "Post"\. Did you mean "title"\?/);
  assert.deepEqual(unknown.body.errors[0].locations, [{ line: 1, column: 11 }]);
  const deep = await gql(server.url, `{ users { posts { comments { author { name } } } } }`);
  assert.equal(deep.status, 400);
  assert.match(deep.body.errors[0].message, /nests 4 levels deep; at most 3/);
  const introspection = await gql(server.url, `{ __schema { types { name } } }`);
  assert.equal(introspection.status, 400);
  assert.match(introspection.body.errors[0].message, /introspection/i);
  const tooMany = await gql(server.url, `{ posts(limit: 1000) { id } }`);
  assert.equal(tooMany.status, 200);
  assert.match(tooMany.body.errors[0].message, /limit must be a whole number from 0 to 10/);
  const badVariables = await gql(server.url, `query($id: Int!) { user(id: $id) { name } }`, { id: "one" });
  assert.equal(badVariables.status, 200);
  assert.match(JSON.stringify(badVariables.body.errors), /Int cannot represent/);
  const getMutation = await request(`${server.url}/graphql?query=${encodeURIComponent("mutation { deleteUser(id: 1) { id } }")}`);
  assert.equal(getMutation.status, 405);
  const getQuery = await request(`${server.url}/graphql?query=${encodeURIComponent("{ users { id } }")}`);
  assert.deepEqual(getQuery.body, { data: { users: [] } });
  const text = await request(`${server.url}/graphql`, { method: "POST", body: "{ users { id } }", headers: { "content-type": "text/plain" } });
  assert.equal(text.status, 415);
  const notJson = await request(`${server.url}/graphql`, { method: "POST", body: "{", headers: { "content-type": "application/json" } });
  assert.equal(notJson.status, 400);
  const empty = await request(`${server.url}/graphql`, { method: "POST", json: {} });
  assert.equal(empty.status, 400);
  assert.match(empty.body.errors[0].message, /no GraphQL query/);
});

test("graphql: related records are read in batches — the statements do not grow with the rows", async (t) => {
  const dir = await blogApp(t);
  const { app } = (await import(pathToFileURL(join(dir, "dist", "app.js")).href)) as { app: Parameters<typeof startApp>[0] };
  const running: RunningApp = await startApp(app, { appDir: dir, port: 0, manageProcess: false, env: { JWT_KEY }, logLevel: "silent" });
  t.after(() => running.close());
  const driver = running.dataSources.get();
  let statements = 0;
  const execute = driver.execute.bind(driver);
  driver.execute = (query, args) => {
    statements++;
    return execute(query, args);
  };
  await seed(running.url);
  const query = `{ posts { title author { name posts { title } } comments { body author { name } } history { version } } }`;
  const count = async (): Promise<number> => {
    statements = 0;
    const result = await gql(running.url, query);
    assert.equal(result.body.errors, undefined, JSON.stringify(result.body.errors));
    return statements;
  };
  const withFour = await count();
  // posts; their authors; those authors' posts; comments; the comments' authors; history: 6.
  assert.equal(withFour, 6);
  for (let i = 5; i <= 12; i++) {
    await gql(running.url, `mutation($slug: String!) { createPost(input: { author: 1, title: "More", slug: $slug, body: "x" }) { id } }`, { slug: `more-${i}` });
    await gql(running.url, `mutation($post: Int!) { createComment(input: { post: $post, author: 2, body: "c" }) { id } }`, { post: i });
  }
  assert.equal(await count(), withFour, "three times the posts, the same statements (no N+1)");
  const asOf = new Date().toISOString();
  statements = 0;
  const past = await gql(running.url, `query($at: String) { posts(asOf: $at) { author { name } comments { body } } }`, { at: asOf });
  assert.equal(past.body.data.posts.length, 12);
  assert.equal(statements, 3, "asOf reads batch the same way");
});
