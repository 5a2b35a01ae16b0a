import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { basename, dirname, join, relative, resolve } from "node:path";
import { checkFiles, emitApp, findKovaFiles, type CheckResult, type Diagnostic } from "@kova/compiler";
import type { CompiledQuery, EntitySchema, QueryPlan } from "@kova/query";
import { sqliteDialect } from "@kova/driver-embedded";
import { cliVersion } from "../version.js";

/** Dialects available at build time, by driver name. Later drivers add theirs here. */
const DIALECTS: Readonly<Record<string, { compile: (plan: QueryPlan, entities: ReadonlyMap<string, EntitySchema>) => CompiledQuery; pkg: string }>> = {
  embedded: { compile: (p, e) => sqliteDialect.compile(p, e), pkg: "@kova/driver-embedded" },
  sqlite: { compile: (p, e) => sqliteDialect.compile(p, e), pkg: "@kova/driver-embedded" },
};

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
export function buildApp(options: BuildOptions): BuildResult {
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
  const outputFile = join(outDir, "app.js");
  let emitted;
  try {
    emitted = emitApp(model, {
      appName: basename(appDir),
      outputFile,
      sourcePath: (file) => relative(outDir, file),
      sourceText: (file) => readFileSync(file, "utf8"),
      moduleSpecifier: (fromFile, module) => (isRelative(module) ? "./" + relative(appDir, join(dirname(fromFile), module)).split("\\").join("/") : module),
      compileQuery: (plan, driver, entities) => {
        const dialect = DIALECTS[driver];
        if (!dialect) throw new UnsupportedDriver(driver);
        return dialect.compile(plan, entities);
      },
    });
  } catch (error) {
    if (error instanceof UnsupportedDriver) return fail(`the ${error.driver} driver is not available in this release of Kova yet (available: ${Object.keys(DIALECTS).join(", ")})`);
    throw error;
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
  const driverPackages = [...new Set(emitted.drivers.map((d) => DIALECTS[d].pkg))];
  writeFileSync(join(outDir, "server.js"), serverModule(driverPackages));
  writeFileSync(join(outDir, "package.json"), JSON.stringify(distPackage(basename(appDir), driverPackages), null, 2) + "\n");
  const routes = model.endpoints.map((e) => ({ method: e.decl.method, path: e.decl.path.text }));
  return { ok: true, check, errors, appDir, outDir, routes, ms: performance.now() - started };
}

class UnsupportedDriver extends Error {
  constructor(readonly driver: string) {
    super(driver);
  }
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
const { startApp } = await import("@kova/runtime");
const { app } = await import("./app.js");
const appDir = process.env.KOVA_APP_DIR ?? fileURLToPath(new URL("..", import.meta.url));
await startApp(app, { appDir });
`;
}

function distPackage(name: string, driverPackages: string[]): object {
  const dependencies: Record<string, string> = { "@kova/runtime": cliVersion() };
  for (const p of driverPackages) dependencies[p] = cliVersion();
  return { name: `${name}-server`, private: true, type: "module", main: "server.js", scripts: { start: "node server.js" }, dependencies };
}
