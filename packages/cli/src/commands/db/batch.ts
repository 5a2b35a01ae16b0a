import { createReadStream } from "node:fs";
import { createInterface } from "node:readline";
import { StoreError, type BatchItem } from "@kova/store";
import { UsageError } from "../../args.js";
import { ExitCode } from "../../command.js";
import { defineCommand } from "../../define-command.js";
import { KV_OPTIONS, openFor, report, runKv, STORE_HELP, target, writeJson } from "./kv.js";

/** Lines per transaction: large enough for the batch speed, small enough to keep memory flat. */
const CHUNK = 10_000;

export const batchCommand = defineCommand({
  name: "db batch",
  summary: "Write many keys from a JSON Lines file, streaming, in transactions",
  usage: `Usage: kova db batch --file FILE [options]

Reads FILE (or '-' for stdin) line by line; each line is one write:

  {"key": "users/alice", "value": {"name": "Alice"}}
  {"collection": "users", "key": "bob", "value": {"name": "Bob"}}
  {"key": "users/carol", "delete": true}

Lines are written ${CHUNK.toLocaleString("en")} to a transaction. A bad line stops the batch with its line number;
the lines before its transaction stay written (the summary says how many).

Options:
  --file FILE   The JSON Lines file ('-': stdin)
${STORE_HELP}
`,
  options: { ...KV_OPTIONS, file: { type: "string" } },
  execute({ values, positionals }, context) {
    if (positionals.length > 0) throw new UsageError(`unexpected argument '${positionals[0]}'`);
    if (typeof values.file !== "string") throw new UsageError("expected --file FILE (JSON Lines; '-' for stdin)");
    const file = values.file;
    return runKv("batch", values, context, async () => {
      const input = file === "-" ? process.stdin : createReadStream(file);
      const opened = new Promise<void>((resolve, reject) => {
        if (file === "-") resolve();
        else input.once("open", () => resolve()).once("error", reject);
      });
      try {
        await opened;
      } catch (error) {
        throw new UsageError(`cannot read --file ${file}: ${(error as Error).message}`);
      }
      const store = await openFor(values, context);
      let written = 0;
      let lineNumber = 0;
      let chunk: Array<BatchItem<Record<string, unknown>>> = [];
      const flush = () => {
        written += store.putMany(chunk).written;
        chunk = [];
      };
      try {
        for await (const line of createInterface({ input, crlfDelay: Infinity })) {
          lineNumber++;
          if (line.trim() === "") continue;
          try {
            chunk.push(batchItem(line));
          } catch (error) {
            const message = error instanceof UsageError || error instanceof StoreError ? error.message : String(error);
            return report("batch", values, context, `${file}:${lineNumber}: ${message}; ${written} earlier lines were written`, undefined, "bad-line", ExitCode.usage);
          }
          if (chunk.length === CHUNK) flush();
        }
        flush();
        if (values.json === true) writeJson(context, { written, lines: lineNumber });
        else context.stdout.write(`wrote ${written} keys from ${lineNumber} lines\n`);
        return ExitCode.ok;
      } catch (error) {
        if (error instanceof StoreError) {
          return report("batch", values, context, `${error.message} (in the transaction ending at line ${lineNumber}; ${written} earlier writes were kept)`, error.hint, error.code, ExitCode.usage);
        }
        throw error;
      } finally {
        store.close();
      }
    });
  },
});

function batchItem(line: string): BatchItem<Record<string, unknown>> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch (error) {
    throw new UsageError(`not JSON (${(error as Error).message})`);
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) throw new UsageError("a line is an object with key and value (or delete: true)");
  const item = parsed as { collection?: unknown; key?: unknown; value?: unknown; delete?: unknown };
  if (typeof item.key !== "string") throw new UsageError(`"key" is missing or not a string`);
  const { collection, key } = item.collection === undefined ? target(item.key) : { collection: String(item.collection), key: item.key };
  if (item.delete === true) return { collection, key, delete: true };
  if (!("value" in item)) throw new UsageError(`"value" is missing (or write "delete": true)`);
  return { collection, key, value: item.value };
}
