import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { basename, dirname, join, relative, resolve } from "node:path";
import { checkFiles, dataSources, emitApp, findKovaFiles, type CheckResult, type Diagnostic } from "@kova/compiler";
import { DRIVER_PACKAGES, loadDriverPackage, type Dialect } from "@kova/query";
import { cliVersion } from "../version.js";

/**
 * Each driver package exports one `driverPackage`; `kova build` loads the one of every driver a
 * program names (loadDriverPackage over DRIVER_PACKAGES) and compiles the program's queries with its
 * dialect. Adding a driver is adding a package: nothing here changes.
 */
export { DRIVER_PACKAGES };

type DialectTable = Record<string, Dialect>;

/** Loads the dialects of the drivers named; a driver whose package is not installed is reported, not thrown. */
async function loadDialects(drivers: string[]): Promise<{ dialects: DialectTable; missing: string[] }> {
  const dialects: DialectTable = {};
  const missing: string[] = [];
  for (const driver of new Set(drivers)) {
    try {
      dialects[driver] = (await loadDriverPackage(driver)).dialect;
    } catch {
      missing.push(driver);
    }
  }
  return { dialects, missing };
}

export interface BuildOptions {
  /** A .kova file, or a folder holding one program (its root file is the one nothing imports). */
  entry: string;
  /** Default: `<app folder>/dist`. */
  outDir?: string;
}

export interface BuildResult {
  ok: boolean;
  check: CheckResult;
  /** Problems beyond the checker's (several programs in one folder, a driver with no dialect yet). */
  errors: string[];
  appDir: string;
  outDir: string;
  routes: Array<{ method: string; path: string }>;
  ms: number;
}

/**
 * `kova build`: check the program, emit `dist/app.js` (+ source map), `dist/server.js` and a
 * `dist/package.json` listing only the runtime and the drivers the program uses, and copy the JS
 * modules it imports. The output starts with plain `node dist/server.js`; no compiler is loaded.
 */
export async function buildApp(options: BuildOptions): Promise<BuildResult> {
  const started = performance.now();
  const entry = resolve(options.entry);
  const errors: string[] = [];
  const isDir = existsSync(entry) && statSync(entry).isDirectory();
  const appDir = isDir ? entry : dirname(entry);
  const outDir = resolve(options.outDir ?? join(appDir, "dist"));
  const files = isDir ? findKovaFiles([entry]).files : [entry];
  const check = checkFiles(files);
  const fail = (message?: string): BuildResult => {
    if (message) errors.push(message);
    return { ok: false, check, errors, appDir, outDir, routes: [], ms: performance.now() - started };
  };
  if (files.length === 0) return fail(`no .kova files in ${entry}`);
  if (check.diagnostics.some((d: Diagnostic) => d.severity === "error")) return fail();
  if (check.programs.length !== 1) {
    return fail(`${entry} holds ${check.programs.length} separate programs (${check.programs.map((p) => relative(appDir, p.root)).join(", ")}); build one at a time, or IMPORT one from the other`);
  }
  const program = check.programs[0];
  const model = program.model;
  const { dialects, missing } = await loadDialects(dataSources(model).map((s) => s.driver));
  if (missing.length > 0) {
    return fail(`no installed driver package provides ${missing.map((d) => `'${d}' (${DRIVER_PACKAGES[d]})`).join(", ")}`);
  }
  const outputFile = join(outDir, "app.js");
  let emitted: ReturnType<typeof emitApp>;
  try {
    emitted = emitApp(model, {
      appName: basename(appDir),
      outputFile,
      sourcePath: (file) => relative(outDir, file),
      displayPath: (file) => relative(appDir, file),
      sourceText: (file) => readFileSync(file, "utf8"),
      moduleSpecifier: (fromFile, module) => (isRelative(module) ? "./" + relative(appDir, join(dirname(fromFile), module)).split("\\").join("/") : module),
      compileQuery: (plan, driver, entities) => dialects[driver].compile(plan, entities),
    });
  } catch (error) {
    // A dialect refuses a query it cannot run (e.g. a range scan on a key-value store).
    return fail(error instanceof Error ? error.message : String(error));
  }

  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  writeFileSync(outputFile, emitted.code);
  writeFileSync(`${outputFile}.map`, emitted.sourceMap);
  for (const m of emitted.modules) {
    if (!isRelative(m.module)) continue;
    const source = join(dirname(m.fromFile), m.module);
    const target = join(outDir, relative(appDir, source));
    mkdirSync(dirname(target), { recursive: true });
    copyFileSync(source, target);
  }
  const driverPackages = [...new Set(emitted.drivers.map((d) => DRIVER_PACKAGES[d]))];
  writeFileSync(join(outDir, "server.js"), serverModule(driverPackages));
  writeFileSync(join(outDir, "package.json"), JSON.stringify(distPackage(basename(appDir), driverPackages), null, 2) + "\n");
  const routes = model.endpoints.map((e) => ({ method: e.decl.method, path: e.decl.path.text }));
  return { ok: true, check, errors, appDir, outDir, routes, ms: performance.now() - started };
}

function isRelative(module: string): boolean {
  return module.startsWith("./") || module.startsWith("../");
}

/**
 * The entry point. Source maps are switched on before the app module loads, so a stack trace
 * through a handler names the `.kova` file and line. The app folder (for `.env`, `kova.config.json`
 * and the embedded store's `.kova/`) is the parent of `dist/` unless KOVA_APP_DIR says otherwise.
 */
function serverModule(driverPackages: string[]): string {
  return `#!/usr/bin/env node
// Generated by Kova. Start the app with: node dist/server.js
import { fileURLToPath } from "node:url";
process.setSourceMapsEnabled(true);
${driverPackages.map((p) => `await import(${JSON.stringify(p)});`).join("\n")}
const { startApp, runClustered } = await import("@kova/runtime");
const { app } = await import("./app.js");
const appDir = process.env.KOVA_APP_DIR ?? fileURLToPath(new URL("..", import.meta.url));
// KOVA_WORKERS=N (kova run --workers N) runs N processes on the port, one per core.
await runClustered({ workers: Number(process.env.KOVA_WORKERS ?? 1), start: () => startApp(app, { appDir }) });
`;
}

function distPackage(name: string, driverPackages: string[]): object {
  const dependencies: Record<string, string> = { "@kova/runtime": cliVersion() };
  for (const p of driverPackages) dependencies[p] = cliVersion();
  return { name: `${name}-server`, private: true, type: "module", main: "server.js", scripts: { start: "node server.js" }, dependencies };
}
