// End-to-end: SOCKET, STREAM and LIVE over real connections to real server processes (built as
// `kova build` builds them): AUTH on the upgrade, rooms and presence, error frames for oversized
// and invalid messages (and the close when they persist), heartbeats dropping a dead peer,
// backpressure dropping a slow reader, BROADCAST from an endpoint after it commits, server-sent
// events resumed with Last-Event-ID, a live query pushed again after a write, and two processes
// sharing rooms through Redis (and carrying on when Redis is dead).
import { test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import { connect, createServer } from "node:net";
import { join } from "node:path";
import { SignJWT } from "jose";
import WebSocket from "ws";
import { build, delay, freePort, request, startServer, tempApp, type RunningServer } from "./e2e/harness.js";

const SECRET = "realtime-e2e-secret-that-is-long-enough-0123456789";
const REDIS_URL = process.env.KOVA_TEST_REDIS_URL ?? "redis://127.0.0.1:6379/0";

const CHAT = `
VALIDATE Claims {
  sub: string
}

AUTH jwt USING secret(env("JWT_KEY")) {
  claims: Claims
}

VALIDATE ChatIn {
  text: string(min: 1, max: 200)
}

VALIDATE Blast {
  text: string(max: 100000)
}

ENTITY Message {
  room: text
  author: text
  body: text
}

SOCKET /chat/:room AUTH VALIDATE ChatIn WITH { max_message: 256, heartbeat: 1s, max_buffered: 65536 } {
  ON CONNECT {
    JOIN room($room)
    SEND { kind: "welcome", user: $auth.sub }
  }
  ON MESSAGE(msg) {
    IF msg.text = "boom" {
      ERROR 422 "boom is not a word here"
    }
    saved = INSERT INTO Message { room: $room, author: $auth.sub, body: msg.text }
    BROADCAST TO room($room) { kind: "message", id: saved.id, from: $auth.sub, text: msg.text }
  }
  ON CLOSE {
    BROADCAST TO room($room) { kind: "bye", from: $auth.sub }
  }
}

// Listens only (for the slow-reader test): a long heartbeat, so only backpressure can drop a client.
SOCKET /feed/:room AUTH WITH { heartbeat: 60s, max_buffered: 65536 } {
  ON CONNECT {
    JOIN room($room)
  }
}

// A live query pushed to a socket's client (frames), again after each committed write that changes it.
SOCKET /watch/:room AUTH {
  ON CONNECT {
    STREAM LIVE SELECT id, body FROM Message WHERE room = $room ORDER_BY id DESC LIMIT 2
    SEND { kind: "watching", room: $room }
  }
}

GET /rooms/:room/events {
  STREAM room($room)
}

POST /rooms/:room/messages VALIDATE ChatIn {
  saved = INSERT INTO Message { room: $room, author: "http", body: $body.text }
  IF $body.text = "rollback" {
    ERROR 409 "refused after the write"
  }
  BROADCAST TO room($room) { kind: "message", id: saved.id, from: "http", text: $body.text }
  RESPOND 201 saved
}

POST /rooms/:room/blast VALIDATE Blast {
  BROADCAST TO room($room) { kind: "blast", text: $body.text }
  RESPOND 202
}

GET /rooms/:room/latest {
  STREAM LIVE SELECT id, body FROM Message WHERE room = $room ORDER_BY id DESC LIMIT 2
}
`;

async function token(sub: string): Promise<string> {
  return new SignJWT({ sub }).setProtectedHeader({ alg: "HS256" }).setIssuedAt().setExpirationTime("10m").sign(new TextEncoder().encode(SECRET));
}

/** A WebSocket client that keeps every frame it gets, parsed, and can wait for one. */
class Client {
  readonly frames: Array<Record<string, unknown>> = [];
  readonly closed: Promise<{ code: number; reason: string }>;
  private waiters: Array<() => void> = [];

  constructor(readonly ws: WebSocket) {
    ws.on("message", (data) => {
      this.frames.push(JSON.parse(data.toString()) as Record<string, unknown>);
      for (const w of this.waiters) w();
    });
    this.closed = new Promise((resolve) => ws.on("close", (code, reason) => resolve({ code, reason: reason.toString() })));
  }

  static async open(url: string, options: WebSocket.ClientOptions = {}): Promise<Client> {
    const ws = new WebSocket(url, options);
    const client = new Client(ws);
    await new Promise<void>((resolve, reject) => {
      ws.once("open", () => resolve());
      ws.once("error", reject);
    });
    return client;
  }

  send(value: unknown): void {
    this.ws.send(typeof value === "string" ? value : JSON.stringify(value));
  }

  async waitFor(test: (frame: Record<string, unknown>) => boolean, ms = 5_000): Promise<Record<string, unknown>> {
    const deadline = Date.now() + ms;
    for (;;) {
      const found = this.frames.find(test);
      if (found) return found;
      if (Date.now() > deadline) throw new Error(`no such frame within ${ms} ms; got ${JSON.stringify(this.frames)}`);
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, 50);
      });
      this.waiters = [];
    }
  }
}

