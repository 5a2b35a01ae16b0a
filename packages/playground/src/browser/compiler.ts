/**
 * The compiler as the playground runs it in the browser: the real checker, lowering, plan
 * compilation and JS emitter, reading the program from memory. It is bundled for the browser
 * (src/build/bundle.ts), and the same module runs in Node's tests to compare with the CLI.
 */
import { checkWithDialects, compilePlans, emitApp, lower, memoryHost, type AppModel, type CheckResult, type CompilerHost, type Diagnostic, type DialectLoader } from "@kova/compiler/browser";
import { DRIVER_PACKAGES, type Dialect } from "@kova/query";
import { sqliteDialect } from "@kova/driver-embedded/dialect";
import { mongoDialect } from "@kova/driver-mongodb/dialect";
import { redisDialect } from "@kova/driver-redis/dialect";
import { DATA_FILE, DATA_PREFIX } from "./data-routes.js";

export { DATA_FILE, DATA_PREFIX };

/**
 * The browser has no installed driver packages to import, so it bundles the drivers' dialects (each
 * package's "./dialect" export: the query compiler alone, without the database client), and
 * `kova check` here refuses what a driver cannot run exactly as on Node. PostgreSQL, CockroachDB and
 * MySQL are not bundled yet: their identifier hashing uses node:crypto, and cockroach's dialect
 * imports the postgres package whole (with pg); a program naming them is checked as `kova check`
 * checks one whose driver package is not installed (its queries left to the build).
 */
const DIALECT_OF_PACKAGE: Record<string, Dialect> = {
  "@kova/driver-embedded": sqliteDialect,
  "@kova/driver-mongodb": mongoDialect,
  "@kova/driver-redis": redisDialect,
};

/** The dialects of the named drivers, found through @kova/query's one table of driver names. */
export const browserDialects: DialectLoader = async (drivers) => {
  const dialects = new Map<string, Dialect>();
  for (const driver of drivers) {
    const dialect = DIALECT_OF_PACKAGE[DRIVER_PACKAGES[driver] ?? ""];
    if (dialect !== undefined) dialects.set(driver, dialect);
  }
  return { dialects };
};

/** `kova check` on in-memory files: `roots` are the .kova files given to check, `files` every file it may read. */
export function checkProject(roots: readonly string[], files: Record<string, string>): Promise<CheckResult> {
  return checkWithHost(roots, memoryHost(files));
}

/** The same through any host (the tests give it one that reads the repository, as the CLI does). */
export function checkWithHost(roots: readonly string[], host: CompilerHost): Promise<CheckResult> {
  return checkWithDialects(roots, host, browserDialects);
}

/** A program ready to run: its app model and each query compiled for the embedded store, by query id. */
export interface CompiledProgram {
  app: AppModel;
  queries: Record<string, unknown>;
}

/**
 * Checks and compiles a program for the browser's store, as `kova build` does for the embedded
 * driver: the diagnostics when it does not check, else the app model and its compiled queries.
 */
export async function compileProgram(root: string, files: Record<string, string>): Promise<{ diagnostics: Diagnostic[]; program?: CompiledProgram }> {
  const result = await checkProject([root], files);
  if (result.diagnostics.some((d) => d.severity === "error")) return { diagnostics: result.diagnostics };
  const app = lower(result.programs[0].model, { name: "playground", sourceText: (file) => files[file] });
  const { dialects } = await browserDialects(app.dataSources.map((s) => s.driver));
  const plans = compilePlans(app, dialects);
  if (plans.diagnostics.length > 0) return { diagnostics: [...result.diagnostics, ...plans.diagnostics] };
  return { diagnostics: result.diagnostics, program: { app, queries: Object.fromEntries(plans.compiled) } };
}


/** A program compiled to run in the browser (the JS emitter's module), with what the page shows of it. */
export interface BrowserBuild {
  /** The ES module `kova build` would write as app.js, importing the runtime from `runtimeUrl`. */
  code: string;
  /** The program's own endpoints, for the request panel. */
  routes: { method: string; path: string; line: number }[];
  /** The data panel's entities: their fields, and whether they keep versions (HISTORY, AS OF). */
  entities: { name: string; fields: string[]; history: boolean }[];
  /** Why the data panel cannot read the store, when its queries did not compile. */
  dataProblem?: string;
}

