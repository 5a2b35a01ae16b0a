/**
 * The fast HTTP layer (http-fast/) against node:http, byte for byte: the same raw requests —
 * ordinary ones, malformed ones, request-smuggling shapes, pipelined batches, HTTP/1.0, Expect —
 * go to both on fresh connections, and everything each server writes back until it closes is
 * compared, with only the Date header and the per-request UUIDs masked. Then the timeouts
 * (slowloris), the limits and Expect: 100-continue, on both layers.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { connectDataSources, createServer, type DataSources, type KovaServer } from "../src/index.js";
import { serveOnBoth, type BothServers } from "./both-servers.js";
import { captureLog, makeApp } from "./test-app.js";

const log = captureLog();
let servers: BothServers;

before(async () => {
  servers = await serveOnBoth({ logger: log.logger });
});
after(() => servers.close());

/**
 * Writes `bytes` on a new connection and returns everything received until the server closes it,
 * or until it has been quiet for `quietMs` after answering (keep-alive), or `maxMs` in all.
 */
function exchange(base: string, bytes: string | Buffer, options: { quietMs?: number; maxMs?: number } = {}): Promise<string> {
  const { hostname, port } = new URL(base);
  return new Promise((resolve) => {
    const socket = connect(Number(port), hostname, () => socket.write(bytes));
    let received = "";
    let quiet: NodeJS.Timeout | undefined;
    socket.setEncoding("latin1");
    const done = (): void => {
      clearTimeout(quiet);
      clearTimeout(max);
      socket.destroy();
      resolve(received);
    };
    socket.on("data", (chunk: string) => {
      received += chunk;
      clearTimeout(quiet);
      quiet = setTimeout(done, options.quietMs ?? 300);
    });
    socket.on("close", done);
    socket.on("error", done);
    const max = setTimeout(done, options.maxMs ?? 3000);
  });
}

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g;

function masked(raw: string): string {
  return raw.replace(/\r\nDate: [^\r]*/g, "\r\nDate: <date>").replace(UUID, "<uuid>");
}

