// End-to-end: IDENTIFIER (docs/entities.md, "Human-readable identifiers") over HTTP on real server
// processes, on the embedded store and PostgreSQL: each record gets the slug of its title, made on
// insert, UNIQUE in the database; ten concurrent inserts of one title all succeed with distinct
// identifiers (-2, -3…); routes find records by identifier (a malformed one is a 400 naming the
// parameter); an update of the title keeps it; a restart answers the same identifiers.
import { test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import { build, request, startServer, tempApp } from "./e2e/harness.js";
import { PG_URL, pgTestSchema } from "./e2e/pg-schema.js";


const app = (connect: string, using: string) => `${connect}
ENTITY Article${using} PUBLIC ID uuid IDENTIFIER slug(title) {
  title: text
}

POST /articles { RESPOND 201 INSERT INTO Article $body }
GET /articles { RESPOND SELECT identifier, title FROM Article ORDER_BY id }
GET /articles/:identifier {
  a = SELECT * FROM Article WHERE identifier = $identifier
  IF a IS NULL { ERROR 404 "no article {$identifier}" }
  RESPOND a
}
PATCH /articles/:identifier { RESPOND UPDATE Article SET $body WHERE identifier = $identifier }
`;

async function useArticles(t: TestContext, connect: string, using: string, env: Record<string, string>): Promise<void> {
  const dir = tempApp(t, { "app.kova": app(connect, using) });
  await build(dir);
  const first = await startServer(t, dir, { env });
  const made = await request(`${first.url}/articles`, { method: "POST", json: { title: "Hello, World!", identifier: "mine" } });
  assert.equal(made.status, 201, made.text);
  assert.equal(made.body.identifier, "hello-world");
  const racing = await Promise.all(Array.from({ length: 10 }, () => request(`${first.url}/articles`, { method: "POST", json: { title: "Hello, World!" } })));
  assert.deepEqual(racing.map((r) => r.status), Array.from({ length: 10 }, () => 201), racing.map((r) => r.text).join("\n"));
  const identifiers = racing.map((r) => r.body.identifier as string);
  assert.equal(new Set([made.body.identifier, ...identifiers]).size, 11, identifiers.join(", "));
  assert.ok(identifiers.every((s) => /^hello-world-\d+$/.test(s)), identifiers.join(", "));
  const patched = await request(`${first.url}/articles/hello-world`, { method: "PATCH", json: { title: "Goodbye" } });
  assert.deepEqual([patched.status, patched.body.identifier, patched.body.title], [200, "hello-world", "Goodbye"], patched.text);
  const before = (await request(`${first.url}/articles`)).body as Array<{ identifier: string }>;
  await first.stop();

  const again = await startServer(t, dir, { env });
  assert.deepEqual((await request(`${again.url}/articles`)).body, before, "the same identifiers after a restart");
  assert.deepEqual((await request(`${again.url}/articles/hello-world`)).body, { ...made.body, title: "Goodbye" });
  assert.equal((await request(`${again.url}/articles/Hello-World`)).body.id, made.body.id, "capitals are read as lower case");
  const bad = await request(`${again.url}/articles/hello_world`);
  assert.deepEqual([bad.status, bad.body.errors?.[0]?.field], [400, "identifier"], bad.text);
  assert.equal((await request(`${again.url}/articles/no-such-article`)).status, 404);
  const next = await request(`${again.url}/articles`, { method: "POST", json: { title: "Hello World" } });
  assert.equal(next.body.identifier, "hello-world-12", "the next free suffix, after a restart");
  await again.stop();
}

test("identifier e2e: embedded store — slugs made on insert, -2… on collision, stable, found by route", async (t) => {
  await useArticles(t, "", "", {});
});

test("identifier e2e: PostgreSQL — a UNIQUE index decides, ten concurrent inserts of one title all succeed", async (t) => {
  const schema = await pgTestSchema(t, "kova_slug");
  if (schema === undefined) return;
  const { name, client } = schema;
  await useArticles(t, `CONNECT db USING postgres({ url: env("PG_URL"), schema: "${name}" })`, " USING db", { PG_URL });
  const unique = await client.query(`SELECT indexdef FROM pg_indexes WHERE schemaname = $1 AND tablename = 'article' AND indexdef LIKE '%UNIQUE%identifier%'`, [name]);
  assert.equal(unique.rows.length, 1, "a UNIQUE index on identifier");
  const stored = await client.query(`SELECT count(DISTINCT identifier)::int AS n, count(*)::int AS total FROM "${name}".article`);
  assert.deepEqual(stored.rows, [{ n: 12, total: 12 }]);
});
