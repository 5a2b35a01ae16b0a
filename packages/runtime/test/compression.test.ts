// Compression over real connections: gzip/brotli responses negotiated from Accept-Encoding above a
// threshold, left alone for compressed types and small bodies; gzip request bodies inflated within
// the body limit, a decompression bomb answered with a 413 problem; the kova.config.json setting.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { request as httpRequest } from "node:http";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { brotliDecompressSync, deflateSync, gunzipSync, gzipSync } from "node:zlib";
import { HttpError, connectDataSources, createServer, loadFileConfig, pickEncoding, worthCompressing, type DataSources, type KovaServer } from "../src/index.js";
import { captureLog, makeApp } from "./test-app.js";

const log = captureLog();
const BODY_LIMIT = 64 * 1024;
let dataSources: DataSources;
let server: KovaServer;
let plain: KovaServer;

before(async () => {
  const app = makeApp();
  app.routes.push(
    { method: "GET", path: "/png", params: [], handler: () => ({ body: "x".repeat(5000), headers: { "content-type": "image/png" }, serialize: (b) => String(b) }) },
    { method: "GET", path: "/long-problem", params: [], handler: () => { throw new HttpError(409, "z".repeat(2000)); } },
    { method: "GET", path: "/tagged", params: [], handler: () => ({ body: { text: "y".repeat(3000) }, headers: { etag: '"v1"', vary: "origin" } }) },
  );
  dataSources = await connectDataSources(app, tmpdir(), {});
  server = createServer(app, { logger: log.logger, bodyLimit: BODY_LIMIT, dataSources, compression: { threshold: 1024 } });
  plain = createServer(app, { logger: log.logger, bodyLimit: BODY_LIMIT, dataSources });
  await server.listen(0, "127.0.0.1");
  await plain.listen(0, "127.0.0.1");
});
after(async () => {
  await server.close();
  await plain.close();
  await dataSources.close();
});

interface Raw {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  bytes: Buffer;
}

/** node:http, not fetch: fetch would decompress behind our back and hide what was on the wire. */
function raw(base: string, method: string, path: string, headers: Record<string, string>, body?: Buffer): Promise<Raw> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(base + path, { method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, bytes: Buffer.concat(chunks) }));
    });
    req.on("error", reject);
    req.end(body);
  });
}

const big = { note: "milk ".repeat(1000) };

describe("response compression", () => {
  test("brotli when the client prefers it, gzip when it only takes gzip; the body decodes to the JSON", async () => {
    const json = Buffer.from(JSON.stringify(big));
    const br = await raw(server.url, "POST", "/echo", { "content-type": "application/json", "accept-encoding": "gzip, br" }, json);
    assert.equal(br.status, 200);
    assert.equal(br.headers["content-encoding"], "br");
    assert.match(String(br.headers.vary), /accept-encoding/);
    assert.equal(Number(br.headers["content-length"]), br.bytes.length);
    assert.ok(br.bytes.length < json.length / 10, `brotli body ${br.bytes.length} bytes for ${json.length}`);
    assert.deepEqual(JSON.parse(brotliDecompressSync(br.bytes).toString()), { body: big });

    const gz = await raw(server.url, "POST", "/echo", { "content-type": "application/json", "accept-encoding": "gzip;q=1, br;q=0" }, json);
    assert.equal(gz.headers["content-encoding"], "gzip");
    assert.deepEqual(JSON.parse(gunzipSync(gz.bytes).toString()), { body: big });
  });

  test("plain when the client accepts no coding, below the threshold, for compressed types, or when off", async () => {
    const json = Buffer.from(JSON.stringify(big));
    const none = await raw(server.url, "POST", "/echo", { "content-type": "application/json" }, json);
    assert.equal(none.headers["content-encoding"], undefined);
    assert.equal(none.headers.vary, "accept-encoding");
    assert.deepEqual(JSON.parse(none.bytes.toString()), { body: big });

    const small = await raw(server.url, "GET", "/search?q=1", { "accept-encoding": "gzip, br" });
    assert.equal(small.headers["content-encoding"], undefined);
    assert.deepEqual(JSON.parse(small.bytes.toString()), { query: { q: "1" } });

    const png = await raw(server.url, "GET", "/png", { "accept-encoding": "gzip, br" });
    assert.equal(png.headers["content-encoding"], undefined);
    assert.equal(png.bytes.length, 5000);

    const off = await raw(plain.url, "POST", "/echo", { "content-type": "application/json", "accept-encoding": "gzip, br" }, json);
    assert.equal(off.headers["content-encoding"], undefined);
    assert.equal(off.headers.vary, undefined);
  });

  test("a strong ETag becomes weak on the compressed body, and Vary keeps the handler's entries", async () => {
    const res = await raw(server.url, "GET", "/tagged", { "accept-encoding": "gzip" });
    assert.equal(res.headers["content-encoding"], "gzip");
    assert.equal(res.headers.etag, 'W/"v1"');
    assert.equal(res.headers.vary, "origin, accept-encoding");
  });

  test("problems are compressed too when large enough", async () => {
    const res = await raw(server.url, "GET", "/long-problem", { "accept-encoding": "gzip" });
    assert.equal(res.status, 409);
    assert.equal(res.headers["content-encoding"], "gzip");
    assert.equal(res.headers["content-type"], "application/problem+json");
    assert.equal(JSON.parse(gunzipSync(res.bytes).toString()).detail, "z".repeat(2000));
  });
});

