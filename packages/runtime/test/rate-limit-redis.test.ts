/**
 * Issue 14: one rate-limit budget shared by two real app processes through Redis. Each process is
 * started by `startApp` (the generated server.js path) with a `CONNECT cache USING redis(…)` data
 * source, which is where the app's Redis is configured; neither knows about the other.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { fork, type ChildProcess } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { Redis } from "ioredis";
import { send } from "./security-helpers.js";

const REDIS_URL = process.env.KOVA_TEST_REDIS_URL ?? "redis://127.0.0.1:6379";
const runtimeEntry = pathToFileURL(fileURLToPath(new URL("../src/index.js", import.meta.url))).href;
const prefix = `kova-test-rl-${randomUUID()}:`;
const children: ChildProcess[] = [];
let dir: string;

function appSource(store: string | undefined): string {
  return `
import { startApp } from ${JSON.stringify(runtimeEntry)};
const app = {
  name: "shared-limit",
  env: [],
  dataSources: [{ name: "cache", driver: "redis", options: () => ({ url: ${JSON.stringify(REDIS_URL)}, keyPrefix: ${JSON.stringify(prefix)} }), entities: [] }],
  routes: [{ method: "GET", path: "/limited", params: [], rateLimit: { limit: 4, windowMs: 60000, key: { by: "ip" } }, handler: () => ({ body: { pid: process.pid } }) }],
};
startApp(app${store === undefined ? "" : `, { appDir: ${JSON.stringify(store)} }`});
`;
}

/** Starts one app process and resolves with its URL once it listens. */
function startProcess(file: string, cwd: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = fork(file, [], { cwd, env: { ...process.env, PORT: "0", HOST: "127.0.0.1", KOVA_NOTIFY_LISTENING: "1", KOVA_LOG_LEVEL: "warn" }, stdio: ["ignore", "ignore", "pipe", "ipc"] });
    children.push(child);
    let stderr = "";
    child.stderr?.on("data", (c: Buffer) => (stderr += c.toString()));
    child.on("message", (m: { kova?: string; url?: string }) => {
      if (m.kova === "listening" && m.url !== undefined) resolve(m.url);
    });
    child.once("exit", (code) => reject(new Error(`app process exited (${code}): ${stderr}`)));
  });
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), "kova-rl-"));
  writeFileSync(join(dir, "app.mjs"), appSource(undefined));
});

after(async () => {
  for (const child of children) child.kill("SIGTERM");
  const redis = new Redis(REDIS_URL);
  const keys = await redis.keys(`${prefix}*`);
  if (keys.length > 0) await redis.del(...keys);
  await redis.quit();
});

test("two processes sharing Redis spend one budget: the 5th request is refused by whichever gets it", async () => {
  const [a, b] = await Promise.all([startProcess(join(dir, "app.mjs"), dir), startProcess(join(dir, "app.mjs"), dir)]);
  assert.notEqual(a, b);
  const seen: Array<[string, number, string | undefined]> = [];
  for (const base of [a, b, a, b]) {
    const res = await send(base, "GET", "/limited");
    seen.push([base === a ? "a" : "b", res.status, res.headers["ratelimit-remaining"] as string | undefined]);
  }
  assert.deepEqual(seen, [["a", 200, "3"], ["b", 200, "2"], ["a", 200, "1"], ["b", 200, "0"]]);
  for (const base of [a, b]) {
    const res = await send(base, "GET", "/limited");
    assert.equal(res.status, 429, `process ${base === a ? "a" : "b"} knows the budget is spent`);
    assert.equal(res.json?.type, "urn:kova:problem:rate-limited");
    assert.ok(Number(res.headers["retry-after"]) >= 1);
  }
  // The budget lives in Redis under the data source's key prefix, one key per client.
  const redis = new Redis(REDIS_URL);
  try {
    const keys = await redis.keys(`${prefix}kova:ratelimit:*`);
    assert.equal(keys.length, 1, keys.join(", "));
    assert.ok((await redis.pttl(keys[0])) > 0, "the key expires by itself");
  } finally {
    await redis.quit();
  }
});

test("rateLimitStore: \"memory\" keeps each process to its own budget", async () => {
  const own = mkdtempSync(join(tmpdir(), "kova-rl-mem-"));
  writeFileSync(join(own, "kova.config.json"), JSON.stringify({ rateLimitStore: "memory" }));
  writeFileSync(join(own, "app.mjs"), appSource(own));
  const [a, b] = await Promise.all([startProcess(join(own, "app.mjs"), own), startProcess(join(own, "app.mjs"), own)]);
  for (const base of [a, b]) {
    for (let i = 0; i < 4; i++) assert.equal((await send(base, "GET", "/limited")).status, 200);
    assert.equal((await send(base, "GET", "/limited")).status, 429);
  }
});
