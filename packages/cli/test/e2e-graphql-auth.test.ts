// GraphQL and the app's own rules (issue 16): AUTH (who may read and write which entity; a bad
// credential is a 401), mutations mapped to declared endpoints (their VALIDATE shape, their AUTH,
// the app's validation status), the cost limit, per-entity opt-out, SECRET fields, introspection
// off in production, and /graphql under the Fastify plugin. Real servers, real HTTP, real tokens.
import { test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import Fastify from "fastify";
import { SignJWT } from "jose";
import { kovaFastifyPlugin, startApp, type AppDefinition } from "@kova/runtime";
import "@kova/driver-embedded";
import { EXAMPLES, build, request, startServer, tempApp } from "./e2e/harness.js";

const JWT_KEY = "graphql-auth-e2e-key-0123456789-0123456789-0123456789";

/** A token the blog's AUTH accepts (issuer and audience "kova-blog", its Claims shape). */
function token(sub: string, role: "author" | "editor"): Promise<string> {
  return new SignJWT({ sub, role }).setProtectedHeader({ alg: "HS256" }).setIssuedAt().setExpirationTime("10m").setIssuer("kova-blog").setAudience("kova-blog").sign(new TextEncoder().encode(JWT_KEY));
}

async function gql(url: string, query: string, options: { token?: string; variables?: object; headers?: Record<string, string> } = {}): Promise<{ status: number; body: any; text: string }> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
  const response = await request(`${url}/graphql`, { method: "POST", json: { query, variables: options.variables }, headers });
  return { status: response.status, body: response.body, text: response.text };
}

async function blog(t: TestContext, config: object): Promise<string> {
  const dir = tempApp(t, join(EXAMPLES, "blog"));
  writeFileSync(join(dir, "kova.config.json"), JSON.stringify(config));
  await build(dir);
  return dir;
}

async function inProcess(t: TestContext, dir: string): Promise<string> {
  const { app } = (await import(pathToFileURL(join(dir, "dist", "app.js")).href)) as { app: AppDefinition };
  const running = await startApp(app, { appDir: dir, port: 0, manageProcess: false, env: { JWT_KEY }, logLevel: "silent" });
  t.after(() => running.close());
  return running.url;
}

const AUTH_CONFIG = {
  graphql: { entities: ["User", "Post", "Comment"], access: { Post: { read: "public" } }, write: ["editor"], endpoints: true },
  errors: { validationStatus: 422 },
};

test("graphql honours AUTH: protected reads and writes without the right credential are errors, not data; a bad credential is a 401", async (t) => {
  const dir = await blog(t, AUTH_CONFIG);
  const url = await inProcess(t, dir);
  const editor = await token("2", "editor");
  const author = await token("1", "author");
  // Users through the declared endpoint (public in the blog), mapped to a mutation.
  const ada = await gql(url, `mutation { postUsers(input: { name: "Ada", email: "ada@example.com" }) }`);
  assert.equal(ada.body.errors, undefined, ada.text);
  assert.deepEqual({ id: ada.body.data.postUsers.id, role: ada.body.data.postUsers.role }, { id: 1, role: "author" });
  await gql(url, `mutation { postUsers(input: { name: "Ed", email: "ed@example.com", role: "editor" }) }`);

  // Users are protected (the default with AUTH): anonymous is a 401 error, no rows.
  const anonymous = await gql(url, `{ users { name email } }`);
  assert.equal(anonymous.status, 200);
  assert.equal(anonymous.body.data, null);
  assert.deepEqual(anonymous.body.errors[0].extensions, { status: 401, code: "UNAUTHENTICATED" });
  assert.deepEqual(anonymous.body.errors[0].locations, [{ line: 1, column: 3 }]);
  assert.doesNotMatch(anonymous.text, /ada@example\.com/);
  const signedIn = await gql(url, `{ users { name } }`, { token: author });
  assert.deepEqual(signedIn.body, { data: { users: [{ name: "Ada" }, { name: "Ed" }] } });

  // Writes need the editor role: none is a 401, an author's is a 403, and nothing is written.
  const create = `mutation { createPost(input: { author: 1, title: "Hello", slug: "hello", body: "text" }) { id title } }`;
  assert.equal((await gql(url, create)).body.errors[0].extensions.status, 401);
  const forbidden = await gql(url, create, { token: author });
  assert.deepEqual(forbidden.body.errors[0].extensions, { status: 403, code: "FORBIDDEN" });
  assert.match(forbidden.body.errors[0].message, /writing Post needs the role editor/);
  assert.deepEqual((await gql(url, `{ posts { id } }`)).body.data, { posts: [] }, "the refused writes left no post");
  assert.deepEqual((await gql(url, create, { token: editor })).body.data, { createPost: { id: 1, title: "Hello" } });

  // Posts are public; their author (a User) is not, whichever way it is reached.
  assert.deepEqual((await gql(url, `{ posts { title } }`)).body, { data: { posts: [{ title: "Hello" }] } });
  const through = await gql(url, `{ post(id: 1) { title author { name } } }`);
  assert.deepEqual(through.body.errors[0].path, ["post", "author"]);
  assert.equal(through.body.errors[0].extensions.status, 401);
  assert.doesNotMatch(through.text, /"Ada"/);
  assert.deepEqual((await gql(url, `{ post(id: 1) { author { name } } }`, { token: author })).body.data, { post: { author: { name: "Ada" } } });

  // A presented but bad credential is refused before any GraphQL runs, as on every endpoint.
  const forged = await gql(url, `{ posts { title } }`, { headers: { authorization: "Bearer not.a.token" } });
  assert.equal(forged.status, 401);
  assert.equal(forged.body.type, "urn:kova:problem:unauthorized");
});

