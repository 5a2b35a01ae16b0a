#!/usr/bin/env node
// A newcomer's first session, end to end, outside this repository (CI runs it from .ci/run):
//
//   1. pack every workspace package (scripts/pack.mjs) into a temp folder;
//   2. serve the tarballs from a local registry (scripts/local-registry.mjs): create-kova and
//      @kova/* come only from the tarballs (and `kova`, someone else's package, never comes), every other package from the public registry (or the
//      npm cache); npm uses a cache of its own under the temp folder;
//   3. in a temp folder with no node_modules above it, run the README's "Use Kova in your own
//      project" commands exactly: `npx @kova/cli init my-app`, `npm install`, `npx kova run`, create and
//      read a record over HTTP, `npx kova build`, then run dist/ from a third folder
//      (`npm install --omit=dev && node server.js`); the same with `npm create kova@latest`
//      (todo template); and `npx kova add @kova/kit-accounts`, a route on its User entity;
//   4. the bad inputs: dist/ without node_modules, a port in use, a missing driver package — one line
//      each, non-zero exit, no stack trace.
//
// Every command string below must appear in the README section (checked first), so the docs and
// this test cannot drift apart. KOVA_E2E_KEEP=1 keeps the temp folder for a look afterwards.
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { appendFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createHash } from "node:crypto";
import { createRequire } from "node:module";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { startRegistry } from "./local-registry.mjs";

const repo = new URL("..", import.meta.url).pathname;
const started = Date.now();
const log = (message) => console.log(`[newcomer ${((Date.now() - started) / 1000).toFixed(0).padStart(3)}s] ${message}`);
const failures = [];
const children = new Set();
let work;
function check(ok, message) {
  if (ok) log(`ok: ${message}`);
  else {
    failures.push(message);
    console.error(`[newcomer] FAILED: ${message}`);
  }
  return ok;
}
function fatal(message) {
  console.error(`[newcomer] FAILED: ${message}`);
  killAll();
  if (work && !process.env.KOVA_E2E_KEEP) rmSync(work, { recursive: true, force: true });
  process.exit(1);
}
/** Every command runs in a process group of its own (detached), so npx's and kova's children go too. */
function killAll() {
  for (const child of children) {
    try {
      process.kill(-child.pid, "SIGKILL");
    } catch {
      // already gone
    }
  }
  children.clear();
}

// The README's commands (section "Use Kova in your own project"), in the order a user types them.
const COMMANDS = {
  init: "npx @kova/cli init my-app",
  create: "npm create kova@latest my-app",
  createTemplate: "npm create kova@latest my-todos -- --template todo",
  cd: "cd my-app",
  install: "npm install",
  run: "npx kova run",
  add: "npx kova add @kova/kit-accounts",
  build: "npx kova build",
  distInstall: "npm install --omit=dev",
  distStart: "node server.js",
};

