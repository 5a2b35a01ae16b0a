import { relative } from "node:path";
import { buildApp } from "../build/build-app.js";
import { reportBuildFailure } from "../build/report.js";
import { ExitCode, shouldColor } from "../command.js";
import { defineCommand } from "../define-command.js";

export const buildCommand = defineCommand({
  name: "build",
  summary: "Compile a Kova app to a self-contained dist/ that runs with plain node",
  usage: `Usage: kova build [options] [PATH]

Checks the program at PATH (a .kova file, or a folder holding one program; default ".") and
writes PATH/dist: app.js (+ source map), server.js and a package.json naming only the Kova runtime
and the drivers the program uses. Start the result with: node dist/server.js

Options:
  --out <DIR>            Output folder (default: <app folder>/dist)
  --color, --no-color    Force colour on or off in diagnostics
  -h, --help             Show this help

Exit status: 0 built, 1 the program has errors, 2 bad command line.
`,
  options: { out: { type: "string" }, color: { type: "boolean" }, "no-color": { type: "boolean" } },
  async execute({ values, positionals }, context) {
    const result = await buildApp({ entry: positionals[0] ?? ".", outDir: values.out === undefined ? undefined : String(values.out) });
    if (!result.ok) {
      reportBuildFailure(result, context.stderr, shouldColor({ color: values.color === true, noColor: values["no-color"] === true }, context.stderr, context.env));
      return ExitCode.problems;
    }
    const out = relative(process.cwd(), result.outDir) || ".";
    context.stdout.write(`built ${result.routes.length} route${result.routes.length === 1 ? "" : "s"} into ${out} in ${result.ms.toFixed(0)} ms — start it with: node ${out}/server.js\n`);
    return ExitCode.ok;
  },
});
