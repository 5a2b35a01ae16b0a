// Uploads kept in an S3-compatible bucket (issue 22 item 2: "an S3-compatible store when
// configured"). No S3 or MinIO server can be installed on this machine, so the bucket is served by
// s3rver, an S3 API server written for tests, which speaks the protocol the AWS SDK sends (SigV4,
// multipart uploads, ranged GETs). A built app is configured with "uploads": { "s3": … } and driven
// over real HTTP: an upload lands in the bucket only when complete, downloads read it back whole and
// by range, refused uploads leave no object, and a bad bucket is one line at start.
import { test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { startApp } from "@kova/runtime";
import "@kova/driver-embedded";
import { build, REPO_ROOT, tempApp } from "./e2e/harness.js";

const APP = `
ENTITY Profile {
  name: text
  avatar: file?
}

VALIDATE NewProfile {
  name: string(min: 1)
  avatar: file(max: 8MB, types: ["image/png"])
}

POST /profiles VALIDATE NewProfile {
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

/** docs/uploads.md's example setting, used as written but for the endpoint (the test server's). */
const DOC_SETTINGS = JSON.parse(/```json\n([\s\S]*?)```/.exec(readFileSync(join(REPO_ROOT, "docs", "uploads.md"), "utf8"))![1]!).uploads.s3 as { bucket: string; prefix: string };
const BUCKET = DOC_SETTINGS.bucket;

interface Bucket {
  endpoint: string;
  keys(): Promise<string[]>;
}

/** An S3 API server on a free loopback port with one empty bucket, stopped after the test. */
async function s3Bucket(t: TestContext): Promise<Bucket> {
  // s3rver ships no types; what the test uses of it is this.
  const name = "s3rver";
  const { default: S3rver } = (await import(name)) as { default: new (options: object) => { run(): Promise<{ port: number }>; close(): Promise<void> } };
  const { S3Client, CreateBucketCommand, ListObjectsV2Command } = await import("@aws-sdk/client-s3");
  const directory = mkdtempSync(join(tmpdir(), "kova-s3-"));
  const server = new S3rver({ port: 0, address: "127.0.0.1", directory, silent: true });
  const { port } = await server.run();
  const endpoint = `http://127.0.0.1:${port}`;
  // s3rver accepts its own default key pair; the app reads the same from the environment, as the SDK does.
  const saved = { id: process.env.AWS_ACCESS_KEY_ID, secret: process.env.AWS_SECRET_ACCESS_KEY };
  process.env.AWS_ACCESS_KEY_ID = "S3RVER";
  process.env.AWS_SECRET_ACCESS_KEY = "S3RVER";
  const client = new S3Client({ endpoint, region: "us-east-1", forcePathStyle: true });
  await client.send(new CreateBucketCommand({ Bucket: BUCKET }));
  t.after(async () => {
    client.destroy();
    await server.close();
    rmSync(directory, { recursive: true, force: true });
    if (saved.id === undefined) delete process.env.AWS_ACCESS_KEY_ID;
    else process.env.AWS_ACCESS_KEY_ID = saved.id;
    if (saved.secret === undefined) delete process.env.AWS_SECRET_ACCESS_KEY;
    else process.env.AWS_SECRET_ACCESS_KEY = saved.secret;
  });
  return {
    endpoint,
    keys: async () => ((await client.send(new ListObjectsV2Command({ Bucket: BUCKET }))).Contents ?? []).map((o) => o.Key!).sort(),
  };
}

async function serve(t: TestContext, appDir: string): Promise<string> {
  const { app } = (await import(pathToFileURL(join(appDir, "dist", "app.js")).href)) as { app: Parameters<typeof startApp>[0] };
  const running = await startApp(app, { port: 0, host: "127.0.0.1", appDir, manageProcess: false, logLevel: "silent" });
  t.after(() => running.close());
  return running.url;
}

function png(size: number): Buffer {
  const bytes = Buffer.alloc(size);
  Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]).copy(bytes);
  for (let i = 8; i < size; i++) bytes[i] = i % 251;
  return bytes;
}

async function upload(url: string, name: string, bytes: Buffer): Promise<{ status: number; body: any }> {
  const data = new FormData();
  data.append("name", name);
  data.append("avatar", new Blob([bytes], { type: "image/png" }), "me.png");
  const response = await fetch(`${url}/profiles`, { method: "POST", body: data });
  return { status: response.status, body: await response.json() };
}