const readme = readFileSync(join(repo, "README.md"), "utf8");
const section = /^## Use Kova in your own project\n([\s\S]*?)(?=^## )/m.exec(readme)?.[1];
if (!section) fatal('README.md has no "## Use Kova in your own project" section');
for (const command of Object.values(COMMANDS)) {
  if (!section.split("\n").some((line) => line.replace(/\s+#.*$/, "").trim() === command)) fatal(`README's "Use Kova in your own project" section does not show \`${command}\` on a line of its own`);
}

work = mkdtempSync(join(tmpdir(), "kova-newcomer-"));
for (let at = dirname(work); ; at = dirname(at)) {
  if (existsSync(join(at, "node_modules")) || existsSync(join(at, "package.json"))) fatal(`${at} has a node_modules or package.json that would leak into the test; set TMPDIR elsewhere`);
  if (dirname(at) === at) break;
}
let registry;
async function cleanup() {
  killAll();
  await registry?.close();
  if (process.env.KOVA_E2E_KEEP) log(`kept ${work}`);
  else rmSync(work, { recursive: true, force: true });
}
process.on("SIGINT", () => cleanup().then(() => process.exit(130)));

// 1. Pack.
log(`packing into ${work}/packed`);
execFileSync(process.execPath, [join(repo, "scripts/pack.mjs"), "--out", join(work, "packed")], { stdio: ["ignore", "ignore", "inherit"] });
const packed = JSON.parse(readFileSync(join(work, "packed", "packed.json"), "utf8"));
log(`packed ${packed.map((p) => p.name).join(", ")}`);

// 2. The registry. And the SQLite binding this checkout already compiled, put in the test's npm
// cache where prebuild-install looks for a downloaded prebuilt binary, so each install does not
// compile it again for minutes (this machine cannot reach GitHub, where the prebuilt binaries are).
// If an install resolves another better-sqlite3 version, it is not found and compiles as usual.
registry = await startRegistry({ dir: join(work, "packed") });
log(`registry on ${registry.url}`);
seedBetterSqlitePrebuilt(join(work, "npm-cache"));
const env = {
  ...process.env,
  npm_config_registry: registry.url,
  npm_config_cache: join(work, "npm-cache"),
  npm_config_yes: "true", // answers npx's "Ok to proceed?" as a user at a terminal does
  npm_config_update_notifier: "false",
  npm_config_fund: "false",
  npm_config_audit: "false",
  NO_COLOR: "1",
};
for (const key of ["npm_config_prefix", "npm_package_json", "npm_lifecycle_event", "INIT_CWD", "KOVA_APP_DIR", "PORT", "HOST"]) delete env[key];

/** Runs a shell command like a user at a terminal (async: the registry serves from this process). */
async function sh(command, cwd, { allowFail = false } = {}) {
  log(`$ ${command}    (in ${cwd.replace(work, "$TMP")})`);
  const child = spawn("bash", ["-c", command], { cwd, env, stdio: ["ignore", "pipe", "pipe"], detached: true });
  children.add(child);
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d) => (stdout += d));
  child.stderr.on("data", (d) => (stderr += d));
  const timer = setTimeout(() => process.kill(-child.pid, "SIGKILL"), 600_000);
  const status = await new Promise((resolve) => child.once("close", (code, signal) => resolve(code ?? signal)));
  clearTimeout(timer);
  children.delete(child);
  if (status !== 0 && !allowFail) {
    console.error(stdout, stderr);
    fatal(`\`${command}\` exited ${status}`);
  }
  return { status, stdout, stderr };
}

function freePort() {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** Starts a server command, waits for its health route; returns { url, stop() → exit code, output() }. */
async function serve(command, cwd, port) {
  log(`$ ${command} &    (in ${cwd.replace(work, "$TMP")}, PORT=${port})`);
  const child = spawn("bash", ["-c", `exec ${command}`], { cwd, env: { ...env, PORT: String(port) }, stdio: ["ignore", "pipe", "pipe"], detached: true });
  children.add(child);
  let output = "";
  child.stdout.on("data", (d) => (output += d));
  child.stderr.on("data", (d) => (output += d));
  // "close": the command and everything that shares its output (kova run's server) have ended.
  const exited = new Promise((resolve) => child.once("close", (code, signal) => resolve(code ?? signal)));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 120_000;
  for (;;) {
    if (child.exitCode !== null) {
      console.error(output);
      fatal(`\`${command}\` exited ${child.exitCode} before serving`);
    }
    try {
      if ((await fetch(`${url}/_kova/health`)).ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      console.error(output);
      fatal(`\`${command}\` did not answer ${url}/_kova/health within 120 s`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    url,
    output: () => output,
    /** Ctrl-C, as at a terminal: SIGINT to the whole process group (npx, kova, the server). */
    async stop() {
      process.kill(-child.pid, "SIGINT");
      const code = await exited;
      children.delete(child);
      return code;
    },
  };
}

async function json(url, init) {
  const response = await fetch(url, init && { method: init.method, headers: { "content-type": "application/json" }, body: JSON.stringify(init.body) });
  const text = await response.text();
  let body;
  try {
    body = JSON.parse(text);
  } catch {
    body = text;
  }
  return { status: response.status, body };
}

/** No Node stack trace in a user's face: no "    at " frames, no "node:internal". */
const noStack = (text) => !/^\s+at .+:\d+:\d+\)?$/m.test(text) && !text.includes("node:internal");

/**
 * An app folder the server may not write (no .kova/ store): one line naming the fix. As root (CI)
 * the server runs as "nobody" through setpriv; as anyone else, the read-only folder is enough.
 */
function unwritableFolderCheck(label, dist, third) {
  const locked = join(third, "locked");
  mkdirSync(locked, { mode: 0o555 });
  let command = ["node", join(dist, "server.js")];
  if (process.getuid?.() === 0) {
    if (spawnSync("setpriv", ["--version"]).status !== 0) return log(`${label}: skipped the unwritable-folder check (root, and no setpriv)`);
    spawnSync("chmod", ["a+rX", work, third]);
    spawnSync("chmod", ["-R", "a+rX", dist]);
    command = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", ...command];
  }
  const run = spawnSync(command[0], command.slice(1), { cwd: dist, env: { ...env, PORT: "0", KOVA_APP_DIR: locked }, encoding: "utf8", timeout: 30_000 });
  check(run.status === 1 && run.stderr.trim().split("\n").length === 1 && /EACCES/.test(run.stderr) && /KOVA_APP_DIR/.test(run.stderr) && noStack(run.stderr), `${label}: an unwritable app folder → one line naming the fix (${JSON.stringify(run.stderr.trim())})`);
}

/** One app, start to finish: install, run, a record over HTTP, build, dist/ from a third folder. */
async function walkThrough(label, appDir, collection, record) {
  await sh(COMMANDS.install, appDir);
  check(!existsSync(join(appDir, "node_modules", "pg")) && !existsSync(join(appDir, "node_modules", "mysql2")) && !existsSync(join(appDir, "node_modules", "mongodb")) && !existsSync(join(appDir, "node_modules", "ioredis")), `${label}: an embedded-only app installs no pg, mysql2, mongodb or ioredis`);
  const port = await freePort();
  const server = await serve(COMMANDS.run, appDir, port);
  const created = await json(`${server.url}/${collection}`, { method: "POST", body: record });
  check(created.status === 201, `${label}: POST /${collection} → 201 (${created.status} ${JSON.stringify(created.body)})`);
  const read = await json(`${server.url}/${collection}/${created.body.id}`);
  check(read.status === 200 && read.body.title === record.title, `${label}: GET /${collection}/${created.body.id} reads it back`);
  const code = await server.stop();
  check(code === 0 || code === 130 || code === "SIGINT", `${label}: kova run stops on Ctrl-C (exit ${code})`);
  check(/shutting down: finishing in-flight requests/.test(server.output()), `${label}: the server shut down gracefully`);
  check(noStack(server.output()), `${label}: kova run printed no stack trace`);

  await sh(COMMANDS.build, appDir);
  const third = join(work, `${label}-elsewhere`);
  mkdirSync(third);
  cpSync(join(appDir, "dist"), join(third, "dist"), { recursive: true });
  const dist = join(third, "dist");
  // Moved without its node_modules: one line, the fix, exit 1.
  const bare = spawnSync("node", ["server.js"], { cwd: dist, env, encoding: "utf8" });
  check(bare.status === 1 && bare.stderr.trim().split("\n").length === 1 && bare.stderr.includes("npm install --omit=dev") && noStack(bare.stderr), `${label}: dist/ without node_modules → one line naming the fix (${JSON.stringify(bare.stderr.trim())})`);
  await sh(COMMANDS.distInstall, dist);
  // Next to another version of the runtime: one line naming the fix.
  const runtimeManifest = join(dist, "node_modules", "@kova", "runtime", "package.json");
  const original = readFileSync(runtimeManifest, "utf8");
  writeFileSync(runtimeManifest, original.replace(/"version": "[^"]+"/, '"version": "0.0.0-other"'));
  const skew = spawnSync("node", ["server.js"], { cwd: dist, env, encoding: "utf8" });
  writeFileSync(runtimeManifest, original);
  check(skew.status === 1 && skew.stderr.trim().split("\n").length === 1 && /0\.0\.0-other is installed, but this build needs/.test(skew.stderr) && noStack(skew.stderr), `${label}: dist/ next to a wrong-version runtime → one line (${JSON.stringify(skew.stderr.trim())})`);
  const distManifest = JSON.parse(readFileSync(join(dist, "package.json"), "utf8"));
  check(Object.keys(distManifest.dependencies).sort().join() === "@kova/driver-embedded,@kova/runtime", `${label}: dist/package.json pins only the runtime and the embedded driver`);
  check(!existsSync(join(dist, "node_modules", "@kova", "compiler")), `${label}: dist/ installs no compiler`);
  const distPort = await freePort();
  const distServer = await serve(COMMANDS.distStart, dist, distPort);
  const again = await json(`${distServer.url}/${collection}`, { method: "POST", body: record });
  check(again.status === 201, `${label}: dist/ from a third folder serves POST /${collection} → 201`);
  check((await json(`${distServer.url}/${collection}/${again.body.id}`)).body?.title === record.title, `${label}: dist/ from a third folder reads the record back`);
  // A second server on the same port: one line, non-zero, no stack.
  // (Another app folder, so the embedded store's lock is not what stops it.)
  const otherAppDir = join(third, "other");
  mkdirSync(otherAppDir);
  const clash = spawnSync("node", ["server.js"], { cwd: dist, env: { ...env, PORT: String(distPort), KOVA_APP_DIR: otherAppDir }, encoding: "utf8", timeout: 30_000 });
  check(clash.status !== 0 && /already in use/.test(clash.stderr) && noStack(clash.stderr), `${label}: a port in use → one line (${JSON.stringify(clash.stderr.trim())})`);
  unwritableFolderCheck(label, dist, third);
  const distCode = await distServer.stop();
  check(distCode === 0, `${label}: dist/server.js stops cleanly on Ctrl-C (exit ${distCode})`);
  return { dist };
}

try {
  // 3a. npx @kova/cli init (the CLI fetched by npx, as for someone who never installed it).
  const first = join(work, "first");
  mkdirSync(first);
  await sh(COMMANDS.init, first);
  const app = join(first, "my-app");
  const appDeps = JSON.parse(readFileSync(join(app, "package.json"), "utf8")).dependencies ?? {};
  check(appDeps["@kova/cli"] !== undefined && appDeps.kova === undefined, "kova init: package.json depends on @kova/cli (not on the npm package named kova)");
  // Skipping `npm install`: npx runs its cached @kova/cli, whose build cannot load the app's runtime.
  // (Not a README command: there, `npx kova run` comes after `npm install`, which provides the bin.)
  const skipped = await sh("npx @kova/cli run", app, { allowFail: true });
  check(skipped.status === 1 && skipped.stderr.trim().split("\n").length === 1 && /run: npm install$/.test(skipped.stderr.trim()) && noStack(skipped.stderr), `kova run before npm install → one line naming the fix (${JSON.stringify(skipped.stderr.trim())})`);
  await walkThrough("init", app, "notes", { title: "hello from a newcomer" });

  // A Kova library from the tarballs: kova add, IMPORT it, serve a route on its entity.
  const added = await sh(COMMANDS.add, app);
  check(/^kova add: added @kova\/kit-accounts@\S+ \(a Kova library for \^/m.test(added.stdout), `kova add: checked the library's Kova version (${JSON.stringify(added.stdout.trim().split("\n").at(-1))})`);
  check(JSON.parse(readFileSync(join(app, "package.json"), "utf8")).dependencies?.["@kova/kit-accounts"] !== undefined, "kova add: package.json depends on @kova/kit-accounts");
  appendFileSync(join(app, "app.kova"), '\nIMPORT "@kova/kit-accounts/accounts.kova"\n\nPOST /users VALIDATE NewUser {\n  RESPOND 201 INSERT INTO User { email: $body.email, name: $body.name }\n}\n\nGET /users/:id {\n  RESPOND SELECT id, email, name FROM User WHERE id = $id\n}\n');
  const libServer = await serve(COMMANDS.run, app, await freePort());
  const user = await json(`${libServer.url}/users`, { method: "POST", body: { email: "ada@example.com", name: "Ada" } });
  check(user.status === 201, `library: POST /users (User from @kova/kit-accounts) → 201 (${user.status} ${JSON.stringify(user.body)})`);
  check((await json(`${libServer.url}/users/${user.body?.id}`)).body?.email === "ada@example.com", "library: GET /users/:id reads it back");
  await libServer.stop();

  // The bad inputs a newcomer meets in their own project. A wrong-version runtime next to kova:
  const appRuntime = join(app, "node_modules", "@kova", "runtime", "package.json");
  const appRuntimeText = readFileSync(appRuntime, "utf8");
  writeFileSync(appRuntime, appRuntimeText.replace(/"version": "[^"]+"/, '"version": "0.0.0-other"'));
  const skewed = await sh(COMMANDS.build, app, { allowFail: true });
  writeFileSync(appRuntime, appRuntimeText);
  check(skewed.status === 1 && skewed.stderr.trim().split("\n").length === 1 && /npm install @kova\/runtime@/.test(skewed.stderr) && noStack(skewed.stderr), `wrong-version runtime → one line naming the fix (${JSON.stringify(skewed.stderr.trim())})`);
  writeFileSync(join(app, "shop.kova"), 'CONNECT main USING postgres(env("DATABASE_URL"))\n\nENTITY Item {\n  name: text\n}\n\nGET /items {\n  RESPOND SELECT * FROM Item\n}\n');
  rmSync(join(app, "app.kova"));
  const noDriver = await sh(COMMANDS.build, app, { allowFail: true });
  check(noDriver.status === 1 && noDriver.stderr.trim().split("\n").length === 1 && /@kova\/driver-postgres/.test(noDriver.stderr) && /npm install @kova\/driver-postgres/.test(noDriver.stderr) && noStack(noDriver.stderr), `missing driver → names the package to install (${JSON.stringify(noDriver.stderr.trim())})`);

  // 3b. npm create kova@latest, with the todo template.
  const second = join(work, "second");
  mkdirSync(second);
  await sh(COMMANDS.createTemplate, second);
  await walkThrough("create", join(second, "my-todos"), "todos", { title: "buy milk" });
  // And the default starter, created and checked (its install and run are the same as kova init's).
  await sh(COMMANDS.create, second);
  check(existsSync(join(second, "my-app", "app.kova")) && existsSync(join(second, "my-app", "package.json")), "npm create kova@latest my-app writes app.kova and package.json");
} catch (error) {
  failures.push(String(error?.stack ?? error));
  console.error(error);
}
await cleanup();
if (failures.length > 0) {
  console.error(`[newcomer] ${failures.length} check(s) failed:\n  ${failures.join("\n  ")}`);
  process.exit(1);
}
log("all checks passed");

/** Puts this checkout's compiled better-sqlite3 binary into CACHE/_prebuilds as prebuild-install names it. */
function seedBetterSqlitePrebuilt(cache) {
  const root = join(repo, "node_modules", "better-sqlite3");
  const binary = join(root, "build", "Release", "better_sqlite3.node");
  if (!existsSync(binary)) return;
  const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
  const github = createRequire(join(repo, "node_modules", "prebuild-install", "util.js"))("github-from-package");
  const file = `better-sqlite3-v${pkg.version}-node-v${process.versions.modules}-${process.platform}-${process.arch}.tar.gz`;
  const url = `${github(pkg)}/releases/download/v${pkg.version}/${file}`;
  const digest = createHash("sha512").update(url).digest("hex").slice(0, 6);
  mkdirSync(join(cache, "_prebuilds"), { recursive: true });
  execFileSync("tar", ["-czf", join(cache, "_prebuilds", `${digest}-${file.replace(/[^a-zA-Z0-9.]+/g, "-")}`), "-C", root, "build/Release/better_sqlite3.node"]);
  log(`seeded the npm cache with better-sqlite3 ${pkg.version}'s binary from this checkout`);
}
