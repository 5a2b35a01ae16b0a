import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { basename, dirname, join, relative, resolve } from "node:path";
import { sortDiagnostics, type Diagnostic } from "../diagnostics/diagnostic.js";
import { apiVersions, openApiDocument, versionDocumentFile, type OpenApiOptions } from "../emit/api/openapi.js";
import { emitApp } from "../emit/js/emit-app.js";
import { emitProto } from "../emit/proto/index.js";
import { lower } from "../ir/lower.js";
import type { AppModel } from "../ir/nodes.js";
import { checkFiles, type CheckResult } from "../project/check-project.js";
import { findKovaFiles, nodeHost } from "../project/node-host.js";
import type { CompilerHost } from "../project/host.js";
import { compilePlans } from "./compile-plans.js";
import type { Routine } from "../emit/plpgsql/index.js";
import { compileBytecode } from "../emit/bytecode/compile.js";
import type { BytecodeProgram } from "../emit/bytecode/program.js";
import { TEST_FILE_SUFFIX } from "../checker/tests.js";
import { describeMissing, loadDialects } from "./dialects.js";
import { copyModules, isRelativeModule, modulePathInDist } from "./write-modules.js";

/** The OpenAPI 3.1 document `kova build` writes beside app.js. */
export const OPENAPI_FILE = "openapi.json";
export const PROTO_FILE = "app.proto";

export interface BuildOptions {
  /** A .kova file, or a folder holding one program (its root file is the one nothing imports). */
  entry: string;
  /** Default: `<app folder>/dist`. */
  outDir?: string;
  /** Stop after lowering: return the app model and write nothing (`kova build --emit ir`). */
  irOnly?: boolean;
  /** Also compile the handlers to bytecode for the VM tier (`kova build --target bytecode`); what the tier refuses fails the build (KV29xx). */
  bytecode?: boolean;
  /** Settings of the OpenAPI document for the app in `appDir` (kova.config.json's `errors`, read by the CLI). */
  openapi?: (appDir: string) => OpenApiOptions;
  /**
   * Sources that are not on disk, by absolute path, built with the folder's files: `kova db query`
   * adds a file that IMPORTs the app's root and holds one endpoint answering the query, so the query
   * is checked, planned and compiled by the same pipeline as the app's own.
   */
  virtualFiles?: Readonly<Record<string, string>>;
}

export interface BuildResult {
  ok: boolean;
  /** The checker's result; diagnostics also hold the queries a driver refused. */
  check: CheckResult;
  /** Problems that are not about a place in the source (several programs in one folder, a driver not installed). */
  errors: string[];
  appDir: string;
  outDir: string;
  routes: Array<{ method: string; path: string }>;
  /** The app model, once the program checked clean. */
  ir: AppModel | null;
  /** Drivers the app needs at run time (their packages go into dist/package.json). */
  drivers: string[];
  /** The PL/pgSQL function of each `ACTION … IN DATABASE`, by action name (kova migrate and kova sql write them). */
  routines?: ReadonlyMap<string, Routine>;
  /** The bytecode program, when `bytecode` was asked for (the CLI signs and writes it). */
  bytecode?: BytecodeProgram;
  ms: number;
}

/**
 * The build, for every caller (the CLI, the conformance suite, tests): check → lower → compile each
 * query for its data source's dialect → print JavaScript → write `outDir/app.js` + source map and
 * copy the JS modules the program imports into `outDir`. Nothing is written outside `outDir`, and
 * nothing is written at all unless every step succeeded. (`dist/server.js` and `dist/package.json`
 * are the CLI's: they describe how the app is started and packaged, not the program.)
 */
