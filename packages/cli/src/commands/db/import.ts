import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { resolve } from "node:path";
import { createInterface } from "node:readline";
import { checkFieldValue, encryptedEntities, type EntitySchema, type TransferBatch, type TransferRow, type TransferVersion } from "@kova/query";
import { parseCount, UsageError } from "../../args.js";
import { ExitCode, type CliContext } from "../../command.js";
import { defineCommand } from "../../define-command.js";
import { openAppSource, SourceError, type OpenSource } from "./app-source.js";
import { EXPORT_FORMAT, type ExportHeader } from "./jsonl-format.js";
import { fail, requireFile } from "./store.js";

const DEFAULT_BATCH = 10_000;

export const importCommand = defineCommand({
  name: "db import",
  summary: "Load a 'kova db export' file into an app's database, in batches, resumably",
  usage: `Usage: kova db import FILE [APP] [options]

Loads an export file (kova db export --format jsonl, from any driver) into the data source of the
app in APP (default "."), creating its tables first as the app does when it starts. Rows keep
their ids; with a file written --with-history, versions keep their numbers and times, otherwise
each row gets one insert version. The target tables should be empty: an id that exists already
fails its batch.

The file streams through in batches of --batch lines, each one transaction that also records how
far the import got (in _kova_imports). Every line is checked against the app's entities as it is
read. A line that does not fit (not JSON, an unknown entity or field, a value of the wrong type)
stops the import with its line number and field: the lines before it are committed, the rest are
not read. A batch the database refuses (e.g. a duplicate id) is rolled back whole. Either way, fix
the cause and run the same command again: it continues after the last committed line.

Options:
  --batch <N>           Lines per transaction (default ${DEFAULT_BATCH})
  --source <NAME>       The data source (default: the app's first)
  -h, --help            Show this help
`,
  options: { batch: { type: "string" }, source: { type: "string" } },
  async execute({ values, positionals }, context) {
    if (positionals.length === 0 || positionals.length > 2) throw new UsageError("expected an export FILE (and optionally the APP folder)");
    const batchSize = values.batch === undefined ? DEFAULT_BATCH : parseCount(String(values.batch), "--batch");
    if (batchSize < 1) throw new UsageError("--batch must be at least 1");
    const file = resolve(positionals[0]);
    requireFile(file, "the export file");
    let source: OpenSource;
    try {
      source = await openAppSource(positionals[1] ?? ".", values.source === undefined ? undefined : String(values.source), context, { forReading: false });
    } catch (error) {
      if (error instanceof SourceError) return fail(context, "import", error.message);
      throw error;
    }
    try {
      // With ENCRYPTED fields, the data key and erasure tables too: an export carries them, and
      // its ciphertext reads only with its data keys (@kova/query secrets/data-keys.ts).
      await source.driver.migrate(encryptedEntities(source.entities));
      return await importFile(file, source, batchSize, context);
    } catch (error) {
      if (error instanceof LineError) return fail(context, "import", error.message);
      return fail(context, "import", (error as Error).message);
    } finally {
      await source.close();
    }
  },
});

/** A line that does not fit: its message starts with FILE:LINE. */
class LineError extends Error {}

interface Pending {
  entity: EntitySchema;
  rows: TransferRow[];
  versions: TransferVersion[];
}

async function importFile(file: string, source: OpenSource, batchSize: number, context: CliContext): Promise<number> {
  const started = performance.now();
  const lines = createInterface({ input: createReadStream(file, { encoding: "utf8" }), crlfDelay: Infinity });
  let lineNo = 0;
  let header: ExportHeader | undefined;
  let markId = "";
  let skipTo = 0;
  let pending = new Map<string, Pending>();
  let pendingLines = 0;
  let firstPending = 0;
  const entities = new Map(encryptedEntities(source.entities).map((e) => [e.name, e]));
  let rows = 0;
  let versions = 0;

  const flush = async (through: number, done: boolean) => {
    const batches: TransferBatch[] = [...pending.values()].map((p) => ({ entity: p.entity, rows: p.rows, versions: header!.history ? p.versions : undefined }));
    try {
      await source.transfer.load(batches, { id: markId, line: through, done });
    } catch (error) {
      throw new LineError(
        `${file}: lines ${firstPending}–${through} were not imported (the database refused the batch, and rolled it back): ${(error as Error).message}` +
          `${firstPending > 2 ? `; lines up to ${firstPending - 1} are imported` : ""}. Fix the cause and run the same command again to continue from line ${firstPending}.`,
      );
    }
    for (const p of pending.values()) {
      rows += p.rows.length;
      versions += p.versions.length;
    }
    pending = new Map();
    pendingLines = 0;
    firstPending = through + 1;
  };

  for await (const text of lines) {
    lineNo++;
    if (lineNo === 1) {
      header = readHeader(file, text, entities);
      markId = createHash("sha256").update(text).digest("hex");
      const mark = await source.transfer.mark(markId);
      if (mark?.done) {
        context.stdout.write(`${file} was imported already (all ${mark.line} lines); nothing to do\n`);
        return ExitCode.ok;
      }
      skipTo = mark?.line ?? 1;
      if (skipTo > 1) context.stdout.write(`resuming ${file} after line ${skipTo} (imported by an earlier run)\n`);
      firstPending = skipTo + 1;
      continue;
    }
    if (lineNo <= skipTo || text.trim() === "") continue;
    let parsed;
    try {
      parsed = readLine(file, lineNo, text, entities);
    } catch (error) {
      if (!(error instanceof LineError)) throw error;
      if (pendingLines > 0) await flush(lineNo - 1, false);
      const kept = lineNo > 2 ? ` Lines 2–${lineNo - 1} are imported; fix line ${lineNo} and run the same command again to continue from it.` : "";
      throw new LineError(error.message + (kept === "" ? "" : "." + kept));
    }
    let slot = pending.get(parsed.entity.name);
    if (slot === undefined) pending.set(parsed.entity.name, (slot = { entity: parsed.entity, rows: [], versions: [] }));
    if ("version" in parsed.record) slot.versions.push(parsed.record);
    else slot.rows.push(parsed.record);
    if (++pendingLines >= batchSize) await flush(lineNo, false);
  }
  if (header === undefined) throw new LineError(`${file} is empty: an export file starts with its header line`);
  await flush(lineNo, true);
  await source.transfer.finish([...entities.values()].filter((e) => header!.entities.some((h) => h.name === e.name)));
  const seconds = (performance.now() - started) / 1000;
  context.stdout.write(
    `imported ${rows} rows${header.history ? ` and ${versions} versions` : ""} into data source "${source.name}" (${source.driverName}) in ${seconds.toFixed(1)} s` +
      `${seconds > 0 ? ` (${Math.round(rows / seconds)} rows/s)` : ""}\n`,
  );
  return ExitCode.ok;
}