test("uploads go to an S3 bucket: stored only when complete, read back whole and by range, nothing kept of a refused one", async (t) => {
  const bucket = await s3Bucket(t);
  const dir = tempApp(t, { "app.kova": APP });
  writeFileSync(join(dir, "kova.config.json"), JSON.stringify({ uploads: { s3: { ...DOC_SETTINGS, endpoint: bucket.endpoint } } }));
  await build(dir);
  const url = await serve(t, dir);

  // 6 MB: more than one 5 MiB part, so the SDK's multipart upload is what carries it.
  const bytes = png(6 * 1024 * 1024);
  const created = await upload(url, "ada", bytes);
  assert.equal(created.status, 201, JSON.stringify(created.body));
  assert.equal(created.body.avatar.size, bytes.length);
  assert.deepEqual(await bucket.keys(), [`avatars/${created.body.avatar.id}`]);

  const whole = await fetch(`${url}/profiles/1/avatar`);
  assert.equal(whole.status, 200);
  assert.equal(whole.headers.get("content-type"), "image/png");
  assert.equal(whole.headers.get("content-length"), String(bytes.length));
  assert.ok(Buffer.from(await whole.arrayBuffer()).equals(bytes));
  // HEAD: the same headers, no bytes (the object's size is asked, not its content).
  const head = await fetch(`${url}/profiles/1/avatar`, { method: "HEAD" });
  assert.equal(head.status, 200);
  assert.equal(head.headers.get("content-length"), String(bytes.length));
  assert.equal(head.headers.get("accept-ranges"), "bytes");
  assert.equal((await head.arrayBuffer()).byteLength, 0);
  const range = await fetch(`${url}/profiles/1/avatar`, { headers: { range: "bytes=5242870-5242899" } });
  assert.equal(range.status, 206);
  assert.equal(range.headers.get("content-range"), `bytes 5242870-5242899/${bytes.length}`);
  assert.ok(Buffer.from(await range.arrayBuffer()).equals(bytes.subarray(5242870, 5242900)));

  // Refused after it was stored (the handler's ERROR rolls back) and refused while streaming (too
  // large): neither leaves an object behind.
  assert.equal((await upload(url, "nobody", png(2000))).status, 409);
  assert.equal((await upload(url, "big", png(9 * 1024 * 1024))).status, 413);
  assert.deepEqual(await bucket.keys(), [`avatars/${created.body.avatar.id}`]);

  // A row whose object is gone answers 404, not a 500.
  const { S3Client, DeleteObjectCommand } = await import("@aws-sdk/client-s3");
  const client = new S3Client({ endpoint: bucket.endpoint, region: "us-east-1", forcePathStyle: true });
  await client.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: `avatars/${created.body.avatar.id}` }));
  client.destroy();
  const gone = await fetch(`${url}/profiles/1/avatar`);
  assert.equal(gone.status, 404);
  await gone.body?.cancel();
});

test("a bucket that cannot be used, or credentials in the config file, stop the app at start with one clear line", async (t) => {
  const bucket = await s3Bucket(t);
  const dir = tempApp(t, { "app.kova": APP });
  await build(dir);
  const { app } = (await import(pathToFileURL(join(dir, "dist", "app.js")).href)) as { app: Parameters<typeof startApp>[0] };
  const start = () => startApp(app, { port: 0, host: "127.0.0.1", appDir: dir, manageProcess: false, logLevel: "silent" });

  writeFileSync(join(dir, "kova.config.json"), JSON.stringify({ uploads: { s3: { bucket: "no-such-bucket", endpoint: bucket.endpoint } } }));
  await assert.rejects(start(), /uploads\.s3: bucket "no-such-bucket" at http:\/\/127\.0\.0\.1:\d+ cannot be used: it does not exist/);

  writeFileSync(join(dir, "kova.config.json"), JSON.stringify({ uploads: { s3: { bucket: BUCKET, secretAccessKey: "x" } } }));
  await assert.rejects(start(), /unknown "uploads.s3" setting "secretAccessKey".*credentials come from the environment/);

  writeFileSync(join(dir, "kova.config.json"), JSON.stringify({ uploads: { dir: "up", s3: { bucket: BUCKET } } }));
  await assert.rejects(start(), /has both "dir" and "s3"/);
});