function wsUrl(server: RunningServer, path: string): string {
  return server.url.replace("http://", "ws://") + path;
}

async function chatServer(t: TestContext, env: Record<string, string> = {}): Promise<RunningServer> {
  const dir = tempApp(t, { "app.kova": CHAT });
  await build(dir);
  return startServer(t, dir, { env: { JWT_KEY: SECRET, ...env } });
}

/** An upgrade refused with an HTTP status: ws reports it as an "unexpected-response". */
function refusedStatus(url: string, options: WebSocket.ClientOptions = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, options);
    ws.on("unexpected-response", (_req, res) => {
      resolve(res.statusCode ?? 0);
      res.resume();
    });
    ws.on("open", () => reject(new Error("the upgrade was accepted")));
    ws.on("error", () => undefined);
  });
}

/** Reads a server-sent event stream, splitting it into events as they arrive. */
async function readEvents(url: string, headers: Record<string, string> = {}) {
  const controller = new AbortController();
  const response = await fetch(url, { headers, signal: controller.signal });
  const events: Array<{ id?: string; event?: string; data?: string }> = [];
  let buffer = "";
  const reading = (async () => {
    const decoder = new TextDecoder();
    try {
      for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
        buffer += decoder.decode(chunk, { stream: true });
        let end: number;
        while ((end = buffer.indexOf("\n\n")) !== -1) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const event: { id?: string; event?: string; data?: string } = {};
          for (const line of block.split("\n")) {
            const colon = line.indexOf(": ");
            if (line.startsWith(":") || colon === -1) continue;
            const [name, value] = [line.slice(0, colon), line.slice(colon + 2)];
            if (name === "id" || name === "event" || name === "data") event[name] = value;
          }
          if (event.data !== undefined || event.event !== undefined) events.push(event);
        }
      }
    } catch {
      /* aborted */
    }
  })();
  return {
    response,
    events,
    async until(count: number, ms = 5_000) {
      const deadline = Date.now() + ms;
      while (events.length < count && Date.now() < deadline) await delay(20);
      assert.ok(events.length >= count, `expected ${count} events, got ${JSON.stringify(events)}`);
    },
    close() {
      controller.abort();
      return reading;
    },
  };
}

test("SOCKET: AUTH on the upgrade; rooms, presence notices, BROADCAST to the room only; ON CLOSE", async (t) => {
  const server = await chatServer(t);
  assert.equal(await refusedStatus(wsUrl(server, "/chat/a")), 401, "no token: the upgrade is refused with 401");
  assert.equal(await refusedStatus(wsUrl(server, "/chat/a"), { headers: { authorization: "Bearer not.a.token" } }), 401);
  assert.equal(await refusedStatus(wsUrl(server, "/nowhere"), { headers: { authorization: `Bearer ${await token("ann")}` } }), 404);
  // A page of another origin cannot open a socket with the user's credentials.
  assert.equal(await refusedStatus(wsUrl(server, "/chat/a"), { headers: { authorization: `Bearer ${await token("ann")}`, origin: "https://evil.example" } }), 403);

  const ann = await Client.open(wsUrl(server, "/chat/a"), { headers: { authorization: `Bearer ${await token("ann")}` } });
  const welcome = await ann.waitFor((f) => f.kind === "welcome");
  assert.equal(welcome.user, "ann");
  const alone = await ann.waitFor((f) => f.kova === "presence");
  assert.deepEqual((alone.members as Array<{ user: string }>).map((m) => m.user), ["ann"]);

  const bob = await Client.open(wsUrl(server, "/chat/a"), { headers: { authorization: `Bearer ${await token("bob")}` } });
  const both = await bob.waitFor((f) => f.kova === "presence");
  assert.deepEqual((both.members as Array<{ user: string }>).map((m) => m.user).sort(), ["ann", "bob"], "presence: who is in the room");
  const joined = await ann.waitFor((f) => f.kova === "join");
  assert.equal((joined.member as { user: string }).user, "bob", "the others hear of a join");

  const other = await Client.open(wsUrl(server, "/chat/b"), { headers: { authorization: `Bearer ${await token("cy")}` } });
  await other.waitFor((f) => f.kova === "presence");

  ann.send({ text: "hello" });
  const seen = await bob.waitFor((f) => f.kind === "message");
  assert.deepEqual({ from: seen.from, text: seen.text }, { from: "ann", text: "hello" });
  await ann.waitFor((f) => f.kind === "message");

  bob.ws.close();
  const left = await ann.waitFor((f) => f.kova === "leave");
  assert.equal((left.member as { user: string }).user, "bob");
  const bye = await ann.waitFor((f) => f.kind === "bye");
  assert.equal(bye.from, "bob", "ON CLOSE ran and broadcast to the room");
  assert.equal(other.frames.filter((f) => f.kind === "message" || f.kind === "bye").length, 0, "room b heard nothing of room a");

  const health = await request(`${server.url}/_kova/health`);
  assert.equal(health.body.realtime.connections, 2);
  assert.equal(health.body.realtime.redis, "off");
  ann.ws.close();
  other.ws.close();
});

