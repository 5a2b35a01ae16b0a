import { relative } from "node:path";
import { pathToFileURL } from "node:url";
import { dataSources, type SemanticModel } from "@kova/compiler";
import { backfillIdentifiers, diffSchemas, identifierFieldOf, identifierTables, storedEntities, loadDriverPackage, nextSnapshot, type EntitySchema, type Migrations } from "@kova/query";
import { loadEnv, resolveAppEnv, type AppDefinition } from "@kova/runtime";
import { UsageError } from "../args.js";
import { buildApp, type BuildResult } from "../build/build-app.js";
import { reportBuildFailure } from "../build/report.js";
import { ExitCode, shouldColor, type CliContext } from "../command.js";
import { defineCommand } from "../define-command.js";
import { describeApplyFailure } from "../migrate/apply-failure.js";
import { appliedMigrations } from "../migrate/applied-migrations.js";
import { migrationsDir, readMigrations, readSnapshot, readSnapshotRoutines, writeMigration, type MigrationFile } from "../migrate/migration-files.js";

export const migrateCommand = defineCommand({
  name: "migrate",
  summary: "Write SQL migration files from ENTITY changes, or apply them",
  usage: `Usage: kova migrate [options] [PATH]
       kova migrate apply [options] [PATH]

kova migrate compares each data source's entities with the snapshot taken by the previous
migration (PATH/migrations/<data source>/schema.json) and writes the difference as a new
PATH/migrations/<data source>/<time>_<name>.sql for that data source's database: create tables
(with their history tables), add columns, indexes and UNIQUE constraints.

kova migrate apply runs the files a database has not seen yet, each in one transaction, and
records them in its _kova_migrations table. Connection settings come from the program's CONNECT
lines and the environment (.env included), as when the app starts.

kova migrate apply exits 1 when a database refuses a file (e.g. a new UNIQUE over rows that
share a value, a store another process holds) or cannot be reached, with the reason and the
file that was not applied; fix the cause and run it again.

Options:
  --name <NAME>          Name for the new migration (default: "change")
  --dry-run              Print the SQL (or the files apply would run) and change nothing
  --color, --no-color    Force colour on or off in diagnostics
  -h, --help             Show this help
`,
  options: { name: { type: "string" }, "dry-run": { type: "boolean" }, color: { type: "boolean" }, "no-color": { type: "boolean" } },
  async execute({ values, positionals }, context) {
    const apply = positionals[0] === "apply";
    const entry = (apply ? positionals[1] : positionals[0]) ?? ".";
    if (positionals.length > (apply ? 2 : 1)) throw new UsageError(`unexpected argument '${positionals[apply ? 2 : 1]}'`);
    const built = await buildApp({ entry });
    if (!built.ok) {
      reportBuildFailure(built, context.stderr, shouldColor({ color: values.color === true, noColor: values["no-color"] === true }, context.stderr, context.env));
      return ExitCode.problems;
    }
    const dryRun = values["dry-run"] === true;
    return apply ? await applyMigrations(built, dryRun, context) : await writeMigrations(built, String(values.name ?? "change"), dryRun, context);
  },
});

async function migrationsFor(driver: string): Promise<Migrations | undefined> {
  return (await loadDriverPackage(driver)).migrations;
}

function modelOf(built: BuildResult): SemanticModel {
  return built.check.programs[0].model;
}

async function writeMigrations(built: BuildResult, name: string, dryRun: boolean, context: CliContext): Promise<number> {
  let wrote = 0;
  for (const source of dataSources(modelOf(built))) {
    const dir = migrationsDir(built.appDir, source.name);
    const before = readSnapshot(dir);
    // The tables of VERSIONED identifiers too (@kova/query identifier-table.ts), as the start-up migration makes them.
    const entities = identifierTables(source.entities);
    const changes = diffSchemas(before, entities);
    // ACTION … IN DATABASE: a function whose body changed has a new name (its hash), so it is new here.
    const routines = [...(built.routines?.values() ?? [])].filter((r) => r.source === source.name);
    const made = new Set(readSnapshotRoutines(dir));
    const newRoutines = routines.filter((r) => !made.has(r.name));
    if (changes.length === 0 && newRoutines.length === 0) {
      context.stdout.write(`${source.name}: no changes since the last migration\n`);
      continue;
    }
    const migrations = await migrationsFor(source.driver);
    if (!migrations) {
      context.stderr.write(`kova migrate: the ${source.driver} driver does not write migration files\n`);
      return ExitCode.problems;
    }
    let statements: string[];
    try {
      statements = [...migrations.sql(changes, entities), ...newRoutines.flatMap((r) => [`-- ACTION ${r.action} IN DATABASE`, r.ddl])];
    } catch (error) {
      context.stderr.write(`kova migrate: ${source.name}: ${(error as Error).message}\n`);
      return ExitCode.problems;
    }
    if (dryRun) {
      context.stdout.write(`-- ${source.name} (${source.driver}): ${changes.length} change${changes.length === 1 ? "" : "s"}\n${statements.map((s) => (s.startsWith("--") ? s : `${s};`)).join("\n")}\n`);
      continue;
    }
    // The snapshot also remembers removed fields and entities, whose data (and types) are kept.
    const file = writeMigration(dir, name, statements, nextSnapshot(before, entities), undefined, routines.map((r) => r.name));
    context.stdout.write(`${source.name}: wrote ${relative(process.cwd(), dir) || "."}/${file} (${changes.length} change${changes.length === 1 ? "" : "s"})\n`);
    wrote++;
  }
  if (!dryRun && wrote > 0) context.stdout.write("review the files, then run: kova migrate apply\n");
  return ExitCode.ok;
}

