/**
 * `kova db shell`: an interactive prompt over the store. Each line is one of the key/value
 * subcommands (set, get, log, list, delete), run by that subcommand itself — so the shell cannot
 * drift from the CLI — with Tab completion of commands, collections and keys, and a history kept
 * across sessions (KOVA_DB_HISTORY, default ~/.kova_db_history).
 */
import { appendFileSync, readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import type { Store } from "@kova/store";
import { UsageError } from "../../args.js";
import { ExitCode, type CliContext, type Command } from "../../command.js";
import { defineCommand } from "../../define-command.js";
import { deleteCommand } from "./delete.js";
import { getCommand } from "./get.js";
import { KV_OPTIONS, openFor, STORE_HELP } from "./kv.js";
import { listCommand } from "./list.js";
import { logCommand } from "./log.js";
import { setCommand } from "./set.js";

const COMMANDS: Record<string, Command> = { set: setCommand, get: getCommand, log: logCommand, list: listCommand, delete: deleteCommand };
const WORDS = [...Object.keys(COMMANDS), "help", "exit"];

export const shellCommand = defineCommand({
  name: "db shell",
  summary: "An interactive prompt over the store, with history and completion",
  usage: `Usage: kova db shell [options]

Reads commands — set, get, log, list, delete, with the same arguments as 'kova db <command>' —
one per line, and runs them on the store. Tab completes commands, collections and keys; the
history is kept in KOVA_DB_HISTORY (default ~/.kova_db_history). 'help' lists the commands,
'exit' (or Ctrl-D) leaves.

Options:
${STORE_HELP}
`,
  options: KV_OPTIONS,
  async execute({ values, positionals }, context) {
    if (positionals.length > 0) throw new UsageError(`unexpected argument '${positionals[0]}'`);
    const storeFlag = typeof values.store === "string" ? ["--store", values.store] : [];
    const historyFile = context.env.KOVA_DB_HISTORY ?? join(homedir(), ".kova_db_history");
    const terminal = process.stdin.isTTY === true;
    const completer = await completerFor(values, context);
    const rl = createInterface({
      input: process.stdin,
      output: process.stdout,
      terminal,
      prompt: "kova db> ",
      history: terminal ? readHistory(historyFile) : [],
      historySize: 1000,
      completer,
    });
    let failures = 0;
    if (terminal) rl.prompt();
    for await (const line of rl) {
      const words = splitWords(line);
      if (words.length > 0) {
        if (terminal) remember(historyFile, line);
        const [name, ...args] = words;
        if (name === "exit" || name === "quit") break;
        if (name === "help") context.stdout.write(`Commands: ${Object.keys(COMMANDS).join(", ")}, help, exit. '<command> --help' for one.\n`);
        else if (COMMANDS[name] === undefined) {
          failures++;
          context.stderr.write(`unknown command '${name}'; commands: ${WORDS.join(", ")}\n`);
        } else if ((await COMMANDS[name].run([...args, ...storeFlag, ...flags(values)], context)) !== ExitCode.ok) failures++;
      }
      if (terminal) rl.prompt();
    }
    rl.close();
    completer.close();
    // Piped input is a script: it fails when any of its lines did.
    return !terminal && failures > 0 ? ExitCode.problems : ExitCode.ok;
  },
});

function flags(values: Record<string, unknown>): string[] {
  return [values.json === true ? "--json" : "", values.color === true ? "--color" : "", values["no-color"] === true ? "--no-color" : ""].filter((f) => f !== "");
}

/** Words of a line as a shell splits them: single or double quotes group, backslash escapes. */
export function splitWords(line: string): string[] {
  const words: string[] = [];
  const pattern = /'([^']*)'|"((?:[^"\\]|\\.)*)"|(\S+)/g;
  for (const match of line.matchAll(pattern)) words.push(match[1] ?? (match[2] !== undefined ? match[2].replace(/\\(.)/g, "$1") : match[3]));
  return words;
}

type Completer = ((line: string) => [string[], string]) & { close(): void };

/** Tab completion, on its own connection to the store (opened in the background at start). */
async function completerFor(values: Record<string, unknown>, context: CliContext): Promise<Completer> {
  let store: Store<Record<string, unknown>> | undefined;
  let tried = false;
  const open = (): Store<Record<string, unknown>> | undefined => {
    if (!tried) {
      tried = true;
      openFor(values as never, context).then((s) => (store = s), () => undefined);
    }
    return store;
  };
  open();
  const complete = ((line: string) => completeLine(line, open)) as Completer;
  complete.close = () => store?.close();
  return complete;
}

/** Completions of the line's last word: a command, then `collection/` or `collection/key`. */
export function completeLine(line: string, store: () => Store<Record<string, unknown>> | undefined): [string[], string] {
  const words = line.split(/\s+/);
  const last = words[words.length - 1] ?? "";
  if (words.length <= 1) return [WORDS.filter((w) => w.startsWith(last)), last];
  const open = store();
  if (open === undefined) return [[], last];
  try {
    const slash = last.indexOf("/");
    if (slash < 0) {
      const names = open.listCollections().filter((c) => c.startsWith(last));
      return [words[0] === "list" ? names : names.map((n) => `${n}/`), last];
    }
    const collection = last.slice(0, slash);
    const keys = open.list(collection, { prefix: last.slice(slash + 1) || undefined, limit: 50 }).items.map((i) => `${collection}/${i.key}`);
    return [keys, last];
  } catch {
    return [[], last];
  }
}

function readHistory(file: string): string[] {
  try {
    // readline wants the newest first.
    return readFileSync(file, "utf8").split("\n").filter((l) => l !== "").reverse().slice(0, 1000);
  } catch {
    return [];
  }
}

function remember(file: string, line: string): void {
  try {
    appendFileSync(file, `${line}\n`);
  } catch {
    // A history that cannot be saved (read-only home) does not stop the shell.
  }
}
