/**
 * `kova db <subcommand>`: operations on an app's data. A dispatcher, so each subcommand is its own
 * file with its own flags and help; later subcommands register in SUBCOMMANDS.
 */
import { closestName } from "@kova/compiler";
import { ExitCode, processContext, type Command } from "../../command.js";
import { backupCommand } from "./backup.js";
import { exportCommand } from "./export.js";
import { importCommand } from "./import.js";
import { rekeyCommand } from "./rekey.js";
import { restoreCommand } from "./restore.js";
import { scheduleCommand } from "./schedule.js";
import { verifyCommand } from "./verify.js";
import { batchCommand } from "./batch.js";
import { deleteCommand } from "./delete.js";
import { getCommand } from "./get.js";
import { listCommand } from "./list.js";
import { logCommand } from "./log.js";
import { setCommand } from "./set.js";
import { shellCommand } from "./shell.js";
import { serveCommand } from "./serve.js";
import { keysCommand } from "./keys.js";
import { queryCommand } from "./query.js";
import { forgetCommand, rotateKeysCommand } from "./secrets.js";
import { checkReadModelCommand, rebuildReadModelCommand } from "./read-model.js";

/** By the words that select them: "backup schedule" before "backup", so the longer match wins. */
const SUBCOMMANDS: ReadonlyArray<{ words: string[]; command: Command }> = [
  { words: ["backup", "schedule"], command: scheduleCommand },
  { words: ["backup"], command: backupCommand },
  { words: ["restore"], command: restoreCommand },
  { words: ["verify"], command: verifyCommand },
  { words: ["export"], command: exportCommand },
  { words: ["import"], command: importCommand },
  { words: ["rekey"], command: rekeyCommand },
  // ENCRYPTED fields' data keys (docs/entities.md, "Encrypted fields").
  { words: ["forget"], command: forgetCommand },
  { words: ["rotate-keys"], command: rotateKeysCommand },
  // The versioned store on its own (@kova/store): keys and JSON values, see docs/store.md.
  { words: ["set"], command: setCommand },
  { words: ["get"], command: getCommand },
  { words: ["log"], command: logCommand },
  { words: ["list"], command: listCommand },
  { words: ["delete"], command: deleteCommand },
  { words: ["batch"], command: batchCommand },
  { words: ["shell"], command: shellCommand },
  { words: ["serve"], command: serveCommand },
  { words: ["keys"], command: keysCommand },
  { words: ["query"], command: queryCommand },
  // READ MODELs (docs/entities.md, "Read models").
  { words: ["rebuild-read-model"], command: rebuildReadModelCommand },
  { words: ["check-read-model"], command: checkReadModelCommand },
];

function usage(): string {
  const width = Math.max(...SUBCOMMANDS.map((s) => s.words.join(" ").length));
  return `Usage: kova db <subcommand> [options]

Operations on an app's data: backups, point-in-time recovery, export and import, encryption keys,
rebuilding and checking read models;
and the versioned store on its own: set, get, log, list, delete, batch, shell, serve, keys,
query (docs/store.md).

Subcommands:
${SUBCOMMANDS.map((s) => `  ${s.words.join(" ").padEnd(width)}  ${s.command.summary}`).join("\n")}

Run 'kova db <subcommand> --help' for a subcommand's options. See docs/operations.md.
`;
}

export const dbCommand: Command = {
  name: "db",
  summary: "Back up, restore, verify, export, import and re-key an app's data",
  get usage() {
    return usage();
  },
  async run(args, context = processContext()) {
    const [first] = args;
    if (first === undefined || first === "--help" || first === "-h" || first === "help") {
      context.stdout.write(usage());
      return first === undefined ? ExitCode.usage : ExitCode.ok;
    }
    const match = SUBCOMMANDS.find((s) => s.words.every((w, i) => args[i] === w));
    if (match === undefined) {
      const near = closestName(first, [...new Set(SUBCOMMANDS.map((s) => s.words[0]))]);
      context.stderr.write(`kova db: unknown subcommand '${first}'${near === undefined ? "" : `; did you mean '${near}'?`}\n`);
      context.stderr.write("Run 'kova db --help' for the list of subcommands.\n");
      return ExitCode.usage;
    }
    return match.command.run(args.slice(match.words.length), context);
  },
};