test("SOCKET: oversized, invalid and non-JSON messages get an error frame and keep the connection; persisting closes it", async (t) => {
  const server = await chatServer(t);
  const ann = await Client.open(wsUrl(server, "/chat/a"), { headers: { authorization: `Bearer ${await token("ann")}` } });
  await ann.waitFor((f) => f.kova === "presence");

  ann.send({ text: "x".repeat(300) });
  const big = await ann.waitFor((f) => f.error === "message_too_large");
  assert.match(String(big.message), /at most 256/);
  ann.send({ text: "" });
  const invalid = await ann.waitFor((f) => f.error === "invalid_message");
  assert.deepEqual(invalid.errors, [{ field: "text", message: "must be at least 1 character" }]);
  ann.send("{not json");
  await ann.waitFor((f) => f.error === "invalid_json");
  ann.send({ text: "boom" });
  const refused = await ann.waitFor((f) => f.error === "handler");
  assert.deepEqual({ status: refused.status, message: refused.message }, { status: 422, message: "boom is not a word here" });

  // Still open: a good message is handled.
  ann.send({ text: "still here" });
  await ann.waitFor((f) => f.kind === "message" && f.text === "still here");

  // Five bad messages in a row: closed with 1008 (policy violation).
  for (let i = 0; i < 5; i++) ann.send({ wrong: i });
  const closed = await ann.closed;
  assert.equal(closed.code, 1008);
});

test("SOCKET: a peer that stops answering pings is dropped; a slow reader is dropped before it eats memory", async (t) => {
  const server = await chatServer(t);
  const headers = { authorization: `Bearer ${await token("ann")}` };
  // ws answers pings by itself unless told not to: this client is a dead peer.
  const dead = await Client.open(wsUrl(server, "/chat/a"), { headers, autoPong: false });
  const fast = await Client.open(wsUrl(server, "/chat/a"), { headers });
  const slow = await Client.open(wsUrl(server, "/feed/a"), { headers });
  await slow.waitFor((f) => f.kova === "presence");
  const deadClosed = await dead.closed;
  assert.equal(deadClosed.code, 1006, "the dead peer's connection was cut (no close frame)");

  // The slow client stops reading from its socket; the room gets 20 MB of messages.
  (slow.ws as unknown as { _socket: { pause(): void } })._socket.pause();
  const text = "y".repeat(50_000);
  for (let i = 0; i < 400; i++) {
    assert.equal((await request(`${server.url}/rooms/a/blast`, { method: "POST", json: { text } })).status, 202);
  }
  await fast.waitFor((f) => f.kind === "blast" && fast.frames.filter((g) => g.kind === "blast").length === 400, 20_000);
  const health = await request(`${server.url}/_kova/health`);
  assert.equal(health.body.realtime.connections, 1, "only the fast client is left");
  assert.match(server.output, /does not read fast enough/);
  assert.match(server.output, /no answer to the last ping/);
  fast.ws.close();
});