test("graphql: mutations mapped to declared endpoints validate and authorise exactly as the endpoints do", async (t) => {
  const dir = await blog(t, AUTH_CONFIG);
  const sdl = readFileSync(join(dir, "dist", "schema.graphql"), "utf8");
  assert.match(sdl, /postUsers\(\s*"""[^"]*"""\s*input: JSON!\s*\): JSON/, "kova build wrote the mapped mutations into the SDL");
  assert.match(sdl, /patchUsersById\(\s*id: Int!\s*"""[^"]*"""\s*input: JSON!\s*\): JSON/);
  const url = await inProcess(t, dir);

  // The VALIDATE shape, with the app's validation status (422 here) and every field issue.
  const invalid = await gql(url, `mutation { postUsers(input: { name: "", email: "not-an-email", extra: 1 }) }`);
  assert.equal(invalid.status, 200);
  const error = invalid.body.errors[0];
  assert.equal(error.extensions.status, 422);
  assert.deepEqual(error.path, ["postUsers"]);
  assert.deepEqual(error.extensions.problem.errors.map((e: { field: string }) => e.field).sort(), ["email", "extra", "name"]);
  assert.deepEqual((await gql(url, `{ users { id } }`, { token: await token("1", "author") })).body.data, { users: [] }, "nothing was written");

  // The endpoint's own AUTH: POST /logout needs a credential, whatever GraphQL's policies say.
  const logout = await gql(url, `mutation { postLogout(input: { refresh_token: "x" }) }`);
  assert.equal(logout.body.errors[0].extensions.status, 401);
  // Path parameters are typed and checked by the route; its ERRORs and 404s come back with their status.
  await gql(url, `mutation { postUsers(input: { name: "Ada", email: "ada@example.com" }) }`);
  const patched = await gql(url, `mutation($id: Int!) { patchUsersById(id: $id, input: { bio: "Writes." }) }`, { variables: { id: 1 } });
  assert.equal(patched.body.data.patchUsersById.bio, "Writes.");
  const missing = await gql(url, `mutation { patchUsersById(id: 999, input: { bio: "x" }) }`);
  assert.equal(missing.body.errors[0].extensions.status, 404);
  const taken = await gql(url, `mutation { postUsers(input: { name: "Ada 2", email: "ada@example.com" }) }`);
  assert.equal(taken.body.errors[0].extensions.status, 409);
  assert.match(taken.body.errors[0].message, /already exists/);
  // An endpoint answering 204 is null data.
  const signup = await gql(url, `mutation { postSignup(input: { name: "Bo", email: "bo@example.com", password: "long enough password" }) }`);
  assert.equal(signup.body.data.postSignup.name, "Bo");
});

