import { closestName } from "@kova/compiler";
import { UsageError } from "../args.js";
import { ExitCode } from "../command.js";
import { defineCommand } from "../define-command.js";
import { allCommands, COMMAND_NAMES, findCommand } from "../registry.js";

/** The text of `kova`, `kova --help` and `kova help`. */
export async function generalHelp(): Promise<string> {
  const commands = await allCommands();
  const width = Math.max(...commands.map((c) => c.name.length));
  const list = commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`).join("\n");
  return `kova — the Kova backend language toolchain

Usage: kova <command> [options]

Commands:
${list}

Options:
  -h, --help     Show this help
  -v, --version  Print the version

Run 'kova help <command>' or 'kova <command> --help' for a command's options.
`;
}

/** "unknown command 'chek'; did you mean 'check'?" */
export function unknownCommandMessage(name: string): string {
  const match = closestName(name, COMMAND_NAMES);
  return `unknown command '${name}'${match === undefined ? "" : `; did you mean '${match}'?`}`;
}

export const helpCommand = defineCommand({
  name: "help",
  summary: "Show the list of commands, or one command's help",
  usage: `Usage: kova help [COMMAND]

Without COMMAND, lists every command. With one, prints that command's help (the same as
'kova COMMAND --help').

Options:
  -h, --help  Show this help
`,
  options: {},
  async execute({ positionals }, context) {
    if (positionals.length === 0) {
      context.stdout.write(await generalHelp());
      return ExitCode.ok;
    }
    if (positionals.length > 1) throw new UsageError("expected at most one COMMAND");
    const command = await findCommand(positionals[0]);
    if (command === undefined) throw new UsageError(unknownCommandMessage(positionals[0]));
    context.stdout.write(command.usage.trimEnd() + "\n");
    return ExitCode.ok;
  },
});