test("BROADCAST from an endpoint goes out after it commits; STREAM resumes from Last-Event-ID", async (t) => {
  const server = await chatServer(t);
  const stream = await readEvents(`${server.url}/rooms/r/events`);
  assert.equal(stream.response.headers.get("content-type"), "text/event-stream; charset=utf-8");
  for (const text of ["one", "two"]) assert.equal((await request(`${server.url}/rooms/r/messages`, { method: "POST", json: { text } })).status, 201);
  // A rolled-back endpoint broadcasts nothing.
  assert.equal((await request(`${server.url}/rooms/r/messages`, { method: "POST", json: { text: "rollback" } })).status, 409);
  await stream.until(2);
  await stream.close();
  const lastId = stream.events[1].id!;
  assert.deepEqual(stream.events.map((e) => JSON.parse(e.data!).text), ["one", "two"]);

  // Missed while disconnected: three and four.
  for (const text of ["three", "four"]) await request(`${server.url}/rooms/r/messages`, { method: "POST", json: { text } });
  const resumed = await readEvents(`${server.url}/rooms/r/events`, { "last-event-id": stream.events[0].id! });
  await resumed.until(3);
  assert.deepEqual(resumed.events.map((e) => JSON.parse(e.data!).text), ["two", "three", "four"], "everything after the last id seen, in order");
  await delay(200);
  assert.equal(resumed.events.length, 3, "nothing twice");
  await resumed.close();
  assert.notEqual(lastId, stream.events[0].id);

  const stale = await readEvents(`${server.url}/rooms/r/events`, { "last-event-id": "00000000.1" });
  await stale.until(1);
  assert.equal(stale.events[0].event, "gap", "an id the buffer does not know: the client is told it missed some");
  await stale.close();
});

test("STREAM LIVE: the query's result at once, then again after each committed write that changes it", async (t) => {
  const server = await chatServer(t);
  const live = await readEvents(`${server.url}/rooms/l/latest`);
  await live.until(1);
  assert.deepEqual(JSON.parse(live.events[0].data!), []);
  await request(`${server.url}/rooms/l/messages`, { method: "POST", json: { text: "first" } });
  await live.until(2);
  assert.deepEqual(JSON.parse(live.events[1].data!).map((m: { body: string }) => m.body), ["first"]);
  // A write the query does not see (another room) pushes nothing; a socket's write does.
  await request(`${server.url}/rooms/other/messages`, { method: "POST", json: { text: "elsewhere" } });
  const ann = await Client.open(wsUrl(server, "/chat/l"), { headers: { authorization: `Bearer ${await token("ann")}` } });
  ann.send({ text: "second" });
  await live.until(3);
  assert.deepEqual(JSON.parse(live.events[2].data!).map((m: { body: string }) => m.body), ["second", "first"]);
  await delay(200);
  assert.equal(live.events.length, 3);
  ann.ws.close();
  await live.close();
});

test("STREAM LIVE over a SOCKET: the client gets the result as a frame at once, then again after each write that changes it", async (t) => {
  const server = await chatServer(t);
  const watcher = await Client.open(wsUrl(server, "/watch/w"), { headers: { authorization: `Bearer ${await token("bo")}` } });
  const lives = () => watcher.frames.filter((f) => f.kova === "live");
  await watcher.waitFor((f) => f.kind === "watching");
  await watcher.waitFor((f) => f.kova === "live");
  assert.deepEqual(lives()[0], { kova: "live", query: 0, version: 1, data: [] });
  await request(`${server.url}/rooms/w/messages`, { method: "POST", json: { text: "one" } });
  await watcher.waitFor((f) => f.kova === "live" && f.version === 2);
  assert.deepEqual((lives()[1].data as Array<{ body: string }>).map((m) => m.body), ["one"]);
  // Another room's write changes nothing here; a rolled-back write neither.
  await request(`${server.url}/rooms/elsewhere/messages`, { method: "POST", json: { text: "not here" } });
  assert.equal((await request(`${server.url}/rooms/w/messages`, { method: "POST", json: { text: "rollback" } })).status, 409);
  // A socket's own write (through the chat) does.
  const ann = await Client.open(wsUrl(server, "/chat/w"), { headers: { authorization: `Bearer ${await token("ann")}` } });
  ann.send({ text: "two" });
  await watcher.waitFor((f) => f.kova === "live" && f.version === 3);
  assert.deepEqual((lives()[2].data as Array<{ body: string }>).map((m) => m.body), ["two", "one"]);
  await delay(200);
  assert.equal(lives().length, 3, "nothing pushed for writes the query does not see");
  ann.ws.close();
  watcher.ws.close();
});

const REDIS_CHAT = `CONNECT db USING embedded()
CONNECT cache USING redis(env("REDIS_URL"))
` + CHAT.replace("ENTITY Message {", "ENTITY Message USING db {");

