// End-to-end: CACHE on real server processes. One process: hits and misses, ETag/If-None-Match →
// 304 with the declared Cache-Control, a write evicting exactly the entries that read what it
// changed, one load for many concurrent misses, revalidate serving stale while one refresh runs,
// `only` entries kept until a write. Two processes sharing one store and one Redis: over 1,000
// random interleavings of writes and reads on either process, no read after a committed write
// returns the old value. A Redis that dies: requests keep being answered, health says degraded.
import { test } from "node:test";
import assert from "node:assert/strict";
import { connect, createServer, type Server, type Socket } from "node:net";
import { build, delay, freePort, request, startServer, tempApp, type RunningServer } from "./e2e/harness.js";

const REDIS_URL = process.env.KOVA_TEST_REDIS_URL ?? "redis://127.0.0.1:6379/0";

const SINGLE = `IMPORT { count, loads } FROM "./util.js"

ENTITY Post {
  title: text
  slug: text UNIQUE
}

CACHE posts { ttl: 60s, key: "post:{id}", cache_control: "public, max-age=60" }
CACHE slugs { ttl: 60s, key: "slug:{slug}" }
CACHE lists { ttl: 60s }
CACHE slow { ttl: 60s, key: "slow:{id}" }
CACHE clock { ttl: 1s, mode: "revalidate", stale: 30s }
CACHE forever { ttl: 1s, mode: "only" }

GET /posts/:id CACHE posts {
  RESPOND SELECT * FROM Post WHERE id = $id
}

GET /by-slug/:slug CACHE slugs {
  RESPOND SELECT * FROM Post WHERE slug = $slug
}

GET /posts CACHE lists {
  RESPOND SELECT * FROM Post ORDER_BY id
}

GET /slow/:id CACHE slow {
  n = count("slow", 300)
  RESPOND { id: $id, n: n }
}

GET /clock CACHE clock {
  RESPOND { n: count("clock", 300) }
}

GET /forever CACHE forever {
  RESPOND { n: count("forever", 0), posts: SELECT COUNT(*) AS n FROM Post }
}

GET /loads/:name {
  RESPOND { loads: loads($name) }
}

POST /posts {
  RESPOND 201 INSERT INTO Post { title: $body.title, slug: $body.slug }
}

PATCH /posts/:id {
  RESPOND UPDATE Post SET title = $body.title WHERE id = $id
}
`;

// count(name, ms): how many times it ran for `name` (after waiting ms); loads(name) reads it.
const UTIL = `const counts = new Map();
export async function count(name, ms) {
  counts.set(name, (counts.get(name) ?? 0) + 1);
  const n = counts.get(name);
  if (ms > 0) await new Promise((resolve) => setTimeout(resolve, ms));
  return n;
}
export function loads(name) {
  return counts.get(name) ?? 0;
}
`;

