/**
 * What the key/value subcommands (set, get, log, list, delete, batch, shell) share: opening the
 * store (@kova/store), reading `collection/key` targets, and reporting errors in one style —
 * `Key 'users/alic' not found. Did you mean users/alice? To list keys: kova db list users` —
 * coloured on a terminal, plain when piped, a JSON object with --json.
 *
 * Exit codes: 0 done; 1 not found (a key or collection) or the store refused (busy, closed);
 * 2 the command line is wrong (a flag, or a key, value or instant the store refuses).
 */
import { openStore, StoreError, type Store } from "@kova/store";
import { UsageError, type OptionSpec, type ParsedArgs } from "../../args.js";
import { ExitCode, shouldColor, type CliContext } from "../../command.js";
import { isBusy } from "./store.js";

/** The flags every key/value subcommand takes. */
export const KV_OPTIONS: Record<string, OptionSpec> = {
  store: { type: "string" },
  json: { type: "boolean" },
  color: { type: "boolean" },
  "no-color": { type: "boolean" },
};

export const STORE_HELP = `  --store PATH  The store: a .db file, or a folder whose .kova/data.db is used (default: .,
                the file an embedded Kova app in this folder keeps its data in)
  --json        Machine-readable output (and errors as JSON on stderr)
  -h, --help    Show this help`;

export async function openFor(values: ParsedArgs["values"], context: CliContext): Promise<Store<Record<string, unknown>>> {
  const key = context.env.KOVA_DB_KEY;
  return openStore<Record<string, unknown>>(typeof values.store === "string" ? values.store : ".", { key: key === undefined || key === "" ? undefined : key });
}

/** `users/alice` → collection `users`, key `alice` (the key may hold more '/'). */
export function target(text: string | undefined, what = "COLLECTION/KEY"): { collection: string; key: string } {
  if (text === undefined) throw new UsageError(`expected ${what}, like users/alice`);
  const slash = text.indexOf("/");
  if (slash <= 0 || slash === text.length - 1) throw new UsageError(`'${text}' is not COLLECTION/KEY: write it like users/alice`);
  return { collection: text.slice(0, slash), key: text.slice(slash + 1) };
}

export function writeJson(context: CliContext, value: unknown): void {
  context.stdout.write(JSON.stringify(value) + "\n");
}

/**
 * Runs a subcommand's body, turning the store's refusals into a message and an exit code. Errors
 * that are not the store's (a bug) pass through to the CLI's own handler.
 */
export async function runKv(name: string, values: ParsedArgs["values"], context: CliContext, body: () => Promise<number> | number): Promise<number> {
  try {
    return await body();
  } catch (error) {
    if (error instanceof StoreError) return report(name, values, context, error.message, error.hint, error.code, error.status === 404 ? ExitCode.problems : ExitCode.usage);
    if (isBusy(error)) {
      return report(name, values, context, "the store is locked by another process (a running Kova app holds it exclusively)", "stop the app, or run it with shared locking", "busy", ExitCode.problems);
    }
    if (error instanceof UsageError) throw error;
    const code = (error as { name?: string }).name;
    if (code === "StoreKeyError") return report(name, values, context, (error as Error).message, undefined, "key", ExitCode.problems);
    throw error;
  }
}

export function report(name: string, values: ParsedArgs["values"], context: CliContext, message: string, hint: string | undefined, code: string, exit: number): number {
  if (values.json === true) {
    context.stderr.write(JSON.stringify({ error: { code, message, hint } }) + "\n");
    return exit;
  }
  const color = shouldColor({ color: values.color === true, noColor: values["no-color"] === true }, context.stderr, context.env);
  const next = hint === undefined ? "" : ` ${hint[0].toUpperCase()}${hint.slice(1)}`;
  const sentence = /[.?!]$/.test(message) ? message : `${message}.`;
  const head = color ? `\u001b[1;31merror\u001b[0m` : "error";
  const tail = color && next !== "" ? `\u001b[2m${next}\u001b[0m` : next;
  context.stderr.write(`kova db ${name}: ${head}: ${sentence}${tail}\n`);
  return exit;
}