const H = "Host: localhost\r\n";
const json = (body: string): string => `POST /echo HTTP/1.1\r\n${H}Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;

/** name → raw request bytes. */
const CORPUS: Record<string, string | Buffer> = {
  "a typed GET": `GET /users/1 HTTP/1.1\r\n${H}\r\n`,
  "a bad path parameter": `GET /users/abc HTTP/1.1\r\n${H}\r\n`,
  "a missing row": `GET /users/987 HTTP/1.1\r\n${H}\r\n`,
  "HEAD": `HEAD /users/1 HTTP/1.1\r\n${H}\r\n`,
  "404": `GET /nowhere HTTP/1.1\r\n${H}\r\n`,
  "405 with Allow": `PUT /users/1 HTTP/1.1\r\n${H}Content-Length: 0\r\n\r\n`,
  "OPTIONS": `OPTIONS /users/1 HTTP/1.1\r\n${H}\r\n`,
  "a query": `GET /search?q=a%20b&q=c&x= HTTP/1.1\r\n${H}\r\n`,
  "a broken percent-escape": `GET /search?q=%zz HTTP/1.1\r\n${H}\r\n`,
  "absolute-form URL": `GET http://localhost/users/1 HTTP/1.1\r\n${H}\r\n`,
  "reply headers": `GET /reply-headers HTTP/1.1\r\n${H}\r\n`,
  "a thrown error (500)": `GET /boom HTTP/1.1\r\n${H}\r\n`,
  "a sane request id echoed": `GET /env HTTP/1.1\r\n${H}X-Request-Id: abc-123\r\n\r\n`,
  "repeated headers joined": `GET /env HTTP/1.1\r\n${H}Accept: a\r\nAccept: b\r\nCookie: x=1\r\nCookie: y=2\r\n\r\n`,
  "a JSON body": json('{"a":1,"b":"é"}'),
  "malformed JSON": json("{not json"),
  "a lone surrogate": json('{"t":"\\ud800"}'),
  "invalid UTF-8": Buffer.concat([Buffer.from(`POST /echo HTTP/1.1\r\n${H}Content-Type: application/json\r\nContent-Length: 5\r\n\r\n{"a":`), Buffer.from([0xe9])]),
  "another content type": `POST /echo HTTP/1.1\r\n${H}Content-Type: text/plain\r\nContent-Length: 2\r\n\r\nhi`,
  "a body over the limit": json(JSON.stringify({ pad: "x".repeat(2_000_000) })),
  "a chunked body": `POST /echo HTTP/1.1\r\n${H}Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n4\r\n{"a"\r\n3;ext=1\r\n:1}\r\n0\r\n\r\n`,
  "validation issues": `POST /users HTTP/1.1\r\n${H}Content-Type: application/json\r\nContent-Length: 2\r\n\r\n{}`,
  "Connection: close": `GET /users/1 HTTP/1.1\r\n${H}Connection: close\r\n\r\nGET /users/2 HTTP/1.1\r\n${H}\r\n`,
  "HTTP/1.0": `GET /users/1 HTTP/1.0\r\n\r\n`,
  "HTTP/1.0 keep-alive": `GET /users/1 HTTP/1.0\r\nConnection: keep-alive\r\n\r\nGET /env HTTP/1.0\r\n\r\n`,
  "pipelined, the slow one first": `GET /slow HTTP/1.1\r\n${H}\r\nGET /env HTTP/1.1\r\n${H}\r\n${json('{"n":2}')}HEAD /env HTTP/1.1\r\n${H}\r\n`,
  "pipelined, then garbage": `GET /env HTTP/1.1\r\n${H}\r\nGARBAGE \x01\x02\r\n\r\n`,
  "Expect: 100-continue": `POST /echo HTTP/1.1\r\n${H}Expect: 100-continue\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}`,
  "an unknown Expect (417)": `POST /echo HTTP/1.1\r\n${H}Expect: telepathy\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}`,
  "bare LF line ends": `GET /users/1 HTTP/1.1\n${H.replace("\r\n", "\n")}\n`,
  "a broken request line": "NOT HTTP AT ALL\r\n\r\n",
  "an invalid method": `G@T /users/1 HTTP/1.1\r\n${H}\r\n`,
  "HTTP/2.0 on the request line": `GET /users/1 HTTP/2.0\r\n${H}\r\n`,
  "headers over the limit (431)": `GET /env HTTP/1.1\r\n${H}X-Big: ${"a".repeat(20_000)}\r\n\r\n`,
  "smuggling: Content-Length and Transfer-Encoding": `POST /echo HTTP/1.1\r\n${H}Content-Type: application/json\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /env HTTP/1.1\r\n${H}\r\n`,
  "smuggling: two different Content-Lengths": `POST /echo HTTP/1.1\r\n${H}Content-Type: application/json\r\nContent-Length: 2\r\nContent-Length: 40\r\n\r\n{}`,
  "smuggling: Content-Length: +2": `POST /echo HTTP/1.1\r\n${H}Content-Type: application/json\r\nContent-Length: +2\r\n\r\n{}`,
  "smuggling: a bad chunk size": `POST /echo HTTP/1.1\r\n${H}Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n2x\r\n{}\r\n0\r\n\r\n`,
  "smuggling: Transfer-Encoding not ending in chunked": `POST /echo HTTP/1.1\r\n${H}Content-Type: application/json\r\nTransfer-Encoding: chunked, identity\r\n\r\n2\r\n{}\r\n0\r\n\r\n`,
  "smuggling: a space before the colon": `GET /env HTTP/1.1\r\nHost : localhost\r\n\r\n`,
  "smuggling: obs-fold": `GET /env HTTP/1.1\r\n${H}X-A: 1\r\n  folded\r\n\r\n`,
  "smuggling: a NUL in a header value": `GET /env HTTP/1.1\r\n${H}X-A: a\x00b\r\n\r\n`,
  "a body on a GET": `GET /env HTTP/1.1\r\n${H}Content-Length: 5\r\n\r\nhelloGET /users/1 HTTP/1.1\r\n${H}\r\n`,
  "an upgrade the app does not serve": `GET /env HTTP/1.1\r\n${H}Connection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n`,
};

