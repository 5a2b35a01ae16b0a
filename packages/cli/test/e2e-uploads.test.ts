// File uploads (issue 22 item 2): multipart bodies declared in VALIDATE with file(max, types), streamed
// to the file store, a file entity field keeping the reference, downloads with Range — and bad
// input (over the limit, wrong type by content, truncated bodies, path tricks) answered with a
// 4xx naming the field and nothing left behind in the store. Over real HTTP, on a built app.
import { test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { request } from "node:http";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { startApp } from "@kova/runtime";
import "@kova/driver-embedded";
import { build, REPO_ROOT, tempApp } from "./e2e/harness.js";

export const UPLOAD_APP = `
ENTITY Profile {
  name: text
  age: int?
  avatar: file?
}

VALIDATE NewProfile {
  name: string(min: 1)
  age: int(min: 0)?
  avatar: file(max: 64KB, types: ["image/png", "image/jpeg"])
}

POST /profiles VALIDATE NewProfile {
  RESPOND 201 INSERT INTO Profile { name: $body.name, age: $body.age, avatar: $body.avatar }
}

POST /strict-profiles VALIDATE NewProfile {
  IF $body.name == "nobody" {
    ERROR 409 "nobody may upload"
  }
  RESPOND 201 INSERT INTO Profile { name: $body.name, avatar: $body.avatar }
}

GET /profiles/:id/avatar {
  p = SELECT * FROM Profile WHERE id = $id
  RESPOND download(p.avatar)
}
`;

const PNG_HEAD = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

function png(size: number): Buffer {
  const bytes = Buffer.alloc(size);
  PNG_HEAD.copy(bytes);
  for (let i = PNG_HEAD.length; i < size; i++) bytes[i] = i % 251;
  return bytes;
}

async function serve(t: TestContext, appDir: string): Promise<string> {
  const { app } = (await import(pathToFileURL(join(appDir, "dist", "app.js")).href)) as { app: Parameters<typeof startApp>[0] };
  const running = await startApp(app, { port: 0, host: "127.0.0.1", appDir, manageProcess: false, logLevel: "silent" });
  t.after(() => running.close());
  return running.url;
}

function form(fields: Record<string, string | { name: string; bytes: Buffer; type?: string }>): FormData {
  const data = new FormData();
  for (const [key, value] of Object.entries(fields)) {
    if (typeof value === "string") data.append(key, value);
    else data.append(key, new Blob([value.bytes], { type: value.type ?? "application/octet-stream" }), value.name);
  }
  return data;
}

async function post(url: string, body: FormData | string, headers: Record<string, string> = {}): Promise<{ status: number; body: any }> {
  const response = await fetch(url, { method: "POST", body, headers });
  return { status: response.status, body: await response.json() };
}

/** What the store holds: completed files and uploads in flight. */
function stored(appDir: string): { files: string[]; partial: string[] } {
  const dir = join(appDir, ".kova", "uploads");
  const list = (d: string) => {
    try {
      return readdirSync(d).filter((n) => n !== ".partial");
    } catch {
      return [];
    }
  };
  return { files: list(dir), partial: list(join(dir, ".partial")) };
}

/** A raw multipart request: the body is written as given (a cut-off body, a path in a file name). */
function rawPost(url: string, boundary: string, body: Buffer, endEarly = false): Promise<{ status: number; body: any }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: "POST", headers: { "content-type": `multipart/form-data; boundary=${boundary}`, ...(endEarly ? {} : { "content-length": body.length }) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(Buffer.concat(chunks).toString("utf8")) }));
    });
    req.on("error", reject);
    req.end(body);
  });
}

function part(boundary: string, name: string, filename: string | null, content: Buffer): Buffer {
  const disposition = filename === null ? `form-data; name="${name}"` : `form-data; name="${name}"; filename="${filename}"`;
  const type = filename === null ? "" : "Content-Type: application/octet-stream\r\n";
  return Buffer.concat([Buffer.from(`--${boundary}\r\nContent-Disposition: ${disposition}\r\n${type}\r\n`), content, Buffer.from("\r\n")]);
}

