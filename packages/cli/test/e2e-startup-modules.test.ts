// End-to-end: a compiled app loads only the runtime features it uses (issue 25 item 4, start-up).
// Every module Node loads costs resolution, a read and a compile at start; the generated server
// imports @kova/runtime/serve, and startApp loads GraphQL, gRPC, tasks, … with import() when the
// app or its kova.config.json uses them. An ESM load hook records every module the server loads.
import { test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { EXAMPLES, build, freePort, request, spawnNode, tempApp, waitForHealth } from "./e2e/harness.js";

/** Starts the built app with a load hook; resolves with the URLs of the modules it loaded up to its first answers. */
async function loadedModules(t: TestContext, dir: string, env: Record<string, string> = {}): Promise<string[]> {
  const log = join(dir, "loaded.txt");
  writeFileSync(log, "");
  const hooks = join(dir, "log-hooks.mjs");
  writeFileSync(hooks, `import { appendFileSync } from "node:fs";\nexport async function load(url, context, next) {\n  appendFileSync(${JSON.stringify(log)}, url + "\\n");\n  return next(url, context);\n}\n`);
  const register = join(dir, "log-register.mjs");
  writeFileSync(register, `import { register } from "node:module";\nregister(${JSON.stringify(pathToFileURL(hooks).href)});\n`);
  const port = await freePort();
  const child = spawnNode(t, ["--import", pathToFileURL(register).href, join(dir, "dist", "server.js")], { env: { PORT: String(port), HOST: "127.0.0.1", ...env } });
  const url = `http://127.0.0.1:${port}`;
  await waitForHealth(url, child);
  assert.equal((await request(`${url}/todos`)).status, 200);
  child.signal("SIGTERM");
  await child.exited;
  return readFileSync(log, "utf8").split("\n").filter((line) => line !== "");
}

/**
 * The modules those URLs hold: a file of the bundle (dist/server/, see build/bundle-server.ts)
 * holds several, each headed by esbuild with a `// <path of the module>` line; any other file is
 * the one module.
 */
function modulesIn(urls: string[]): string[] {
  return urls.flatMap((url) => {
    if (!/\/dist\/server\/.*\.js$/.test(url)) return [url];
    const text = readFileSync(new URL(url), "utf8");
    return [url, ...[...text.matchAll(/^\/\/ (\S+\.(?:m?js|cjs|json))$/gm)].map((m) => m[1])];
  });
}

const runtimeModule = (urls: string[], path: string): boolean => modulesIn(urls).some((u) => u.includes(`/runtime/dist/src/${path}`));

// Proves the todo example (embedded store, no GraphQL, gRPC, tasks, caches, sockets, metrics)
// loads none of those features, nor the package index that re-exports all of them.
// Bundled (the default) and not (kova build --no-bundle), the same modules are loaded or not.
for (const bundle of [true, false]) {
  test(`the todo app loads no runtime feature it does not use (${bundle ? "bundled" : "--no-bundle"})`, async (t) => {
    const dir = tempApp(t, join(EXAMPLES, "todo"));
    await build(dir, { bundle });
    const urls = await loadedModules(t, dir);
    assert.equal(urls.some((u) => u.includes("/dist/server/")), bundle, "the bundle is what runs, when there is one");
    // serve.js only re-exports: the bundle holds no code of its own for it.
    if (!bundle) assert.ok(runtimeModule(urls, "serve.js"), "the slim entry is loaded");
    assert.ok(runtimeModule(urls, "start.js") && runtimeModule(urls, "server.js"), "what serves the app is loaded");
    // The default HTTP layer for plain HTTP: the fast one.
    assert.ok(runtimeModule(urls, "http-fast/server.js"), "the fast HTTP layer serves by default");
    for (const unused of ["index.js", "graphql/", "grpc/", "tasks/task-runtime.js", "changes/start.js", "cache/cache-runtime.js", "ops/metrics.js", "ops/metrics-server.js", "ops/tls.js", "fastify-plugin.js", "testing/", "realtime/socket-server.js", "realtime/sse.js", "outbound/fetch-json.js", "uploads/multipart.js"]) {
      assert.ok(!runtimeModule(urls, unused), `runtime/dist/src/${unused} is not loaded by an app that does not use it`);
    }
  });
}

// Proves the server loads its runtime from the bundle kova build wrote: a few files of dist/server/
// instead of some two hundred modules, and from node_modules only the native SQLite binding.
test("the built server loads the bundled runtime: few files, only native modules from node_modules", async (t) => {
  const dir = tempApp(t, join(EXAMPLES, "todo"));
  await build(dir);
  const urls = await loadedModules(t, dir);
  const files = urls.filter((u) => u.startsWith("file:"));
  assert.ok(files.some((u) => u.endsWith("/dist/server/runtime.js")) && files.some((u) => u.endsWith("/dist/server/app.js")), files.join("\n"));
  assert.ok(files.length < 45, `${files.length} files loaded:\n${files.join("\n")}`);
  const fromPackages = files.filter((u) => u.includes("/node_modules/") || u.includes("/packages/"));
  assert.deepEqual(fromPackages.filter((u) => !u.includes("/node_modules/better-sqlite3/")), [], "only the native binding is loaded from node_modules");
});

// Proves the HTTP layer follows the configuration: KOVA_HTTP=node leaves the fast layer unloaded.
test("the configured HTTP layer is the one loaded: KOVA_HTTP=node does not load the fast layer", async (t) => {
  const dir = tempApp(t, join(EXAMPLES, "todo"));
  await build(dir, { bundle: false });
  const urls = await loadedModules(t, dir, { KOVA_HTTP: "node" });
  assert.ok(!runtimeModule(urls, "http-fast/"), "node:http serves: the fast layer is not loaded");
  assert.ok(runtimeModule(urls, "server.js") && !runtimeModule(urls, "graphql/"), "and nothing else that is not asked for");
});