function redisReachable(): Promise<boolean> {
  const url = new URL(REDIS_URL);
  return new Promise((resolve) => {
    const socket = connect(Number(url.port || 6379), url.hostname);
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

async function needRedis(t: TestContext): Promise<boolean> {
  if (await redisReachable()) return true;
  if (process.env.CI === "true") assert.fail(`Redis is not reachable at ${REDIS_URL} (CI requires it)`);
  console.warn(`\n*** SKIPPED: Redis is not reachable at ${REDIS_URL}; the cross-process realtime tests did not run ***\n`);
  t.skip("Redis is not reachable");
  return false;
}

test("Redis: two processes share rooms — messages, presence, leave notices", async (t) => {
  if (!(await needRedis(t))) return;
  // Two hosts' worth: two app folders of the same name (the app's name picks its Redis channel), each
  // with its own embedded store, sharing one Redis.
  const name = `chat-${process.pid}-${Date.now()}`;
  const root = tempApp(t, { [`one/${name}/app.kova`]: REDIS_CHAT, [`two/${name}/app.kova`]: REDIS_CHAT });
  const env = { JWT_KEY: SECRET, REDIS_URL };
  const servers: RunningServer[] = [];
  for (const host of ["one", "two"]) {
    await build(join(root, host, name));
    servers.push(await startServer(t, join(root, host, name), { env }));
  }
  const [one, two] = servers;
  const ann = await Client.open(wsUrl(one, "/chat/x"), { headers: { authorization: `Bearer ${await token("ann")}` } });
  await ann.waitFor((f) => f.kova === "presence");
  // Give both bridges time to be subscribed (they connect in the background).
  for (let i = 0; i < 50; i++) {
    const [h1, h2] = await Promise.all([request(`${one.url}/_kova/health`), request(`${two.url}/_kova/health`)]);
    if (h1.body.realtime.redis === "up" && h2.body.realtime.redis === "up") break;
    await delay(100);
  }
  const bob = await Client.open(wsUrl(two, "/chat/x"), { headers: { authorization: `Bearer ${await token("bob")}` } });
  const presence = await bob.waitFor((f) => f.kova === "presence");
  assert.deepEqual((presence.members as Array<{ user: string }>).map((m) => m.user).sort(), ["ann", "bob"], "presence spans both processes");
  await ann.waitFor((f) => f.kova === "join");
  ann.send({ text: "from one" });
  const got = await bob.waitFor((f) => f.kind === "message");
  assert.equal(got.text, "from one");
  bob.send({ text: "from two" });
  await ann.waitFor((f) => f.kind === "message" && f.text === "from two");
  // An endpoint on process two reaches a stream on process one.
  const stream = await readEvents(`${one.url}/rooms/x/events`);
  await request(`${two.url}/rooms/x/messages`, { method: "POST", json: { text: "over http" } });
  await stream.until(1);
  assert.equal(JSON.parse(stream.events[0].data!).text, "over http");
  await stream.close();
  bob.ws.close();
  await ann.waitFor((f) => f.kova === "leave");
  ann.ws.close();
});

test("Redis dies: sockets keep working within the process; health reports the degradation", async (t) => {
  if (!(await needRedis(t))) return;
  // Redis behind a proxy this test can cut, as if the Redis host died after the app started.
  const target = new URL(REDIS_URL);
  const links = new Set<import("node:net").Socket>();
  const proxy = createServer((client) => {
    const upstream = connect(Number(target.port || 6379), target.hostname);
    links.add(client).add(upstream);
    client.pipe(upstream).pipe(client);
    const drop = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on("error", drop).on("close", drop);
    upstream.on("error", drop).on("close", drop);
  });
  await new Promise<void>((resolve) => proxy.listen(0, "127.0.0.1", resolve));
  t.after(() => proxy.close());
  const port = (proxy.address() as import("node:net").AddressInfo).port;
  const dir = tempApp(t, { "app.kova": REDIS_CHAT });
  await build(dir);
  const server = await startServer(t, dir, { env: { JWT_KEY: SECRET, REDIS_URL: `redis://127.0.0.1:${port}${target.pathname}` } });
  for (let i = 0; i < 50 && (await request(`${server.url}/_kova/health`)).body.realtime?.redis !== "up"; i++) await delay(100);
  proxy.close();
  for (const link of links) link.destroy();
  const headers = { authorization: `Bearer ${await token("ann")}` };
  const ann = await Client.open(wsUrl(server, "/chat/d"), { headers });
  const bob = await Client.open(wsUrl(server, "/chat/d"), { headers });
  await bob.waitFor((f) => f.kova === "presence");
  ann.send({ text: "no redis needed" });
  await bob.waitFor((f) => f.kind === "message" && f.text === "no redis needed");
  const health = await request(`${server.url}/_kova/health`);
  assert.equal(health.body.realtime.redis, "down");
  assert.notEqual(health.body.status, "ok");
  assert.match(server.output, /Redis is down; sockets and streams keep working within this process/);
  ann.ws.close();
  bob.ws.close();
});
