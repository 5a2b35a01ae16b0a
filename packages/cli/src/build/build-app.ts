import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { basename, dirname, join, relative, resolve } from "node:path";
import { checkFiles, dataSources, emitApp, findKovaFiles, type CheckResult, type Diagnostic } from "@kova/compiler";
import { DRIVER_PACKAGES, loadDriverPackage, type Dialect } from "@kova/query";
import { distPackage, serverModule } from "../dist-files.js";

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
