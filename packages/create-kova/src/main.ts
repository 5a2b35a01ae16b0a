/**
 * `npm create kova@latest my-app [-- --template todo|blog]`. Writes the same app `kova init` writes
 * (the code is kova's, bundled into one file by scripts/bundle-create-kova.mjs, so this package
 * installs nothing) and says what to type next.
 */
import { readFileSync } from "node:fs";
import { relative } from "node:path";
import { parseArgs } from "node:util";
import { initProject, nextSteps, TEMPLATES } from "@kova/cli/dist/src/init-project.js";

const USAGE = `Usage: npm create kova@latest [DIR] [-- --template ${TEMPLATES.join("|")}]

Creates DIR (default "kova-app") with a Kova app and a package.json that depends on kova.
`;

export function createKova(argv: string[], packageRoot: string, out: { write(text: string): unknown } = process.stdout, err: { write(text: string): unknown } = process.stderr): number {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, allowPositionals: true, options: { template: { type: "string", short: "t" }, help: { type: "boolean", short: "h" } } });
  } catch (error) {
    err.write(`create-kova: ${(error as Error).message}\n${USAGE}`);
    return 2;
  }
  if (parsed.values.help) {
    out.write(USAGE);
    return 0;
  }
  if (parsed.positionals.length > 1) {
    err.write(`create-kova: one folder at a time, not ${parsed.positionals.join(" ")}\n${USAGE}`);
    return 2;
  }
  const version = (JSON.parse(readFileSync(`${packageRoot}/package.json`, "utf8")) as { version: string }).version;
  const result = initProject({ dir: parsed.positionals[0] ?? "kova-app", template: parsed.values.template, kovaVersion: version, templateRoots: [`${packageRoot}/templates`] });
  if (!result.ok) {
    err.write(`create-kova: ${result.message}\n`);
    return result.usage ? 2 : 1;
  }
  const shown = relative(process.cwd(), result.dir) || ".";
  out.write(`created a Kova app in ${shown}\n\nnext:\n${nextSteps(shown, result.dir).map((s) => `  ${s}\n`).join("")}`);
  return 0;
}