test("graphql limits and opt-outs: cost, excluded entities, SECRET fields, introspection off in production", async (t) => {
  const dir = await blog(t, { graphql: { exclude: ["Session"], read: "public", write: "public", maxCost: 50, maxLimit: 20, introspection: "development" } });
  const server = await startServer(t, dir, { env: { JWT_KEY, NODE_ENV: "production", KOVA_ALLOWED_HOSTS: "127.0.0.1" } });
  const url = server.url;

  const costly = await gql(url, `query Feed {\n  users { posts { comments { id } } }\n}`);
  assert.equal(costly.status, 400);
  assert.match(costly.body.errors[0].message, /estimated cost\); at most 50/);
  assert.deepEqual(costly.body.errors[0].locations, [{ line: 1, column: 1 }]);
  assert.equal(costly.body.errors[0].extensions.cost, 1 + 20 * (1 + 20 * (1 + 20)));
  // A relation's list counts as maxLimit records; a list query's limit (literal or variable) lowers its count.
  const cheap = await gql(url, `query($n: Int) { users(limit: $n) { posts { id } } }`, { variables: { n: 2 } });
  assert.deepEqual(cheap.body, { data: { users: [] } }, "1 + 2 × (1 + 20) = 43");
  assert.equal((await gql(url, `query($n: Int) { users(limit: $n) { posts { id } } }`, { variables: { n: 3 } })).status, 400, "1 + 3 × 21 = 64");

  // Login is served (no exclude), but its SECRET hash is in no type, filter or order.
  const hash = await gql(url, `{ logins { id password_hash } }`);
  assert.equal(hash.status, 400);
  assert.match(hash.body.errors[0].message, /Cannot query field "password_hash" on type "Login"/);
  assert.equal((await gql(url, `{ logins(where: { password_hash: { eq: "x" } }) { id } }`)).status, 400);
  assert.equal((await gql(url, `{ logins(orderBy: [{ field: password_hash }]) { id } }`)).status, 400);
  const signup = await request(`${url}/signup`, { method: "POST", json: { name: "Ada", email: "ada@example.com", password: "long enough password" } });
  assert.equal(signup.status, 201, signup.text);
  const logins = await gql(url, `{ logins(limit: 1) { id user_id history { data } } }`);
  assert.equal(logins.body.data.logins.length, 1, logins.text);
  assert.doesNotMatch(logins.text, /argon2|scrypt|\$/, "no hash in the rows or their history");

  // Session is excluded: no field, no type.
  const sessions = await gql(url, `{ sessions { id } }`);
  assert.match(sessions.body.errors[0].message, /Cannot query field "sessions"/);
  // "development": introspection is off under NODE_ENV=production.
  const introspection = await gql(url, `{ __schema { types { name } } }`);
  assert.equal(introspection.status, 400);
  assert.match(introspection.body.errors[0].message, /introspection/i);
});

test("graphql under the Fastify plugin: the same schema, AUTH and mapped endpoints", async (t) => {
  const dir = await blog(t, AUTH_CONFIG);
  const { app } = (await import(pathToFileURL(join(dir, "dist", "app.js")).href)) as { app: AppDefinition };
  const fastify = Fastify({ logger: false });
  t.after(() => fastify.close());
  fastify.get("/ping", async () => ({ pong: true }));
  await fastify.register(kovaFastifyPlugin(app, { appDir: dir, env: { JWT_KEY } }), { prefix: "/api" });
  await fastify.listen({ port: 0, host: "127.0.0.1" });
  const address = fastify.server.address();
  const url = `http://127.0.0.1:${typeof address === "object" && address !== null ? address.port : 0}/api`;

  const created = await gql(url, `mutation { postUsers(input: { name: "Ada", email: "ada@example.com" }) }`);
  assert.equal(created.body.data.postUsers.name, "Ada", created.text);
  const invalid = await gql(url, `mutation { postUsers(input: { name: "Ada" }) }`);
  assert.equal(invalid.body.errors[0].extensions.status, 422);
  assert.equal((await gql(url, `{ users { name } }`)).body.errors[0].extensions.status, 401);
  assert.deepEqual((await gql(url, `{ users { name } }`, { token: await token("1", "author") })).body, { data: { users: [{ name: "Ada" }] } });
  assert.equal((await gql(url, `{ posts { id } }`, { headers: { authorization: "Bearer nope" } })).status, 401);
  const get = await request(`${url}/graphql?query=${encodeURIComponent("{ posts { id } }")}`);
  assert.deepEqual(get.body, { data: { posts: [] } });
  const syntax = await gql(url, `{ posts { id `);
  assert.equal(syntax.status, 400);
  assert.deepEqual(syntax.body.errors[0].locations, [{ line: 1, column: 14 }]);
});