test("one process: hit/miss, ETag 304 with Cache-Control, precise eviction, one load per key, revalidate, only", async (t) => {
  const dir = tempApp(t, { "app.kova": SINGLE, "util.js": UTIL });
  await build(dir);
  const server = await startServer(t, dir);
  const post = async (title: string, slug: string) => (await request(`${server.url}/posts`, { method: "POST", json: { title, slug } })).body;
  const a = await post("A", "a");
  const b = await post("B", "b");

  const first = await request(`${server.url}/posts/${a.id}`);
  assert.equal(first.headers.get("x-cache"), "miss");
  assert.equal(first.headers.get("cache-control"), "public, max-age=60");
  const etag = first.headers.get("etag")!;
  assert.match(etag, /^"[\w-]+"$/);
  const second = await request(`${server.url}/posts/${a.id}`);
  assert.deepEqual([second.headers.get("x-cache"), second.body], ["hit", first.body]);
  // A client holding the ETag gets 304, no body, the same validators.
  const revalidated = await request(`${server.url}/posts/${a.id}`, { headers: { "if-none-match": `W/"other", ${etag}` } });
  assert.deepEqual([revalidated.status, revalidated.text, revalidated.headers.get("etag"), revalidated.headers.get("cache-control")], [304, "", etag, "public, max-age=60"]);
  assert.equal((await request(`${server.url}/posts/${a.id}`, { headers: { "if-none-match": '"stale"' } })).status, 200);

  // Warm B, the slug lookup and the list; then change B: A's entry stays, B's, the slug's and the list's go.
  await request(`${server.url}/posts/${b.id}`);
  await request(`${server.url}/by-slug/b`);
  await request(`${server.url}/posts`);
  assert.equal((await request(`${server.url}/posts`)).headers.get("x-cache"), "hit");
  await request(`${server.url}/posts/${b.id}`, { method: "PATCH", json: { title: "B2" } });
  assert.equal((await request(`${server.url}/posts/${a.id}`)).headers.get("x-cache"), "hit", "a write to B keeps A's entry");
  const afterB = await request(`${server.url}/posts/${b.id}`);
  assert.deepEqual([afterB.headers.get("x-cache"), afterB.body.title], ["miss", "B2"]);
  assert.notEqual(afterB.headers.get("etag"), etag);
  assert.deepEqual((await request(`${server.url}/by-slug/b`)).body.title, "B2", "pinned by a UNIQUE field: evicted by the record's value");
  assert.deepEqual((await request(`${server.url}/posts`)).body.map((p: { title: string }) => p.title), ["A", "B2"]);
  // A 404 is not kept: the post created next is found at once.
  assert.equal((await request(`${server.url}/posts/99`)).status, 404);

  // Twenty concurrent misses of one key: one load, one answer for all.
  const answers = await Promise.all(Array.from({ length: 20 }, () => request(`${server.url}/slow/7`)));
  assert.deepEqual(new Set(answers.map((r) => r.body.n)), new Set([1]));
  assert.equal((await request(`${server.url}/loads/slow`)).body.loads, 1, "stampede: one load per key");

  // revalidate: after its TTL the old answer is served (stale) while one refresh (300 ms) runs.
  assert.equal((await request(`${server.url}/clock`)).body.n, 1);
  await delay(1_200);
  const stale = await Promise.all(Array.from({ length: 5 }, () => request(`${server.url}/clock`)));
  assert.deepEqual(stale.map((r) => [r.headers.get("x-cache"), r.body.n]), Array(5).fill(["stale", 1]));
  await delay(500);
  const refreshed = await request(`${server.url}/clock`);
  assert.deepEqual([refreshed.headers.get("x-cache"), refreshed.body.n], ["hit", 2]);
  assert.equal((await request(`${server.url}/loads/clock`)).body.loads, 2, "one background refresh for the five stale answers");

  // only: past its TTL the entry is still served; a write to what it reads evicts it.
  assert.equal((await request(`${server.url}/forever`)).body.n, 1);
  await delay(1_200);
  assert.deepEqual((await request(`${server.url}/forever`)).body, { n: 1, posts: { n: 2 } });
  await post("C", "c");
  assert.deepEqual((await request(`${server.url}/forever`)).body, { n: 2, posts: { n: 3 } });
});

const SHARED = `CONNECT db USING embedded({ locking: "shared" })
CONNECT cache USING redis(env("REDIS_URL"))

ENTITY Item USING db {
  name: text
  value: int
}

CACHE items { ttl: 60s, key: "item:{id}" }
CACHE all { ttl: 60s }

GET /items/:id CACHE items {
  RESPOND SELECT * FROM Item WHERE id = $id
}

GET /items CACHE all {
  RESPOND SELECT id, value FROM Item ORDER_BY id
}

POST /items {
  RESPOND 201 INSERT INTO Item { name: $body.name, value: $body.value }
}

PATCH /items/:id {
  RESPOND UPDATE Item SET value = $body.value WHERE id = $id
}

DELETE /items/:id {
  DELETE FROM Item WHERE id = $id
  RESPOND 204
}
`;

