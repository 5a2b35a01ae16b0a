import { UsageError } from "../args.js";
import { ExitCode } from "../command.js";
import { defineCommand } from "../define-command.js";

export const lspCommand = defineCommand({
  name: "lsp",
  summary: "Run the Kova language server (for editors)",
  usage: `Usage: kova lsp [--stdio]

Runs the Kova language server, speaking the Language Server Protocol over stdin/stdout. Editors
start it (the VS Code extension runs \`kova lsp --stdio\`); it is not meant to be typed by hand.

It checks open documents as they are typed (other .kova files are read from disk) and answers
diagnostics with quick-fixes, hover, completion, go to definition, references, document symbols,
rename and formatting.

Options:
  --stdio     Talk over stdin/stdout (the default and only transport)
  -h, --help  Show this help

Exit status: 0 after the editor's shutdown and exit; 1 when the editor exits or disconnects
without shutdown.
`,
  options: { stdio: { type: "boolean" } },
  async execute({ positionals }, context) {
    if (positionals.length > 0) throw new UsageError(`unexpected argument '${positionals[0]}'`);
    // Loaded here, not with the CLI: the language server's protocol libraries are most of what
    // every other kova command would otherwise load at start.
    const { startServer } = await import("@kova/lsp");
    if (process.stdin.isTTY) {
      context.stderr.write("kova lsp: waiting for an editor to speak the Language Server Protocol on stdin (Ctrl-C to quit)\n");
    }
    // The "Run test" lenses run this same kova (`kova test`).
    startServer(process.stdin, process.stdout, { testCommand: [process.execPath, process.argv[1], "test"] });
    // The protocol's `exit` ends the process from inside the server (status 0 after `shutdown`,
    // else 1). An editor that goes away without either closes stdin: stop with status 1.
    return new Promise<number>((resolve) => {
      process.stdin.once("end", () => resolve(ExitCode.problems));
    });
  },
});
