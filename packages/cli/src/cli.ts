import { closestName } from "@kova/compiler";
import { ExitCode, processContext, type CliContext } from "./command.js";
import { generalHelp, unknownCommandMessage } from "./commands/help.js";
import { findCommand } from "./registry.js";
import { cliVersion } from "./version.js";

const GLOBAL_FLAGS = ["--help", "--version"];

/**
 * Runs `kova ARGS…` and returns the exit code. Never throws: a bug in a command becomes one
 * clear line (the stack only with KOVA_DEBUG=1), never a stack trace in a user's face.
 */
export async function runCli(argv: readonly string[], context: CliContext = processContext()): Promise<number> {
  const [first, ...rest] = argv;
  if (first === undefined || first === "--help" || first === "-h") {
    context.stdout.write(await generalHelp());
    return ExitCode.ok;
  }
  if (first === "--version" || first === "-v") {
    context.stdout.write(`kova ${cliVersion()}\n`);
    return ExitCode.ok;
  }
  if (first.startsWith("-")) {
    const match = closestName(first.replace(/^-+/, ""), GLOBAL_FLAGS.map((f) => f.slice(2)));
    context.stderr.write(`kova: unknown option '${first}'${match === undefined ? "" : `; did you mean '--${match}'?`}\n`);
    context.stderr.write("Run 'kova --help' for usage.\n");
    return ExitCode.usage;
  }

  const command = await findCommand(first);
  if (command === undefined) {
    context.stderr.write(`kova: ${unknownCommandMessage(first)}\n`);
    context.stderr.write("Run 'kova help' for the list of commands.\n");
    return ExitCode.usage;
  }
  try {
    return await command.run(rest, context);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    context.stderr.write(`kova ${command.name}: internal error: ${message}\n`);
    if (context.env.KOVA_DEBUG && error instanceof Error && error.stack) context.stderr.write(error.stack + "\n");
    else context.stderr.write("This is a bug in kova; run again with KOVA_DEBUG=1 for details and report it.\n");
    return ExitCode.internal;
  }
}
