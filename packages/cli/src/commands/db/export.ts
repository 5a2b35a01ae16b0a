import { createWriteStream, existsSync } from "node:fs";
import { once } from "node:events";
import { resolve } from "node:path";
import { parseInstant } from "@kova/query";
import { UsageError } from "../../args.js";
import { ExitCode, type OutputStream } from "../../command.js";
import { defineCommand } from "../../define-command.js";
import { openAppSource, SourceError } from "./app-source.js";
import { EXPORT_FORMAT, type ExportHeader } from "./jsonl-format.js";
import { fail } from "./store.js";

export const exportCommand = defineCommand({
  name: "db export",
  summary: "Write an app's data as JSON lines, the same from every driver",
  usage: `Usage: kova db export [APP] --format jsonl [options]

Writes the data of the app in APP (default ".") as JSON lines: a header (the entities and their
fields), then each entity's rows, then with --with-history its versions. The same format from
every driver, so 'kova db import' loads it into any of them (embedded store → PostgreSQL: export
in one app, import in the other). Streams: memory stays flat whatever the size.

With --at, the rows are as they were at that instant, read from the history: with 'kova db
import' into a new database, that is point-in-time recovery for PostgreSQL (see docs/operations.md).
A running app on the embedded store keeps serving: the export reads a backup it writes.

Options:
  --format <FORMAT>     The format: jsonl (the only one, required so scripts say what they expect)
  -o, --output <FILE>   Write to FILE instead of standard output (refused if it exists, unless --force)
  --entity <NAME>       Only this entity (repeat the flag for several)
  --with-history        Also every version of every row
  --at <INSTANT>        The rows as of this ISO 8601 instant (versions up to it, with --with-history)
  --source <NAME>       The data source (default: the app's first)
  --force               Replace FILE if it exists
  -h, --help            Show this help
`,
  options: {
    format: { type: "string" },
    output: { type: "string", short: "o" },
    entity: { type: "string", multiple: true },
    "with-history": { type: "boolean" },
    at: { type: "string" },
    source: { type: "string" },
    force: { type: "boolean" },
  },
  async execute({ values, positionals }, context) {
    if (positionals.length > 1) throw new UsageError(`unexpected argument '${positionals[1]}'`);
    if (values.format === undefined) throw new UsageError("--format is required: --format jsonl");
    if (values.format !== "jsonl") throw new UsageError(`unknown format '${values.format}'; the export format is jsonl`);
    let at: number | undefined;
    if (values.at !== undefined) {
      at = /^\d{4}-\d\d-\d\dT/.test(String(values.at)) ? parseInstant(String(values.at)) : undefined;
      if (at === undefined) throw new UsageError(`--at takes an ISO 8601 instant such as 2026-02-06T14:30:00Z, not '${values.at}'`);
    }
    const output = values.output === undefined ? undefined : resolve(String(values.output));
    if (output !== undefined && existsSync(output) && values.force !== true) return fail(context, "export", `${output} exists; pass --force to replace it`);
    let source;
    try {
      source = await openAppSource(positionals[0] ?? ".", values.source === undefined ? undefined : String(values.source), context, { forReading: true });
    } catch (error) {
      if (error instanceof SourceError) return fail(context, "export", error.message);
      throw error;
    }
    try {
      const stored = await source.transfer.storedEntities();
      const wanted = (values.entity as unknown as string[] | undefined) ?? [];
      for (const name of wanted) {
        if (!stored.some((e) => e.name === name)) return fail(context, "export", `there is no entity ${name} in data source "${source.name}" (it has: ${stored.map((e) => e.name).join(", ") || "none"})`);
      }
      const entities = wanted.length === 0 ? stored : stored.filter((e) => wanted.includes(e.name));
      const withHistory = values["with-history"] === true;
      const out: OutputStream & { write(text: string): unknown } = output === undefined ? context.stdout : createWriteStream(output);
      const write = async (value: unknown) => {
        if (out.write(JSON.stringify(value) + "\n") === false && "once" in out) await once(out as unknown as NodeJS.EventEmitter, "drain");
      };
      const header: ExportHeader = {
        kova: "export",
        format: EXPORT_FORMAT,
        createdAt: new Date().toISOString(),
        driver: source.driverName,
        source: source.name,
        history: withHistory,
        ...(at === undefined ? {} : { at: new Date(at).toISOString() }),
        entities: entities.map((e) => ({ name: e.name, fields: e.fields })),
      };
      await write(header);
      let rows = 0;
      let versions = 0;
      for (const entity of entities) {
        for await (const row of source.transfer.rows(entity, at)) {
          await write({ entity: entity.name, id: row.id, fields: row.fields });
          rows++;
        }
        if (!withHistory) continue;
        for await (const v of source.transfer.versions(entity, at)) {
          await write({ entity: entity.name, version: v.version, id: v.id, op: v.op, at: new Date(v.at).toISOString(), fields: v.fields });
          versions++;
        }
      }
      if (output !== undefined) {
        const file = out as ReturnType<typeof createWriteStream>;
        await new Promise<void>((done, reject) => file.end((error?: Error | null) => (error ? reject(error) : done())));
      }
      context.stderr.write(`exported ${rows} rows${withHistory ? ` and ${versions} versions` : ""} of ${entities.length} entities${output === undefined ? "" : ` to ${output}`}\n`);
      return ExitCode.ok;
    } catch (error) {
      return fail(context, "export", (error as Error).message);
    } finally {
      await source.close();
    }
  },
});
