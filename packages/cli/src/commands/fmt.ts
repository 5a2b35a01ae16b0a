import { readFileSync, writeFileSync } from "node:fs";
import { decodeSource, findKovaFiles, invalidUtf8Diagnostic, formatDiagnostic, formatSource, FormatterError, SourceFile } from "@kova/compiler";
import { ExitCode, shouldColor } from "../command.js";
import { defineCommand } from "../define-command.js";

export const fmtCommand = defineCommand({
  name: "fmt",
  summary: "Rewrite .kova files in the canonical style",
  usage: `Usage: kova fmt [options] [PATH...]

Formats .kova files in place, in Kova's one canonical style, and lists the files it changed.
Each PATH is a file or a folder (searched recursively, skipping node_modules, dist and .kova);
the default is the current folder. A file with syntax errors is reported and left alone.

Options:
  --check                Change nothing; list the files that are not formatted and exit 1
                         if there are any (for CI)
  --color, --no-color    Force colour on or off in diagnostics
  -h, --help             Show this help

Exit status: 0 all files formatted (or, with --check, already formatted); 1 syntax errors, or
files that --check would change; 2 bad command line or missing path.
`,
  options: {
    check: { type: "boolean" },
    color: { type: "boolean" },
    "no-color": { type: "boolean" },
  },
  execute({ values, positionals }, context) {
    const check = values.check === true;
    const paths = positionals.length > 0 ? positionals : ["."];
    const found = findKovaFiles(paths, (skip) => context.stderr.write(`kova fmt: warning: skipped ${skip.path}: ${skip.reason}\n`));
    if (found.missing.length > 0) {
      for (const path of found.missing) context.stderr.write(`kova fmt: no such file or folder: ${path}\n`);
      return ExitCode.usage;
    }
    if (found.files.length === 0) {
      context.stderr.write(`kova fmt: no .kova files found in ${paths.join(", ")}\n`);
      return ExitCode.usage;
    }
    const color = shouldColor({ color: values.color === true, noColor: values["no-color"] === true }, context.stdout, context.env);

    const changed: string[] = [];
    const broken: string[] = [];
    let internal = false;
    for (const file of found.files) {
      let bytes: Buffer;
      try {
        bytes = readFileSync(file);
      } catch (error) {
        context.stderr.write(`kova fmt: cannot read ${file}: ${(error as Error).message}\n`);
        broken.push(file);
        continue;
      }
      // Only a file whose text encodes back to exactly its bytes may be rewritten: invalid UTF-8
      // read leniently would come back as U+FFFD and the original bytes would be lost.
      const read = decodeSource(bytes);
      if (read.invalidUtf8) {
        const source = new SourceFile(file, read.text);
        context.stdout.write(formatDiagnostic(invalidUtf8Diagnostic(source, read.invalidUtf8), source, { color }) + "\n\n");
        broken.push(file);
        continue;
      }
      if (!Buffer.from(read.text, "utf8").equals(bytes)) {
        context.stderr.write(`kova fmt: ${file} does not read back as the same bytes; left unchanged\n`);
        broken.push(file);
        continue;
      }
      const text = read.text;
      let result;
      try {
        result = formatSource(text, file);
      } catch (error) {
        if (!(error instanceof FormatterError)) throw error;
        // The formatter refused its own output: leave the file as it is and say so.
        context.stderr.write(`kova fmt: internal error, ${file} left unchanged: ${error.message}\n`);
        internal = true;
        continue;
      }
      const errors = result.diagnostics.filter((d) => d.severity === "error");
      if (errors.length > 0) {
        const source = new SourceFile(file, text);
        for (const d of errors) context.stdout.write(formatDiagnostic(d, source, { color }) + "\n\n");
        broken.push(file);
        continue;
      }
      if (!result.changed) continue;
      changed.push(file);
      if (!check) writeFileSync(file, result.text);
      context.stdout.write(`${file}\n`);
    }

    const total = found.files.length;
    const count = (n: number) => `${n} file${n === 1 ? "" : "s"}`;
    const verb = check ? "would be reformatted" : "reformatted";
    const skipped = broken.length > 0 ? `, ${count(broken.length)} with errors left alone` : "";
    context.stdout.write(`${count(changed.length)} ${verb}, ${count(total - changed.length - broken.length)} already formatted${skipped}\n`);

    if (internal) return ExitCode.internal;
    if (broken.length > 0 || (check && changed.length > 0)) return ExitCode.problems;
    return ExitCode.ok;
  },
});