test("an upload is streamed to the store, its reference kept in a file field, and downloaded whole or by range", async (t) => {
  const dir = tempApp(t, { "app.kova": UPLOAD_APP });
  await build(dir);
  const url = await serve(t, dir);
  const bytes = png(40_000);
  // The client's Content-Type says jpeg and the name says .gif: the content (PNG) decides.
  const created = await post(`${url}/profiles`, form({ name: "ada", age: "36", avatar: { name: "me.gif", bytes, type: "image/jpeg" } }));
  assert.equal(created.status, 201, JSON.stringify(created.body));
  assert.equal(created.body.name, "ada");
  assert.equal(created.body.age, 36);
  assert.deepEqual({ ...created.body.avatar, id: undefined }, { id: undefined, name: "me.gif", type: "image/png", size: 40_000 });
  assert.match(created.body.avatar.id, /^[0-9a-f-]{36}$/);
  assert.deepEqual(stored(dir), { files: [created.body.avatar.id], partial: [] });

  const whole = await fetch(`${url}/profiles/1/avatar`);
  assert.equal(whole.status, 200);
  assert.equal(whole.headers.get("content-type"), "image/png");
  assert.equal(whole.headers.get("accept-ranges"), "bytes");
  assert.match(whole.headers.get("content-disposition") ?? "", /filename="me\.gif"/);
  assert.ok(Buffer.from(await whole.arrayBuffer()).equals(bytes));

  const head = await fetch(`${url}/profiles/1/avatar`, { method: "HEAD", headers: { range: "bytes=100-199" } });
  assert.equal(head.status, 206);
  assert.equal(head.headers.get("content-range"), "bytes 100-199/40000");
  assert.equal(head.headers.get("content-length"), "100");
  assert.equal((await head.arrayBuffer()).byteLength, 0);
  const range = await fetch(`${url}/profiles/1/avatar`, { headers: { range: "bytes=100-199" } });
  assert.equal(range.status, 206);
  assert.equal(range.headers.get("content-range"), "bytes 100-199/40000");
  assert.ok(Buffer.from(await range.arrayBuffer()).equals(bytes.subarray(100, 200)));
  const suffix = await fetch(`${url}/profiles/1/avatar`, { headers: { range: "bytes=-10" } });
  assert.equal(suffix.status, 206);
  assert.ok(Buffer.from(await suffix.arrayBuffer()).equals(bytes.subarray(39_990)));
  const past = await fetch(`${url}/profiles/1/avatar`, { headers: { range: "bytes=50000-" } });
  assert.equal(past.status, 416);
  assert.equal(past.headers.get("content-range"), "bytes */40000");
  await past.body?.cancel();

  // The API description says how to call it: multipart, the file a binary part.
  const openapi = (await (await fetch(`${url}/_kova/openapi.json`)).json()) as any;
  const content = openapi.paths["/profiles"].post.requestBody.content;
  assert.deepEqual(Object.keys(content), ["multipart/form-data"]);
  assert.equal(openapi.components.schemas.NewProfile.properties.avatar.format, "binary");

  // A form whose file input was left empty (an empty part with an empty name): the file is missing.
  const bare = await post(`${url}/profiles`, form({ name: "bob", avatar: { name: "", bytes: Buffer.alloc(0) } }));
  assert.equal(bare.status, 400, "a required file left empty is missing");
  assert.deepEqual(bare.body.errors, [{ field: "avatar", message: "is required" }]);
});

