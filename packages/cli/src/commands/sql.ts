import { writeFileSync } from "node:fs";
import { dataSources } from "@kova/compiler";
import { diffSchemas, identifierTables, loadDriverPackage, type EntitySchema } from "@kova/query";
import { UsageError } from "../args.js";
import { buildApp } from "../build/build-app.js";
import { reportBuildFailure } from "../build/report.js";
import { ExitCode, shouldColor, type CliContext } from "../command.js";
import { defineCommand } from "../define-command.js";

/** `--dialect` → the driver whose migration builder writes that dialect's DDL. */
const DIALECTS: Readonly<Record<string, string>> = { postgres: "postgres", mysql: "mysql", sqlite: "embedded" };

export const sqlCommand = defineCommand({
  name: "sql",
  summary: "Print the DDL that creates the app's tables on a fresh database",
  usage: `Usage: kova sql [options] [PATH]

kova sql writes the DDL that creates every entity's storage on an empty database: its table, its
history table, UNIQUE constraints and indexes, the references' FOREIGN KEYs and, on PostgreSQL and
MySQL/MariaDB, a CHECK per field whose type has a rule (enum values, ranges, patterns), COMMENTs
from /// docs and (PostgreSQL) TENANT BY's row-level security policies and the PL/pgSQL function
of each ACTION … IN DATABASE. It is the SQL of
the first file 'kova migrate' would write for each data source, from the same driver code, so a
database made with it is the one 'kova migrate apply' (or the app's start) makes.

Not included, because the app's driver creates and owns them at start: _kova_schema (what was
migrated), _kova_migrations (the files applied) and _kova_changes (the change outbox).

Options:
  --dialect <NAME>       postgres, mysql or sqlite (default: each data source's own driver)
  --output <FILE>        Write the DDL to FILE instead of standard output
  --color, --no-color    Force colour on or off in diagnostics
  -h, --help             Show this help
`,
  options: { dialect: { type: "string" }, output: { type: "string" }, color: { type: "boolean" }, "no-color": { type: "boolean" } },
  async execute({ values, positionals }, context) {
    if (positionals.length > 1) throw new UsageError(`unexpected argument '${positionals[1]}'`);
    const dialect = values.dialect === undefined ? undefined : String(values.dialect);
    if (dialect !== undefined && !(dialect in DIALECTS)) {
      throw new UsageError(`unknown dialect '${dialect}'; choose one of: ${Object.keys(DIALECTS).join(", ")}`);
    }
    const built = await buildApp({ entry: positionals[0] ?? "." });
    if (!built.ok) {
      reportBuildFailure(built, context.stderr, shouldColor({ color: values.color === true, noColor: values["no-color"] === true }, context.stderr, context.env));
      return ExitCode.problems;
    }
    const parts: string[] = [];
    for (const source of dataSources(built.check.programs[0].model)) {
      const driver = dialect === undefined ? source.driver : DIALECTS[dialect];
      let ddl = await creationDdl(driver, source.entities, context);
      if (ddl === undefined) return ExitCode.problems;
      // ACTION … IN DATABASE: its PL/pgSQL function, on the PostgreSQL data source it runs on.
      if (driver === "postgres") {
        for (const routine of built.routines?.values() ?? []) if (routine.source === source.name) ddl += `-- ACTION ${routine.action} IN DATABASE\n${routine.ddl};\n`;
      }
      parts.push(`-- ${source.name} (${dialect ?? source.driver}): ${source.entities.length} entit${source.entities.length === 1 ? "y" : "ies"}\n${ddl}`);
    }
    const text = parts.join("\n");
    if (values.output !== undefined) writeFileSync(String(values.output), text);
    else context.stdout.write(text);
    return ExitCode.ok;
  },
});

/**
 * The driver's migration for "every entity is new": the one DDL builder per dialect that
 * `kova migrate` and the driver's start-up migration also run. Undefined (said on stderr) when the
 * driver keeps no SQL schema.
 */
async function creationDdl(driver: string, entities: readonly EntitySchema[], context: CliContext): Promise<string | undefined> {
  const migrations = (await loadDriverPackage(driver)).migrations;
  if (migrations === undefined) {
    context.stderr.write(`kova sql: the ${driver} driver keeps no SQL schema; pass --dialect postgres, mysql or sqlite\n`);
    return undefined;
  }
  let statements: string[];
  try {
    // With the tables of VERSIONED identifiers, as the start-up migration makes them.
    const stored = identifierTables(entities);
    statements = migrations.sql(diffSchemas([], stored), stored);
  } catch (error) {
    context.stderr.write(`kova sql: ${(error as Error).message}\n`);
    return undefined;
  }
  return statements.map((s) => (s.startsWith("--") ? s : `${s};`)).join("\n") + "\n";
}