test("two processes, one store, one Redis: over 1,000 random interleavings no read after a committed write is stale", async (t) => {
  const dir = tempApp(t, { "app.kova": SHARED });
  await build(dir);
  const env = { REDIS_URL };
  const servers: RunningServer[] = [await startServer(t, dir, { env }), await startServer(t, dir, { env })];
  const model = new Map<number, number>();
  for (let i = 0; i < 6; i++) {
    const created = await request(`${servers[i % 2].url}/items`, { method: "POST", json: { name: `item${i}`, value: 0 } });
    assert.equal(created.status, 201);
    model.set(created.body.id, 0);
  }
  // A seeded generator: a failure names its step and can be replayed.
  let seed = 0x2f6b1;
  const random = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
  let reads = 0;
  let hits = 0;
  for (let step = 0; step < 1_000; step++) {
    const server = servers[random() < 0.5 ? 0 : 1];
    const ids = [...model.keys()];
    const id = ids[Math.floor(random() * ids.length)];
    const roll = random();
    if (roll < 0.3) {
      const value = step + 1;
      const reply = await request(`${server.url}/items/${id}`, { method: "PATCH", json: { value } });
      assert.equal(reply.status, 200, `step ${step}: PATCH`);
      model.set(id, value);
    } else if (roll < 0.34) {
      assert.equal((await request(`${server.url}/items/${id}`, { method: "DELETE" })).status, 204, `step ${step}: DELETE`);
      model.delete(id);
      const created = await request(`${server.url}/items`, { method: "POST", json: { name: `new${step}`, value: step } });
      model.set(created.body.id, step);
    } else if (roll < 0.7) {
      const reply = await request(`${server.url}/items/${id}`);
      reads++;
      if (reply.headers.get("x-cache") === "hit") hits++;
      assert.equal(reply.body.value, model.get(id), `step ${step}: GET /items/${id} on process ${servers.indexOf(server)} (x-cache ${reply.headers.get("x-cache")})`);
    } else {
      const reply = await request(`${server.url}/items`);
      reads++;
      if (reply.headers.get("x-cache") === "hit") hits++;
      const expected = [...model.entries()].sort((x, y) => x[0] - y[0]).map(([i, value]) => ({ id: i, value }));
      assert.deepEqual(reply.body, expected, `step ${step}: GET /items on process ${servers.indexOf(server)}`);
    }
  }
  // The caches did work (most reads answered from them), and stayed correct.
  assert.ok(hits > reads / 4, `${hits} hits of ${reads} reads`);
});

/** A TCP proxy to Redis the test can cut, standing for Redis going down. */
async function redisProxy(): Promise<{ url: string; cut: () => Promise<void> }> {
  const target = new URL(REDIS_URL);
  const sockets = new Set<Socket>();
  const proxy: Server = createServer((client) => {
    const upstream = connect(Number(target.port || 6379), target.hostname);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on("error", () => s.destroy());
      s.on("close", () => sockets.delete(s));
    }
    client.pipe(upstream).pipe(client);
  });
  const port = await freePort();
  await new Promise<void>((resolve) => proxy.listen(port, "127.0.0.1", resolve));
  return {
    url: `redis://127.0.0.1:${port}${target.pathname}`,
    cut: async () => {
      await new Promise<void>((resolve) => {
        proxy.close(() => resolve());
        for (const s of sockets) s.destroy();
      });
    },
  };
}

test("Redis dies: cached and uncached requests still answer (from this process), health reports the degradation", async (t) => {
  const dir = tempApp(t, { "app.kova": SHARED });
  await build(dir);
  const redis = await redisProxy();
  const server = await startServer(t, dir, { env: { REDIS_URL: redis.url } });
  const created = await request(`${server.url}/items`, { method: "POST", json: { name: "x", value: 1 } });
  assert.equal((await request(`${server.url}/items/${created.body.id}`)).headers.get("x-cache"), "miss");
  assert.equal((await request(`${server.url}/_kova/health`)).body.degraded, undefined);
  await redis.cut();
  await delay(300);
  for (let i = 0; i < 3; i++) {
    const read = await request(`${server.url}/items/${created.body.id}`);
    assert.deepEqual([read.status, read.body.value], [200, 1 + i], "answered from L1 / the store");
    assert.equal((await request(`${server.url}/items/${created.body.id}`, { method: "PATCH", json: { value: 2 + i } })).status, 200, "a write does not fail");
  }
  const fresh = await request(`${server.url}/items/${created.body.id}`);
  assert.equal(fresh.body.value, 4, "evicted in L1 though Redis is gone");
  const health = (await request(`${server.url}/_kova/health`)).body;
  assert.ok(Array.isArray(health.degraded) && health.degraded.some((d: string) => /cache L2/.test(d)), JSON.stringify(health));
  assert.match(server.output, /cache L2: Redis unreachable/);
});
