import { mkdirSync, writeFileSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { buildApp, openApiDocument, typescriptClient } from "@kova/compiler";
import { reportBuildFailure } from "../build/report.js";
import { openapiSettings } from "../build/build-app.js";
import { UsageError } from "../args.js";
import { ExitCode, shouldColor } from "../command.js";
import { defineCommand } from "../define-command.js";

export const clientCommand = defineCommand({
  name: "client",
  summary: "Write a typed TypeScript client (and the OpenAPI document) for a Kova app",
  usage: `Usage: kova client [options] [PATH]

Checks the program at PATH (a .kova file or a folder; default ".") and writes, from the same
app model the server is compiled from:
  <DIR>/client.ts     a typed fetch client: the type of every entity row, view, VALIDATE shape
                      and response, one method per route; error answers throw KovaApiError
                      with the RFC 9457 problem. Needs nothing but fetch.
  <DIR>/openapi.json  the OpenAPI 3.1 document (as kova build writes into dist/)

Options:
  --ts <DIR>             Where to write them (default: ./client)
  --color, --no-color    Force colour on or off in diagnostics
  -h, --help             Show this help

Exit status: 0 written, 1 the program has errors, 2 bad command line.
`,
  options: { ts: { type: "string" }, color: { type: "boolean" }, "no-color": { type: "boolean" } },
  async execute({ values, positionals }, context) {
    if (positionals.length > 1) throw new UsageError(`kova client takes one PATH, got ${positionals.length}`);
    const result = await buildApp({ entry: positionals[0] ?? ".", irOnly: true });
    if (!result.ok || result.ir === null) {
      reportBuildFailure(result, context.stderr, shouldColor({ color: values.color === true, noColor: values["no-color"] === true }, context.stderr, context.env));
      return ExitCode.problems;
    }
    const dir = resolve(String(values.ts ?? "client"));
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, "client.ts"), typescriptClient(result.ir));
    writeFileSync(join(dir, "openapi.json"), `${JSON.stringify(openApiDocument(result.ir, openapiSettings(result.appDir)), null, 2)}\n`);
    const shown = relative(process.cwd(), dir) || ".";
    context.stdout.write(`wrote ${shown}/client.ts and ${shown}/openapi.json (${result.ir.entryPoints.length} routes)\n`);
    return ExitCode.ok;
  },
});