test("bad uploads: 413 over the limit, 415 by content, 400 for paths, truncation and JSON posing as a file — nothing left behind", async (t) => {
  const dir = tempApp(t, { "app.kova": UPLOAD_APP });
  await build(dir);
  const url = await serve(t, dir);

  const big = await post(`${url}/profiles`, form({ name: "ada", avatar: { name: "big.png", bytes: png(200_000) } }));
  assert.equal(big.status, 413);
  assert.deepEqual(big.body.errors, [{ field: "avatar", message: "is larger than 64 KB" }]);

  const script = await post(`${url}/profiles`, form({ name: "ada", avatar: { name: "avatar.png", bytes: Buffer.from("<script>alert(1)</script>"), type: "image/png" } }));
  assert.equal(script.status, 415);
  assert.equal(script.body.errors[0].field, "avatar");
  assert.match(script.body.errors[0].message, /content is text\/plain, not image\/png or image\/jpeg/);

  const boundary = "kovaBoundary42";
  const traversal = Buffer.concat([part(boundary, "name", null, Buffer.from("ada")), part(boundary, "avatar", "../../etc/passwd", png(100)), Buffer.from(`--${boundary}--\r\n`)]);
  const tricked = await rawPost(`${url}/profiles`, boundary, traversal);
  assert.equal(tricked.status, 400);
  assert.equal(tricked.body.errors[0].field, "avatar");
  assert.match(tricked.body.errors[0].message, /is a path/);

  // The body stops in the middle of the file, without its closing boundary.
  const cut = Buffer.concat([part(boundary, "name", null, Buffer.from("ada")), Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="avatar"; filename="a.png"\r\n\r\n`), png(30_000)]);
  const truncated = await rawPost(`${url}/profiles`, boundary, cut);
  assert.equal(truncated.status, 400);
  assert.deepEqual(truncated.body.errors, [{ field: "avatar", message: "the multipart body ended before this part was complete" }]);

  // A JSON body cannot forge a file reference, and is the wrong content type for this endpoint.
  const forged = await post(`${url}/profiles`, JSON.stringify({ name: "ada", avatar: { id: "x", name: "a", type: "image/png", size: 1 } }), { "content-type": "application/json" });
  assert.equal(forged.status, 415);

  // Stored, then refused by validation (name too short) or by the handler (ERROR rolls back): removed.
  const invalid = await post(`${url}/profiles`, form({ name: "", avatar: { name: "a.png", bytes: png(1000) } }));
  assert.equal(invalid.status, 400);
  assert.deepEqual(invalid.body.errors, [{ field: "name", message: "must be at least 1 character" }]);
  const rolledBack = await post(`${url}/strict-profiles`, form({ name: "nobody", avatar: { name: "a.png", bytes: png(1000) } }));
  assert.equal(rolledBack.status, 409);

  assert.deepEqual(stored(dir), { files: [], partial: [] });
  // The server is still fine, and a good upload still works.
  assert.equal((await post(`${url}/profiles`, form({ name: "ada", avatar: { name: "ok.jpg", bytes: Buffer.from([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3]) } }))).status, 201);
  assert.equal(stored(dir).files.length, 1);
});

test("docs/uploads.md: its example, built and served, takes a PDF and serves it back by range", async (t) => {
  const doc = readFileSync(join(REPO_ROOT, "docs", "uploads.md"), "utf8");
  const source = /```kova\n([\s\S]*?)```/.exec(doc)![1];
  const dir = tempApp(t, { "app.kova": source });
  await build(dir);
  const url = await serve(t, dir);
  const pdf = Buffer.concat([Buffer.from("%PDF-1.7\n"), Buffer.alloc(5000, 0x41)]);
  const created = await post(`${url}/invoices`, form({ customer: "ACME", amount: "120.5", pdf: { name: "march.pdf", bytes: pdf } }));
  assert.equal(created.status, 201, JSON.stringify(created.body));
  assert.equal(created.body.amount, 120.5);
  assert.equal(created.body.pdf.type, "application/pdf");
  const first = await fetch(`${url}/invoices/1/pdf`, { headers: { range: "bytes=0-1023" } });
  assert.equal(first.status, 206);
  assert.ok(Buffer.from(await first.arrayBuffer()).equals(pdf.subarray(0, 1024)));
  const notPdf = await post(`${url}/invoices`, form({ customer: "ACME", amount: "1", pdf: { name: "x.pdf", bytes: png(100) } }));
  assert.equal(notPdf.status, 415);
  assert.equal(notPdf.body.errors[0].field, "pdf");
});

test("kovaFastifyPlugin: the same upload endpoint streams files, refuses bad ones and serves ranges", async (t) => {
  const { default: Fastify } = await import("fastify");
  const { kovaFastifyPlugin } = await import("@kova/runtime");
  const dir = tempApp(t, { "app.kova": UPLOAD_APP });
  await build(dir);
  const { app } = (await import(pathToFileURL(join(dir, "dist", "app.js")).href)) as { app: Parameters<typeof kovaFastifyPlugin>[0] };
  const fastify = Fastify({ logger: false });
  t.after(() => fastify.close());
  await fastify.register(kovaFastifyPlugin(app, { appDir: dir }), { prefix: "/api" });
  await fastify.listen({ port: 0, host: "127.0.0.1" });
  const address = fastify.server.address();
  const base = `http://127.0.0.1:${typeof address === "object" && address !== null ? address.port : 0}/api`;
  const bytes = png(20_000);
  const created = await post(`${base}/profiles`, form({ name: "ada", avatar: { name: "a.png", bytes } }));
  assert.equal(created.status, 201, JSON.stringify(created.body));
  assert.equal(created.body.avatar.type, "image/png");
  const range = await fetch(`${base}/profiles/1/avatar`, { headers: { range: "bytes=0-7" } });
  assert.equal(range.status, 206);
  assert.ok(Buffer.from(await range.arrayBuffer()).equals(bytes.subarray(0, 8)));
  const big = await post(`${base}/profiles`, form({ name: "ada", avatar: { name: "b.png", bytes: png(100_000) } }));
  assert.equal(big.status, 413);
  assert.equal(big.body.errors[0].field, "avatar");
  const json = await post(`${base}/profiles`, JSON.stringify({ name: "x" }), { "content-type": "application/json" });
  assert.equal(json.status, 415);
  assert.deepEqual(stored(dir).partial, []);
  assert.equal(stored(dir).files.length, 1);
});