describe("the fast layer answers as node:http does (differential)", () => {
  for (const [name, bytes] of Object.entries(CORPUS)) {
    test(name, async () => {
      const [node, fast] = await Promise.all([exchange(servers.bases["node:http"], bytes), exchange(servers.bases.fast, bytes)]);
      assert.ok(node.length > 0 || name.includes("upgrade"), `node:http answered nothing to ${name}`);
      assert.equal(masked(fast), masked(node));
    });
  }
});

for (const layer of ["node", "fast"] as const) {
  describe(`timeouts and limits on the ${layer} layer`, () => {
    let server: KovaServer;
    let dataSources: DataSources;

    before(async () => {
      const app = makeApp();
      dataSources = await connectDataSources(app, tmpdir(), {});
      server = createServer(app, {
        http: layer,
        logger: log.logger,
        dataSources,
        timeouts: { headersTimeout: 400, requestTimeout: 1200, keepAliveTimeout: 300, connectionsCheckingInterval: 100 },
      });
      await server.listen(0, "127.0.0.1");
    });
    after(async () => {
      await server.close();
      await dataSources.close();
    });

    test("slowloris: a head that trickles in is cut off with a 408 problem", async () => {
      const { hostname, port } = new URL(server.url);
      const raw = await new Promise<string>((resolve) => {
        const socket = connect(Number(port), hostname);
        let received = "";
        socket.setEncoding("latin1");
        socket.on("data", (c: string) => (received += c));
        const parts = ["GET /env HTTP/1.1\r\n", "Host: localhost\r\n", "X-A: 1\r\n", "X-B: 2\r\n", "X-C: 3\r\n", "X-D: 4\r\n", "X-E: 5\r\n", "X-F: 6\r\n"];
        const timer = setInterval(() => {
          const part = parts.shift();
          if (part === undefined || socket.destroyed) return clearInterval(timer);
          socket.write(part);
        }, 150);
        socket.on("close", () => {
          clearInterval(timer);
          resolve(received);
        });
        socket.on("error", () => undefined);
        socket.setTimeout(5000, () => socket.destroy());
      });
      assert.match(raw, /^HTTP\/1\.1 408 /);
      assert.match(raw, /"type":"urn:kova:problem:bad-request"/);
    });

    test("a body that trickles in past the request timeout is cut off with a 408", async () => {
      const { hostname, port } = new URL(server.url);
      const started = Date.now();
      const raw = await new Promise<string>((resolve) => {
        const socket = connect(Number(port), hostname, () => socket.write(`POST /echo HTTP/1.1\r\n${H}Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{"a":`));
        let received = "";
        socket.setEncoding("latin1");
        socket.on("data", (c: string) => (received += c));
        const timer = setInterval(() => !socket.destroyed && socket.write(" "), 100);
        socket.on("close", () => {
          clearInterval(timer);
          resolve(received);
        });
        socket.on("error", () => undefined);
        socket.setTimeout(5000, () => socket.destroy());
      });
      assert.match(raw, /^HTTP\/1\.1 408 /);
      assert.ok(Date.now() - started < 4000);
    });

    test("an idle keep-alive connection is closed after keepAliveTimeout; a busy one is kept", async () => {
      const { hostname, port } = new URL(server.url);
      const result = await new Promise<{ raw: string; ms: number }>((resolve) => {
        const socket = connect(Number(port), hostname, () => socket.write(`GET /env HTTP/1.1\r\n${H}\r\n`));
        let received = "";
        let answeredAt = 0;
        socket.setEncoding("latin1");
        socket.on("data", (c: string) => {
          received += c;
          answeredAt ||= Date.now();
        });
        socket.on("close", () => resolve({ raw: received, ms: Date.now() - answeredAt }));
        socket.setTimeout(5000, () => socket.destroy());
      });
      assert.match(result.raw, /^HTTP\/1\.1 200 /);
      assert.match(result.raw, /\r\nKeep-Alive: timeout=0\r\n|\r\nConnection: keep-alive\r\n/);
      assert.ok(result.ms >= 200 && result.ms < 3000, `closed ${result.ms} ms after the answer`);
    });

    test("Expect: 100-continue: the client is told to go on before it sends the body", async () => {
      const { hostname, port } = new URL(server.url);
      const raw = await new Promise<string>((resolve) => {
        const socket = connect(Number(port), hostname, () => socket.write(`POST /echo HTTP/1.1\r\n${H}Expect: 100-continue\r\nContent-Type: application/json\r\nContent-Length: 7\r\nConnection: close\r\n\r\n`));
        let received = "";
        socket.setEncoding("latin1");
        socket.on("data", (c: string) => {
          received += c;
          if (received === "HTTP/1.1 100 Continue\r\n\r\n") socket.write('{"a":1}');
        });
        socket.on("close", () => resolve(received));
        socket.setTimeout(5000, () => socket.destroy());
      });
      assert.match(raw, /^HTTP\/1\.1 100 Continue\r\n\r\nHTTP\/1\.1 200 OK\r\n/);
      assert.match(raw, /\{"body":\{"a":1\}\}$/);
    });

    test("pipelining: 50 requests in one write are answered in order", async () => {
      const batch = Array.from({ length: 50 }, (_, i) => `GET /users/${(i % 2) + 1}?n=${i} HTTP/1.1\r\n${H}X-Request-Id: req-${i}\r\n\r\n`).join("");
      const raw = await exchange(server.url, batch);
      const ids = [...raw.matchAll(/\r\nx-request-id: (req-\d+)\r\n/g)].map((m) => m[1]);
      assert.deepEqual(ids, Array.from({ length: 50 }, (_, i) => `req-${i}`));
    });
  });
}