describe("compressed request bodies", () => {
  test("gzip, deflate and br bodies are inflated before JSON parsing (with or without response compression)", async () => {
    const json = Buffer.from(JSON.stringify({ title: "milk" }));
    for (const [coding, bytes] of [["gzip", gzipSync(json)], ["deflate", deflateSync(json)]] as const) {
      const res = await raw(plain.url, "POST", "/echo", { "content-type": "application/json", "content-encoding": coding }, bytes);
      assert.equal(res.status, 200, res.bytes.toString());
      assert.deepEqual(JSON.parse(res.bytes.toString()), { body: { title: "milk" } });
    }
  });

  test("a decompression bomb is a 413 problem naming the limit, and the server keeps serving", async () => {
    // 10 MB of zeros gzip to ~10 KB: well under the 64 KiB body limit on the wire.
    const bomb = gzipSync(Buffer.alloc(10 * 1024 * 1024, 0x20));
    assert.ok(bomb.length < BODY_LIMIT);
    const before = process.memoryUsage().rss;
    const res = await raw(server.url, "POST", "/echo", { "content-type": "application/json", "content-encoding": "gzip" }, bomb);
    assert.equal(res.status, 413);
    const problem = JSON.parse(res.bytes.toString());
    assert.equal(problem.type, "urn:kova:problem:payload-too-large");
    assert.match(problem.detail, /decompressed, exceeds the limit of 65536 bytes/);
    assert.ok(process.memoryUsage().rss - before < 8 * 1024 * 1024, "the bomb was never inflated whole");
    const after = await raw(server.url, "GET", "/env", {});
    assert.equal(after.status, 200);
  });

  test("corrupt gzip is a 400, an unknown coding a 415, both naming the Content-Encoding", async () => {
    const corrupt = await raw(server.url, "POST", "/echo", { "content-type": "application/json", "content-encoding": "gzip" }, Buffer.from("not gzip at all"));
    assert.equal(corrupt.status, 400);
    const c = JSON.parse(corrupt.bytes.toString());
    assert.equal(c.type, "urn:kova:problem:malformed-body");
    assert.match(c.detail, /not valid gzip data/);

    const unknown = await raw(server.url, "POST", "/echo", { "content-type": "application/json", "content-encoding": "zstd" }, Buffer.from("{}"));
    assert.equal(unknown.status, 415);
    assert.match(JSON.parse(unknown.bytes.toString()).detail, /unsupported Content-Encoding "zstd"/);
  });
});

describe("negotiation and settings", () => {
  test("Accept-Encoding q-values, * and x-gzip; compressed media types", () => {
    assert.equal(pickEncoding("gzip, deflate, br", ["br", "gzip"]), "br");
    assert.equal(pickEncoding("br;q=0.5, gzip;q=0.8", ["br", "gzip"]), "gzip");
    assert.equal(pickEncoding("*", ["br", "gzip"]), "br");
    assert.equal(pickEncoding("*;q=0, gzip", ["br", "gzip"]), "gzip");
    assert.equal(pickEncoding("x-gzip", ["br", "gzip"]), "gzip");
    assert.equal(pickEncoding("identity", ["br", "gzip"]), undefined);
    assert.equal(pickEncoding("br", ["gzip"]), undefined);
    assert.equal(worthCompressing("application/json; charset=utf-8"), true);
    assert.equal(worthCompressing("image/svg+xml"), true);
    assert.equal(worthCompressing("image/webp"), false);
    assert.equal(worthCompressing("application/zip"), false);
  });

  test("kova.config.json \"compression\": true, settings, and a bad setting named in the error", () => {
    const dir = mkdtempSync(join(tmpdir(), "kova-compression-"));
    const write = (value: unknown): void => writeFileSync(join(dir, "kova.config.json"), JSON.stringify({ compression: value }));
    write(true);
    assert.equal(loadFileConfig(dir).compression, true);
    write({ threshold: 512, encodings: ["gzip"] });
    assert.deepEqual(loadFileConfig(dir).compression, { threshold: 512, encodings: ["gzip"] });
    write({ encodings: ["zstd"] });
    assert.throws(() => loadFileConfig(dir), /"compression"\.encodings must be a non-empty list of "br" and\/or "gzip"/);
    write({ treshold: 1 });
    assert.throws(() => loadFileConfig(dir), /unknown setting "treshold"; known: threshold/);
    write({ brotliQuality: 12 });
    assert.throws(() => loadFileConfig(dir), /brotliQuality must be a whole number from 0 to 11/);
  });
});

test("every kova.config.json example in docs/http.md is accepted as written", () => {
  const markdown = readFileSync(new URL("../../../../docs/http.md", import.meta.url), "utf8");
  const blocks = [...markdown.matchAll(/```json\n([\s\S]*?)```/g)].map((m) => m[1]);
  assert.ok(blocks.length >= 2);
  for (const block of blocks) {
    const dir = mkdtempSync(join(tmpdir(), "kova-http-doc-"));
    writeFileSync(join(dir, "kova.config.json"), block);
    assert.deepEqual(loadFileConfig(dir).compression, JSON.parse(block).compression);
  }
});