async function applyMigrations(built: BuildResult, dryRun: boolean, context: CliContext): Promise<number> {
  const { app } = (await import(`${pathToFileURL(`${built.outDir}/app.js`).href}?t=${Date.now()}`)) as { app: AppDefinition };
  let env;
  try {
    env = resolveAppEnv(app.env, loadEnv(built.appDir, process.env, false), built.appDir);
  } catch (error) {
    context.stderr.write(`kova migrate apply: ${(error as Error).message}\n`);
    return ExitCode.problems;
  }
  for (const source of app.dataSources) {
    const dir = migrationsDir(built.appDir, source.name);
    const files = readMigrations(dir);
    if (files.length === 0) {
      context.stdout.write(`${source.name}: no migration files\n`);
      continue;
    }
    const done = dryRun ? await dryRunSource(source, env, built.appDir, files, context) : await applySource(source, env, built.appDir, files, readSnapshot(dir), context);
    if (!done) return ExitCode.problems;
  }
  return ExitCode.ok;
}

type DataSource = AppDefinition["dataSources"][number];
type AppEnv = Parameters<DataSource["options"]>[0];

/**
 * A database that cannot be reached or refuses a file (duplicate rows under a new UNIQUE, a store
 * another process holds) is the user's to fix, not a bug in kova: say why, and exit 1.
 */
function databaseProblem(context: CliContext, source: string, error: unknown): false {
  context.stderr.write(`kova migrate apply: ${source}: ${error instanceof Error ? error.message : String(error)}\n`);
  return false;
}

/** Lists exactly the files `apply` would run, reading the database without changing it. */
async function dryRunSource(source: DataSource, env: AppEnv, appDir: string, files: MigrationFile[], context: CliContext): Promise<boolean> {
  let done: Set<string>;
  try {
    done = await appliedMigrations(source.driver, source.options(env), appDir);
  } catch (error) {
    return databaseProblem(context, source.name, error);
  }
  const pending = files.filter((f) => !done.has(f.name));
  context.stdout.write(
    pending.length === 0
      ? `${source.name}: up to date (dry run)\n`
      : `${source.name}: would apply ${pending.length} file${pending.length === 1 ? "" : "s"}: ${pending.map((f) => f.name).join(", ")} (dry run: not applied)\n`,
  );
  return true;
}

async function applySource(source: DataSource, env: AppEnv, appDir: string, files: MigrationFile[], entities: EntitySchema[], context: CliContext): Promise<boolean> {
  const driverPackage = await loadDriverPackage(source.driver);
  let driver;
  try {
    driver = driverPackage.createDriver({ name: source.name, appDir, options: source.options(env) });
  } catch (error) {
    return databaseProblem(context, source.name, error); // options the driver cannot read
  }
  if (!driver.applyMigrations) {
    context.stderr.write(`kova migrate apply: the ${source.driver} driver cannot apply migration files\n`);
    return false;
  }
  try {
    try {
      await driver.connect();
    } catch (error) {
      return databaseProblem(context, source.name, error);
    }
    const applied: string[] = [];
    // One file per call (the driver skips recorded ones), so a failure names its file.
    for (const file of files) {
      try {
        applied.push(...(await driver.applyMigrations([file])));
      } catch (error) {
        if (applied.length > 0) context.stdout.write(`${source.name}: applied ${applied.join(", ")}\n`);
        context.stderr.write(`kova migrate apply: ${describeApplyFailure(source.name, file, error, entities)}\n`);
        return false;
      }
    }
    context.stdout.write(applied.length === 0 ? `${source.name}: up to date\n` : `${source.name}: applied ${applied.join(", ")}\n`);
    // Records made before their entity had an IDENTIFIER get one now (the files add the column
    // empty). The driver learns the entities from migrate(), a no-op once the files ran, as the
    // app's start-up migration would be.
    try {
      if (!source.entities.some((e) => identifierFieldOf(e) !== undefined)) return true;
      await driver.migrate(storedEntities(source.entities));
      const made = await backfillIdentifiers(driver, source.entities);
      if (made > 0) context.stdout.write(`${source.name}: made identifiers for ${made} record${made === 1 ? "" : "s"}\n`);
    } catch (error) {
      return databaseProblem(context, source.name, error);
    }
    return true;
  } finally {
    await driver.close();
  }
}
