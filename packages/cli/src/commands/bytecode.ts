import { existsSync, readFileSync } from "node:fs";
import { bytecode } from "@kova/compiler";
import { BytecodeLoadError, loadBytecode, publicKeyFromPem } from "@kova/vm";
import { UsageError } from "../args.js";
import { ExitCode } from "../command.js";
import { defineCommand } from "../define-command.js";

export const bytecodeCommand = defineCommand({
  name: "bytecode",
  summary: "Verify and disassemble a signed bytecode file (.kbc)",
  usage: `Usage: kova bytecode --disasm [options] FILE

Verifies FILE (format version, SHA-256, signature) and prints its constants, routes, queries and
each function's instructions. See docs/bytecode.md.

Options:
  --disasm               Print the instructions
  --key <PEM>            The public key to verify with (default: FILE.pub.pem beside it)
  -h, --help             Show this help

Exit status: 0 verified and printed, 1 the file was refused, 2 bad command line.
`,
  options: { disasm: { type: "boolean" }, key: { type: "string" } },
  async execute({ values, positionals }, context) {
    if (values.disasm !== true) throw new UsageError("say what to do: --disasm");
    const file = positionals[0];
    if (file === undefined) throw new UsageError("name the .kbc file");
    if (!existsSync(file)) throw new UsageError(`${file} does not exist`);
    const keyFile = values.key === undefined ? `${file}.pub.pem` : String(values.key);
    if (!existsSync(keyFile)) {
      context.stderr.write(`kova bytecode: no public key to verify ${file} with (${keyFile} does not exist; give one with --key)\n`);
      return ExitCode.problems;
    }
    try {
      const loaded = loadBytecode(readFileSync(file), [publicKeyFromPem(readFileSync(keyFile, "utf8"))]);
      context.stdout.write(`; sha256 ${loaded.hash}\n; signed by key ${loaded.keyId}\n`);
      context.stdout.write(bytecode.disassemble(loaded.program));
      return ExitCode.ok;
    } catch (error) {
      if (!(error instanceof BytecodeLoadError)) throw error;
      context.stderr.write(`kova bytecode: ${file} refused (${error.reason}): ${error.message}\n`);
      return ExitCode.problems;
    }
  },
});
