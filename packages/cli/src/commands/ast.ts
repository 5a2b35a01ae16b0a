import { readFileSync, statSync } from "node:fs";
import { formatDiagnostic, parse } from "@kova/compiler";
import { UsageError } from "../args.js";
import { ExitCode, shouldColor } from "../command.js";
import { defineCommand } from "../define-command.js";

export const astCommand = defineCommand({
  name: "ast",
  summary: "Print a file's syntax tree as JSON",
  usage: `Usage: kova ast [options] FILE

Parses FILE (no checking) and prints its syntax tree as JSON with a 2-space indent. The output is
deterministic: the same input gives byte-identical output. The node types are described in
docs/ast.md. Parse diagnostics go to stderr; the tree is printed even when there are some, with
the unreadable parts as Missing nodes.

Options:
  --no-spans  Leave out source positions (every "span" and "...Span" field)
  -h, --help  Show this help

Exit status: 0 parsed cleanly, 1 parse errors, 2 bad command line or unreadable file.
`,
  options: { "no-spans": { type: "boolean" } },
  execute({ values, positionals }, context) {
    if (positionals.length !== 1) {
      throw new UsageError(positionals.length === 0 ? "expected a FILE" : "expected exactly one FILE");
    }
    const file = positionals[0];
    const text = readSource(file);
    if (typeof text !== "string") {
      context.stderr.write(`kova ast: cannot read ${file}: ${text.problem}\n`);
      return ExitCode.usage;
    }

    const { program, source, diagnostics } = parse(text, file);
    const withoutSpans = values["no-spans"] === true;
    // JSON.stringify keeps insertion order, and the parser builds every node the same way each
    // time, so the text is stable; the replacer only removes spans.
    const json = JSON.stringify(program, withoutSpans ? dropSpans : undefined, 2);
    context.stdout.write(json + "\n");

    const color = shouldColor({}, context.stderr, context.env);
    for (const d of diagnostics) context.stderr.write(formatDiagnostic(d, source, { color }) + "\n\n");
    return diagnostics.some((d) => d.severity === "error") ? ExitCode.problems : ExitCode.ok;
  },
});

function readSource(file: string): string | { problem: string } {
  try {
    if (statSync(file).isDirectory()) return { problem: "it is a folder (kova ast takes one .kova file)" };
    return readFileSync(file, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT") return { problem: "no such file" };
    if (code === "EACCES") return { problem: "permission denied" };
    return { problem: (error as Error).message };
  }
}

function dropSpans(key: string, value: unknown): unknown {
  return key === "span" || key.endsWith("Span") ? undefined : value;
}
