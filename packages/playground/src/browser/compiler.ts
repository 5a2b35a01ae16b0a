/**
 * The compiler as the playground runs it in the browser: the real checker, lowering, plan
 * compilation and JS emitter, reading the program from memory. It is bundled for the browser
 * (src/build/bundle.ts), and the same module runs in Node's tests to compare with the CLI.
 */
import { checkWithDialects, compilePlans, lower, memoryHost, type AppModel, type CheckResult, type CompilerHost, type Diagnostic, type DialectLoader } from "@kova/compiler/browser";
import { DRIVER_PACKAGES, type Dialect } from "@kova/query";
import { sqliteDialect } from "@kova/driver-embedded/dialect";
import { mongoDialect } from "@kova/driver-mongodb/dialect";
import { redisDialect } from "@kova/driver-redis/dialect";

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
