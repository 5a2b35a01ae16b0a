import { relative } from "node:path";
import { fileURLToPath } from "node:url";
import { ExitCode } from "../command.js";
import { defineCommand } from "../define-command.js";
import { initProject, nextSteps, TEMPLATES } from "../init-project.js";
import { cliVersion } from "../version.js";

/** Where the todo and blog templates are: shipped in the package (templates/), or a checkout's examples/. */
export function templateRoots(): string[] {
  return [fileURLToPath(new URL("../../../templates", import.meta.url)), fileURLToPath(new URL("../../../../../examples", import.meta.url))];
}

export const initCommand = defineCommand({
  name: "init",
  summary: "Create a new Kova app that runs at once",
  usage: `Usage: kova init [options] [DIR]

Creates DIR (default ".") with a Kova app, README.md, .gitignore and a package.json that depends
on kova (an existing package.json is left alone). Refuses to overwrite files.
Then: cd DIR && npm install && npx kova run

Options:
  --template <NAME>  ${TEMPLATES.join(" | ")} (default notes: a small notes API on the embedded
                     store, with validation, history and time travel; todo and blog are the
                     examples of the guide)
  -h, --help         Show this help
`,
  options: { template: { type: "string" } },
  execute({ values, positionals }, context) {
    const result = initProject({
      dir: positionals[0] ?? ".",
      template: values.template === undefined ? undefined : String(values.template),
      kovaVersion: cliVersion(),
      templateRoots: templateRoots(),
    });
    if (!result.ok) {
      context.stderr.write(`kova init: ${result.message}\n`);
      return result.usage ? ExitCode.usage : ExitCode.problems;
    }
    const shown = relative(process.cwd(), result.dir) || ".";
    context.stdout.write(`created a Kova app in ${shown} (${result.files.join(", ")})\nstart it with:\n${nextSteps(shown, result.dir).map((s) => `  ${s}\n`).join("")}`);
    return ExitCode.ok;
  },
});
