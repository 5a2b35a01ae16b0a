// What `kova build` writes next to the app so dist/ runs on its own, and what `--docker` adds.
// No container runtime runs in CI, so the Dockerfile is checked line by line for what matters.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { distPackage, dockerfile, dockerignore, HEALTH_PATH, serverModule } from "../src/dist-files.js";
import { kovaInstallProblems, withInstallHint } from "../src/installed.js";
import { cliVersion } from "../src/version.js";
import { kova, tempProject, VALID_PROGRAM } from "./helpers.js";

test("dist/package.json pins the runtime and the drivers used to this Kova's version, nothing else", () => {
  const v = cliVersion();
  const manifest = distPackage("shop", ["@kova/driver-embedded"]) as { dependencies: Record<string, string>; allowScripts?: object; scripts: object };
  assert.deepEqual(manifest.dependencies, { "@kova/runtime": v, "@kova/driver-embedded": v });
  assert.deepEqual(manifest.allowScripts, { "better-sqlite3": true });
  assert.deepEqual(manifest.scripts, { start: "node server.js" });
  const pg = distPackage("shop", ["@kova/driver-postgres"]) as { dependencies: Record<string, string>; allowScripts?: object };
  assert.deepEqual(Object.keys(pg.dependencies), ["@kova/runtime", "@kova/driver-postgres"]);
  assert.equal(pg.allowScripts, undefined, "no SQLite binding to allow without the embedded store");
});

test("the Dockerfile is multi-stage, runs as a non-root user, checks the health route and stops on SIGTERM", () => {
  const text = dockerfile({ driverPackages: ["@kova/driver-embedded"] });
  const instructions = text.split("\n").filter((l) => l.trim() !== "" && !l.startsWith("#"));
  const froms = instructions.filter((l) => l.startsWith("FROM "));
  assert.equal(froms.length, 2, "two stages");
  assert.match(froms[0], /^FROM node:20-\S+ AS deps$/);
  assert.ok(instructions.includes("COPY --from=deps /app/node_modules ./node_modules"), "the runtime stage takes only the installed modules");
  assert.ok(instructions.some((l) => /^RUN npm install --omit=dev\b/.test(l)), "installs only production dependencies");
  const user = instructions.findIndex((l) => l === "USER node");
  const cmd = instructions.findIndex((l) => l.startsWith("CMD "));
  assert.ok(user > instructions.indexOf(froms[1]) && user < cmd, "USER node in the final stage, before CMD");
  assert.equal(instructions[instructions.length - 1], 'CMD ["node", "server.js"]', "exec form: node is PID 1 and receives SIGTERM");
  assert.ok(instructions.includes("STOPSIGNAL SIGTERM"));
  const health = instructions.find((l) => l.startsWith("HEALTHCHECK "));
  assert.ok(health?.includes(HEALTH_PATH), health);
  assert.equal(HEALTH_PATH, "/_kova/health");
  // The HEALTHCHECK's command is valid JSON (exec form) and valid JavaScript.
  const exec = JSON.parse(health!.slice(health!.indexOf("CMD ") + 4)) as string[];
  assert.equal(exec[0], "node");
  assert.equal(exec[1], "-e");
  assert.doesNotThrow(() => new Function(exec[2]), "the health probe parses");
  assert.ok(instructions.includes("ENV NODE_ENV=production HOST=0.0.0.0 PORT=3000 KOVA_APP_DIR=/app"), "listens on all interfaces inside the container");
  assert.ok(instructions.includes("RUN mkdir -p /app/.kova && chown node:node /app/.kova"), "the embedded store is writable by the app's user");
  assert.ok(instructions.includes('VOLUME ["/app/.kova"]'));
  const noStore = dockerfile({ driverPackages: ["@kova/driver-postgres"] });
  assert.ok(!noStore.includes("VOLUME"), "no volume without the embedded store");
  const ignored = dockerignore().split("\n");
  for (const entry of ["node_modules", ".kova", ".env"]) assert.ok(ignored.includes(entry), entry);
});

test("kova build --docker writes the Dockerfile and .dockerignore into dist/", () => {
  const dir = tempProject({ "app.kova": VALID_PROGRAM });
  const result = kova(["build", "--docker", dir]);
  assert.equal(result.status, 0, result.stderr);
  assert.equal(readFileSync(join(dir, "dist", "Dockerfile"), "utf8"), dockerfile({ driverPackages: ["@kova/driver-embedded"] }));
  assert.ok(existsSync(join(dir, "dist", ".dockerignore")));
  assert.match(result.stdout, /docker build -t /);
});

test("dist/server.js copied without node_modules says what to run, in one line, and exits 1", () => {
  const dir = tempProject({ "server.js": serverModule(["@kova/driver-embedded"]), "package.json": '{"type":"module"}' });
  const result = spawnSync(process.execPath, [join(dir, "server.js")], { encoding: "utf8", cwd: dir });
  assert.equal(result.status, 1);
  assert.equal(result.stderr, `kova: @kova/runtime is not installed next to this build; run: cd ${dir} && npm install --omit=dev\n`);
});

test("a wrong-version runtime or driver, or a missing driver, is one line naming the npm command", () => {
  const v = cliVersion();
  const installed: Record<string, string> = { "@kova/runtime": v, "@kova/compiler": v, "@kova/query": v, "@kova/driver-embedded": v, "@kova/driver-postgres": "9.9.9" };
  const problems = kovaInstallProblems(v, (name) => (name in installed ? { found: true, version: installed[name] } : { found: false }));
  assert.deepEqual(problems, [`@kova/driver-postgres 9.9.9 is installed, but kova ${v} needs @kova/driver-postgres@${v}; run: npm install @kova/driver-postgres@${v}`]);
  delete installed["@kova/runtime"];
  installed["@kova/driver-postgres"] = v;
  assert.deepEqual(kovaInstallProblems(v, (name) => (name in installed ? { found: true, version: installed[name] } : { found: false })), [
    `@kova/runtime is not installed (it comes with @kova/cli); run: npm install @kova/cli@${v}`,
  ]);
  assert.deepEqual(kovaInstallProblems(), [], "this checkout is consistent");
  assert.equal(
    withInstallHint("no installed driver package provides 'postgres' (@kova/driver-postgres)", "1.2.3"),
    "no installed driver package provides 'postgres' (@kova/driver-postgres); run: npm install @kova/driver-postgres@1.2.3",
  );
});

test("bin/kova.js with a package of kova's missing says which and how to reinstall, without a stack", () => {
  const dir = tempProject({
    "bin/kova.js": readFileSync(new URL("../../bin/kova.js", import.meta.url), "utf8"),
    "dist/src/main.js": 'import "@kova/compiler-that-is-not-there";\n',
    "package.json": '{"type":"module"}',
  });
  const result = spawnSync(process.execPath, [join(dir, "bin", "kova.js"), "build"], { encoding: "utf8", cwd: dir, env: { ...process.env, KOVA_DEBUG: "" } });
  assert.equal(result.status, 1);
  assert.equal(result.stderr, "kova: @kova/compiler-that-is-not-there is not installed; reinstall kova in this project: npm install @kova/cli\n");
});