/**
 * The data panel's queries as Kova endpoints, one file that IMPORTs the program: each entity's rows
 * now and AS OF an instant, and one record's versions. Entities of other drivers and NO HISTORY
 * ones get only what they can answer.
 */
export function dataPanelSource(root: string, app: AppModel): string {
  const embedded = new Set(app.dataSources.filter((s) => DRIVER_PACKAGES[s.driver] === "@kova/driver-embedded").flatMap((s) => s.entities));
  const lines = [`IMPORT "./${root}"`, ""];
  for (const entity of app.entities.filter((e) => embedded.has(e.name))) {
    const at = `${DATA_PREFIX}/${entity.name}`;
    lines.push(`GET ${at} {`, `  RESPOND SELECT * FROM ${entity.name} ORDER_BY id LIMIT 200`, "}");
    if (entity.history === false) continue;
    lines.push(`GET ${at}/as-of/:at {`, `  RESPOND SELECT * FROM ${entity.name} AS OF $at ORDER_BY id LIMIT 200`, "}");
    lines.push(`GET ${at}/versions {`, `  RESPOND HISTORY ${entity.name} ORDER_BY version LIMIT 1000`, "}");
    lines.push(`GET ${at}/:id/history {`, `  RESPOND HISTORY ${entity.name} WHERE id = $id`, "}");
  }
  return lines.join("\n") + "\n";
}

/**
 * `kova build` for the browser: the diagnostics when the program does not check; else its JS module,
 * emitted with the data panel's endpoints (dataPanelSource) beside the program's own. The module
 * imports the runtime (and `randomUUID`) from `runtimeUrl`: the playground's browser runtime.
 */
export async function buildForBrowser(root: string, files: Record<string, string>, runtimeUrl: string): Promise<{ diagnostics: Diagnostic[]; build?: BrowserBuild; program?: AppModel }> {
  const checked = await checkProject([root], files);
  if (checked.diagnostics.some((d) => d.severity === "error")) return { diagnostics: checked.diagnostics };
  const alone = lower(checked.programs[0].model, { name: "playground", sourceText: (file) => files[file] });
  const withData: Record<string, string> = { ...files, [DATA_FILE]: dataPanelSource(root, alone) };
  const combined = await checkProject([DATA_FILE], withData);
  const dataError = combined.diagnostics.find((d) => d.severity === "error");
  const model = dataError === undefined ? combined.programs[0].model : checked.programs[0].model;
  const sources = dataError === undefined ? withData : files;
  const app = lower(model, { name: "playground", sourceText: (file) => sources[file] });
  const { dialects } = await browserDialects(app.dataSources.map((s) => s.driver));
  const plans = compilePlans(app, dialects);
  if (plans.diagnostics.length > 0) return { diagnostics: [...checked.diagnostics, ...plans.diagnostics] };
  const emitted = emitApp(app, plans.compiled, {
    outputFile: "app.js",
    sourcePath: (file) => file,
    sourceText: (file) => sources[file] ?? "",
    moduleSpecifier: (_from, module) => module,
    runtimeImport: runtimeUrl,
    cryptoImport: runtimeUrl,
  });
  const history = new Map(alone.entities.map((e) => [e.name, e.history !== false]));
  return {
    diagnostics: checked.diagnostics,
    // The program lowered alone (without the data panel's file): what the tutorials' outline reads.
    program: alone,
    build: {
      code: emitted.code,
      routes: app.entryPoints.filter((r) => r.span.file === root).map((r) => ({ method: r.method, path: r.path, line: r.span.start.line })),
      entities: dataError === undefined ? alone.entities.map((e) => ({ name: e.name, fields: e.fields.map((f) => f.name), history: history.get(e.name) ?? true })) : [],
      ...(dataError === undefined ? {} : { dataProblem: `${dataError.code}: ${dataError.message}` }),
    },
  };
}