test("graphql subscriptions on change events: committed writes stream over graphql-ws; protected entities need a credential", async (t) => {
  const { createClient } = await import("graphql-ws");
  const { WebSocket } = await import("ws");
  const dir = await blog(t, { graphql: { entities: ["User", "Post", "Comment"], access: { Post: { read: "public", write: "public" } } } });
  const url = await inProcess(t, dir);
  const wsUrl = `${url.replace("http", "ws")}/graphql`;
  const connect = (authorization?: string) => {
    const client = createClient({ url: wsUrl, webSocketImpl: WebSocket, lazy: true, retryAttempts: 0, connectionParams: authorization === undefined ? undefined : { authorization } });
    t.after(() => client.dispose());
    return client;
  };
  const next = <T>(client: ReturnType<typeof createClient>, query: string): { first: Promise<T> } => {
    const iterator = client.iterate<T>({ query });
    return { first: iterator.next().then((r) => r.value as T).finally(() => void iterator.return?.()) };
  };

  const anonymous = connect();
  const changes = next<any>(anonymous, `subscription { postChanged { op id record { title } } }`);
  await new Promise((resolve) => setTimeout(resolve, 300)); // the subscription is registered
  await request(`${url}/users`, { method: "POST", json: { name: "Ada", email: "ada@example.com" } });
  const created = await gql(url, `mutation { createPost(input: { author: 1, title: "Live", slug: "live", body: "x" }) { id } }`);
  assert.equal(created.body.errors, undefined, created.text);
  assert.deepEqual((await changes.first).data, { postChanged: { op: "insert", id: 1, record: { title: "Live" } } });

  // User is protected (the default with AUTH): anonymous subscribers get an error, a signed-in one the events.
  const refused = await next<any>(anonymous, `subscription { userChanged { id } }`).first;
  assert.equal(refused.data, undefined);
  assert.match(refused.errors[0].message, /reading User needs a valid credential/);
  const signedIn = connect(`Bearer ${await token("1", "author")}`);
  const users = next<any>(signedIn, `subscription { userChanged(id: 1) { op record { name } } }`);
  await new Promise((resolve) => setTimeout(resolve, 300));
  await request(`${url}/users/1`, { method: "PATCH", json: { name: "Ada L." } });
  assert.deepEqual((await users.first).data, { userChanged: { op: "update", record: { name: "Ada L." } } });
  // Over HTTP a subscription is refused with a pointer to the WebSocket.
  const overHttp = await gql(url, `subscription { postChanged { id } }`);
  assert.equal(overHttp.status, 400);
  assert.match(overHttp.body.errors[0].message, /WebSocket/);
});

test("graphql mutations of an AUDIT entity are stamped with the caller's sub, as its endpoints are (docs/entities.md)", async (t) => {
  const dir = tempApp(t, join(EXAMPLES, "helpdesk"));
  writeFileSync(join(dir, "kova.config.json"), JSON.stringify({ graphql: { entities: ["Ticket"], read: "public", write: "authenticated" } }));
  await build(dir);
  const url = await inProcess(t, dir);
  const grace = await new SignJWT({ sub: "grace" }).setProtectedHeader({ alg: "HS256" }).setIssuedAt().setExpirationTime("10m").setIssuer("kova-helpdesk").setAudience("kova-helpdesk").sign(new TextEncoder().encode(JWT_KEY));
  const made = await gql(url, `mutation { createTicket(input: { title: "a" }) { id created_by updated_by created_at updated_at } }`, { token: grace });
  assert.equal(made.body.errors, undefined, made.text);
  const ticket = made.body.data.createTicket;
  assert.deepEqual([ticket.created_by, ticket.updated_by, ticket.created_at === ticket.updated_at], ["grace", "grace", true]);
  const read = await gql(url, `{ tickets(where: { created_by: { eq: "grace" } }) { id updated_by } }`);
  assert.deepEqual(read.body.data.tickets, [{ id: ticket.id, updated_by: "grace" }]);
});
