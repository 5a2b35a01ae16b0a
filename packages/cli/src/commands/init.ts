import { existsSync, mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { ExitCode } from "../command.js";
import { defineCommand } from "../define-command.js";
import { SCAFFOLD } from "../build/scaffold.js";

export const initCommand = defineCommand({
  name: "init",
  summary: "Create a new Kova app that runs at once",
  usage: `Usage: kova init [DIR]

Creates DIR (default ".") with app.kova (a small notes API on the embedded store, with
validation, history and time travel), README.md and .gitignore. Refuses to overwrite files.
Then: npx kova run DIR
`,
  options: {},
  execute({ positionals }, context) {
    const dir = resolve(positionals[0] ?? ".");
    const clashes = Object.keys(SCAFFOLD).filter((name) => existsSync(join(dir, name)));
    if (clashes.length > 0) {
      context.stderr.write(`kova init: ${dir} already has ${clashes.join(", ")}; choose an empty folder\n`);
      return ExitCode.usage;
    }
    mkdirSync(dir, { recursive: true });
    for (const [name, text] of Object.entries(SCAFFOLD)) writeFileSync(join(dir, name), text);
    const shown = relative(process.cwd(), dir) || ".";
    const others = readdirSync(dir).length - Object.keys(SCAFFOLD).length;
    context.stdout.write(`created a Kova app in ${shown}${others > 0 ? ` (next to ${others} existing file${others === 1 ? "" : "s"})` : ""}\nstart it with: npx kova run ${shown}\n`);
    return ExitCode.ok;
  },
});