function readHeader(file: string, text: string, entities: ReadonlyMap<string, EntitySchema>): ExportHeader {
  let header: ExportHeader;
  try {
    header = JSON.parse(text) as ExportHeader;
  } catch {
    throw new LineError(`${file}:1: not an export file: the first line is not JSON`);
  }
  if (header?.kova !== "export" || !Array.isArray(header.entities)) throw new LineError(`${file}:1: not an export file: the first line is not a 'kova db export' header`);
  if (!Number.isInteger(header.format) || header.format > EXPORT_FORMAT) {
    throw new LineError(`${file}:1: written by a newer Kova (export format ${header.format}); this kova reads format ${EXPORT_FORMAT}: upgrade kova`);
  }
  for (const e of header.entities) {
    const mine = entities.get(e.name);
    if (mine === undefined) throw new LineError(`${file}:1: the file holds entity ${e.name}, which the app does not declare (it has: ${[...entities.keys()].join(", ")})`);
    for (const f of e.fields) {
      if (!mine.fields.some((m) => m.name === f.name)) throw new LineError(`${file}:1: ${e.name}.${f.name} is in the file but not in the app's ${e.name}; add the field, or remove it from the file`);
    }
  }
  return header;
}

function readLine(file: string, line: number, text: string, entities: ReadonlyMap<string, EntitySchema>): { entity: EntitySchema; record: TransferRow | TransferVersion } {
  const where = `${file}:${line}`;
  let value: Record<string, unknown>;
  try {
    value = JSON.parse(text) as Record<string, unknown>;
  } catch (error) {
    throw new LineError(`${where}: not JSON (${(error as Error).message})`);
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw new LineError(`${where}: expected an object with "entity", "id" and "fields"`);
  const entity = entities.get(String(value.entity));
  if (entity === undefined) throw new LineError(`${where}: unknown entity ${JSON.stringify(value.entity)} (the app has: ${[...entities.keys()].join(", ")})`);
  if (!Number.isSafeInteger(value.id) || (value.id as number) < 1) throw new LineError(`${where}: ${entity.name}.id must be a whole number from 1, got ${JSON.stringify(value.id)}`);
  const given = value.fields;
  if (typeof given !== "object" || given === null || Array.isArray(given)) throw new LineError(`${where}: "fields" must be an object`);
  const fields: Record<string, unknown> = {};
  for (const [name, v] of Object.entries(given)) {
    const field = entity.fields.find((f) => f.name === name);
    if (field === undefined) throw new LineError(`${where}: ${entity.name} has no field "${name}"`);
    try {
      checkFieldValue(field, v);
    } catch (error) {
      throw new LineError(`${where}: ${entity.name}: ${(error as Error).message}`);
    }
    fields[name] = v;
  }
  if (value.version === undefined) return { entity, record: { id: value.id as number, fields } };
  if (!Number.isSafeInteger(value.version) || (value.version as number) < 1) throw new LineError(`${where}: "version" must be a whole number from 1, got ${JSON.stringify(value.version)}`);
  if (value.op !== "insert" && value.op !== "update" && value.op !== "delete") throw new LineError(`${where}: "op" must be "insert", "update" or "delete", got ${JSON.stringify(value.op)}`);
  const at = typeof value.at === "string" ? Date.parse(value.at) : NaN;
  if (Number.isNaN(at)) throw new LineError(`${where}: "at" must be an ISO 8601 instant, got ${JSON.stringify(value.at)}`);
  return { entity, record: { version: value.version as number, id: value.id as number, op: value.op, at, fields } };
}