export async function buildApp(options: BuildOptions): Promise<BuildResult> {
  const started = performance.now();
  const entry = resolve(options.entry);
  const errors: string[] = [];
  const isDir = existsSync(entry) && statSync(entry).isDirectory();
  const appDir = isDir ? entry : dirname(entry);
  const outDir = resolve(options.outDir ?? join(appDir, "dist"));
  // A folder's *.test.kova files are `kova test`'s: the app is built without them.
  const virtual = options.virtualFiles ?? {};
  const onDisk = isDir ? findKovaFiles([entry]).files.filter((f) => !f.endsWith(TEST_FILE_SUFFIX)) : [entry];
  const files = [...onDisk, ...Object.keys(virtual).filter((f) => !onDisk.includes(f))];
  const host: CompilerHost = Object.keys(virtual).length === 0 ? nodeHost : { readFile: (path) => virtual[path] ?? nodeHost.readFile(path), readSource: (path) => (virtual[path] !== undefined ? { text: virtual[path] } : nodeHost.readSource(path)) };
  let check = checkFiles(files, host);
  let ir: AppModel | null = null;
  const result = (ok: boolean): BuildResult => ({
    ok, check, errors, appDir, outDir, ir,
    routes: ok && ir ? ir.entryPoints.map((e) => ({ method: e.method, path: e.path })) : [],
    drivers: ir ? [...new Set(ir.dataSources.map((s) => s.driver))] : [],
    ms: performance.now() - started,
  });
  const fail = (message?: string): BuildResult => {
    if (message) errors.push(message);
    return result(false);
  };
  if (files.length === 0) return fail(`no .kova files in ${entry}`);
  if (check.diagnostics.some((d: Diagnostic) => d.severity === "error")) return fail();
  if (check.programs.length !== 1) {
    return fail(`${entry} holds ${check.programs.length} separate programs (${check.programs.map((p) => relative(appDir, p.root)).join(", ")}); build one at a time, or IMPORT one from the other`);
  }
  const texts = new Map(check.files.map((f) => [f.file, f.source.text]));
  ir = lower(check.programs[0].model, { name: basename(appDir), sourceText: (file) => texts.get(file) });
  if (options.irOnly) return result(true);

  const { dialects, missing } = await loadDialects(ir.dataSources.map((s) => s.driver));
  if (missing.length > 0) return fail(`no installed driver package provides ${describeMissing(missing)}`);
  const plans = compilePlans(ir, dialects);
  if (plans.diagnostics.length > 0) {
    check = { ...check, diagnostics: sortDiagnostics([...check.diagnostics, ...plans.diagnostics]) };
    return fail();
  }
  let bytecodeProgram: BytecodeProgram | undefined;
  if (options.bytecode) {
    const compiledBytecode = compileBytecode(ir, plans.compiled);
    if (compiledBytecode.program === null) {
      check = { ...check, diagnostics: sortDiagnostics([...check.diagnostics, ...compiledBytecode.diagnostics]) };
      return fail();
    }
    bytecodeProgram = compiledBytecode.program;
  }

  const outputFile = join(outDir, "app.js");
  // The gRPC service description, served by the runtime when kova.config.json turns gRPC on.
  const proto = emitProto(ir);
  const emitted = emitApp(ir, plans.compiled, {
    outputFile,
    sourcePath: (file) => relative(outDir, file),
    displayPath: (file) => relative(appDir, file),
    // Standard library imports (kova:entities) are files of no disk: their text is the checked one.
    sourceText: (file) => virtual[file] ?? texts.get(file) ?? readFileSync(file, "utf8"),
    moduleSpecifier: (fromFile, module) => (isRelativeModule(module) ? `./${modulePathInDist(appDir, fromFile, module)}` : module),
    openapiFile: OPENAPI_FILE,
    protoFile: PROTO_FILE,
    proto,
    routines: plans.routines,
  });
  // The API description, from the same model as the code: it cannot drift from what the server does.
  const openapi = openApiDocument(ir, options.openapi?.(appDir));
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  writeFileSync(outputFile, emitted.code);
  writeFileSync(`${outputFile}.map`, emitted.sourceMap);
  writeFileSync(join(outDir, OPENAPI_FILE), `${JSON.stringify(openapi, null, 2)}\n`);
  for (const version of apiVersions(ir)) {
    writeFileSync(join(outDir, versionDocumentFile(version)), `${JSON.stringify(openApiDocument(ir, { ...options.openapi?.(appDir), apiVersion: version }), null, 2)}\n`);
  }
  writeFileSync(join(outDir, PROTO_FILE), proto.text);
  copyModules(ir.imports, appDir, outDir);
  return { ...result(true), routines: plans.routines, ...(bytecodeProgram ? { bytecode: bytecodeProgram } : {}) };
}
