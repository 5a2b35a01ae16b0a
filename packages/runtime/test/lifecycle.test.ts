import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { startApp, StartupError, type AppDefinition } from "../src/index.js";
import { memoryDrivers, userEntity } from "./test-app.js";

const runtimeEntry = fileURLToPath(new URL("../src/index.js", import.meta.url));

/** A generated-style server.js: the app as data, then startApp(app). */
function writeServerScript(dir: string, appSource: string): string {
  const path = join(dir, "server.mjs");
  writeFileSync(path, `import { startApp } from ${JSON.stringify(runtimeEntry)};\nconst app = ${appSource};\nstartApp(app);\n`);
  return path;
}

function run(script: string, cwd: string, env: NodeJS.ProcessEnv): { child: ChildProcess; stdout: () => string; stderr: () => string; exit: Promise<number | null> } {
  const child = spawn(process.execPath, [script], { cwd, env, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  let err = "";
  child.stdout!.setEncoding("utf8").on("data", (c: string) => (out += c));
  child.stderr!.setEncoding("utf8").on("data", (c: string) => (err += c));
  const exit = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  return { child, stdout: () => out, stderr: () => err, exit };
}

async function waitFor<T>(probe: () => T | undefined, what: string, ms = 5000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const childEnv = (extra: Record<string, string> = {}): NodeJS.ProcessEnv => {
  const env = { ...process.env, ...extra };
  delete env.PORT;
  return env;
};

describe("process lifecycle", () => {
  test("SIGTERM lets the in-flight request finish, refuses new connections and exits 0", async () => {
    const dir = mkdtempSync(join(tmpdir(), "kova-drain-"));
    writeFileSync(join(dir, "kova.config.json"), JSON.stringify({ port: 0 }));
    const script = writeServerScript(dir, `{
      name: "drain", env: [], dataSources: [],
      routes: [
        { method: "GET", path: "/slow", params: [], handler: async () => {
            await new Promise((r) => setTimeout(r, 500));
            return { body: { done: true, pad: "x".repeat(200000) } };
        } },
        { method: "GET", path: "/fast", params: [], handler: () => ({ body: { ok: true } }) },
      ],
    }`);
    const proc = run(script, dir, childEnv({ KOVA_LOG_LEVEL: "info" }));
    try {
      const url = await waitFor(() => /listening on (http:\/\/[\d.:]+)/.exec(proc.stdout())?.[1], "the listening line");
      assert.equal(proc.stdout().trim().split("\n").length, 1, "start-up prints only the listening line");

      const slow = fetch(`${url}/slow`).then(async (res) => ({ status: res.status, connection: res.headers.get("connection"), body: (await res.json()) as { done: boolean; pad: string } }));
      await new Promise((r) => setTimeout(r, 150));
      proc.child.kill("SIGTERM");
      await new Promise((r) => setTimeout(r, 100));
      await assert.rejects(fetch(`${url}/fast`), (error: { cause?: { code?: string } }) => {
        assert.equal(error.cause?.code, "ECONNREFUSED", "new connections are refused while draining");
        return true;
      });

      const answered = await slow;
      assert.equal(answered.status, 200);
      assert.equal(answered.body.done, true);
      assert.equal(answered.body.pad.length, 200000);
      assert.equal(answered.connection, "close");
      assert.equal(await proc.exit, 0);
      assert.equal(proc.stderr(), "");
    } finally {
      proc.child.kill("SIGKILL");
    }
  });

  test("missing required env exits 1 naming every missing variable, without a stack trace", async () => {
    const dir = mkdtempSync(join(tmpdir(), "kova-env-"));
    const script = writeServerScript(dir, `{
      name: "needs-env", dataSources: [], routes: [],
      env: [{ name: "KOVA_TEST_DATABASE_URL" }, { name: "KOVA_TEST_API_KEY" }, { name: "KOVA_TEST_OPTIONAL", default: "x" }, { name: "KOVA_TEST_GIVEN" }],
    }`);
    const proc = run(script, dir, childEnv({ KOVA_TEST_GIVEN: "yes" }));
    assert.equal(await proc.exit, 1);
    const err = proc.stderr();
    assert.match(err, /missing required environment variables: KOVA_TEST_DATABASE_URL, KOVA_TEST_API_KEY\b/);
    assert.doesNotMatch(err, /KOVA_TEST_OPTIONAL|KOVA_TEST_GIVEN/);
    assert.doesNotMatch(err, /^\s+at /m);
    assert.equal(err.trim().split("\n").length, 1);
    assert.equal(proc.stdout(), "");
  });
});

describe("startApp configuration", () => {
  const app = (env: AppDefinition["env"], driver = "memory"): AppDefinition => ({
    name: "configured",
    env,
    dataSources: [{ name: "db", driver, options: (e) => ({ url: e.STORE_URL }), entities: [userEntity] }],
    routes: [{ method: "GET", path: "/env", params: [], handler: (ctx) => ({ body: ctx.env }) }],
  });

  test(".env fills in what the real environment lacks; kova.config.json sets the host", async () => {
    const dir = mkdtempSync(join(tmpdir(), "kova-config-"));
    writeFileSync(join(dir, ".env"), "STORE_URL=from-dotenv\nSECRET=from-dotenv\n");
    writeFileSync(join(dir, "kova.config.json"), JSON.stringify({ host: "127.0.0.1", port: 1 }));
    const running = await startApp(app([{ name: "STORE_URL" }, { name: "SECRET" }, { name: "MODE", default: "dev" }]), {
      appDir: dir, port: 0, env: { SECRET: "from-env" }, logLevel: "silent", manageProcess: false,
    });
    try {
      assert.match(running.url, /^http:\/\/127\.0\.0\.1:\d+$/);
      const res = await fetch(`${running.url}/env`);
      assert.deepEqual(await res.json(), { STORE_URL: "from-dotenv", SECRET: "from-env", MODE: "dev" });
      assert.equal(memoryDrivers.get("db")!.connected, true);
    } finally {
      await running.close();
    }
    assert.equal(memoryDrivers.get("db")!.closed, true);
  });

  test("an unknown driver is a clear start-up error", async () => {
    const dir = mkdtempSync(join(tmpdir(), "kova-driver-"));
    await assert.rejects(
      startApp(app([], "nosuchdb"), { appDir: dir, port: 0, env: {}, logLevel: "silent", manageProcess: false }),
      (error: unknown) => {
        assert.ok(error instanceof StartupError);
        assert.match(error.message, /data source "db" uses driver "nosuchdb", which is not available\. Install @kova\/driver-nosuchdb or use one of: .*memory/);
        return true;
      },
    );
  });

  test("a bad kova.config.json is reported with its path", async () => {
    const dir = mkdtempSync(join(tmpdir(), "kova-badconfig-"));
    writeFileSync(join(dir, "kova.config.json"), JSON.stringify({ prot: 3000 }));
    await assert.rejects(
      startApp(app([]), { appDir: dir, env: {}, logLevel: "silent", manageProcess: false }),
      /kova\.config\.json: unknown setting "prot"/,
    );
  });
});
