import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { parseDuration } from "@kova/runtime";
import { UsageError } from "../../args.js";
import { ExitCode } from "../../command.js";
import { defineCommand } from "../../define-command.js";
import { fail } from "./store.js";

export const scheduleCommand = defineCommand({
  name: "db backup schedule",
  summary: "Make the app back up its store itself, every so often",
  usage: `Usage: kova db backup schedule [APP] --every DURATION --retention DURATION [--dir DIR]
       kova db backup schedule [APP] --off

Writes "backups" into APP/kova.config.json. The running app then writes a backup of each embedded
data source every DURATION into DIR (default .kova/backups), named <source>-<UTC time>.kovabackup,
and deletes that source's backups older than the retention (always keeping the newest). Restart
the app for a change to apply. Durations: a whole number and a unit, s m h d w (30m, 6h, 7d).

Options:
  --every <DURATION>      How often to back up
  --retention <DURATION>  How long to keep a backup
  --dir <DIR>             Where backups go, relative to APP (default .kova/backups)
  --off                   Remove the schedule
  -h, --help              Show this help
`,
  options: { every: { type: "string" }, retention: { type: "string" }, dir: { type: "string" }, off: { type: "boolean" } },
  async execute({ values, positionals }, context) {
    if (positionals.length > 1) throw new UsageError(`unexpected argument '${positionals[1]}'`);
    const off = values.off === true;
    if (off && (values.every !== undefined || values.retention !== undefined)) throw new UsageError("--off takes no --every or --retention");
    if (!off) {
      for (const flag of ["every", "retention"] as const) {
        if (values[flag] === undefined) throw new UsageError(`--${flag} is required (e.g. --every 6h --retention 7d)`);
        if (parseDuration(String(values[flag])) === undefined) throw new UsageError(`--${flag} takes a duration such as 30m, 6h or 7d, not '${values[flag]}'`);
      }
    }
    const path = join(resolve(positionals[0] ?? "."), "kova.config.json");
    let config: Record<string, unknown> = {};
    if (existsSync(path)) {
      try {
        config = JSON.parse(readFileSync(path, "utf8")) as Record<string, unknown>;
      } catch (error) {
        return fail(context, "backup schedule", `${path} is not valid JSON (${(error as Error).message}); fix it first`);
      }
    }
    if (off) delete config.backups;
    else config.backups = { every: String(values.every), retention: String(values.retention), ...(values.dir === undefined ? {} : { dir: String(values.dir) }) };
    writeFileSync(path, JSON.stringify(config, null, 2) + "\n");
    context.stdout.write(off ? `backup schedule removed from ${path}\n` : `${path}: back up every ${values.every}, keep ${values.retention}; restart the app to apply\n`);
    return ExitCode.ok;
  },
});