describe("the fast layer's own server, under a slow body reader", () => {
  test("a large body read slowly (backpressure), then the next request on the same connection is answered", async () => {
    const { FastServer } = await import("../src/http-fast/server.js");
    const server = new FastServer((req, res) => {
      if (req.method === "GET") {
        res.writeHead(200, { "content-length": 2 });
        res.end("ok");
        return;
      }
      let size = 0;
      // A reader slower than the socket: the request stream fills and the connection stops reading.
      req.on("data", (chunk: Buffer) => {
        size += chunk.length;
        req.pause();
        setTimeout(() => req.resume(), 2);
      });
      req.on("end", () => {
        const body = String(size);
        res.writeHead(200, { "content-length": Buffer.byteLength(body) });
        res.end(body);
      });
    }, { log: log.logger });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
    try {
      const { port } = server.address() as { port: number };
      const big = "x".repeat(1_000_000);
      // The next request is sent only once the first is answered: it must find the connection reading.
      const raw = await new Promise<string>((resolve) => {
        const socket = connect(port, "127.0.0.1", () => socket.write(`POST /up HTTP/1.1\r\n${H}Content-Length: ${big.length}\r\n\r\n${big}`));
        let received = "";
        let sentNext = false;
        socket.setEncoding("latin1");
        socket.on("data", (chunk: string) => {
          received += chunk;
          if (!sentNext && received.endsWith("1000000")) {
            sentNext = true;
            socket.write(`GET /next HTTP/1.1\r\n${H}Connection: close\r\n\r\n`);
          }
        });
        socket.on("close", () => resolve(received));
        socket.setTimeout(4000, () => socket.destroy());
      });
      assert.match(raw, /^HTTP\/1\.1 200 OK\r\n[\s\S]*\r\n\r\n1000000HTTP\/1\.1 200 OK\r\n[\s\S]*\r\n\r\nok$/);
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });
});
