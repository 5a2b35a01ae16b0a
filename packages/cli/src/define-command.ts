import { parseCommandArgs, UsageError, type OptionSpec, type ParsedArgs } from "./args.js";
import { ExitCode, processContext, type CliContext, type Command } from "./command.js";

interface CommandDefinition {
  name: string;
  summary: string;
  usage: string;
  /** The command's flags; --help/-h is added to every command. */
  options: Record<string, OptionSpec>;
  execute(args: ParsedArgs, context: CliContext): Promise<number> | number;
}

/**
 * Builds a Command from its flags and body, giving every command the same behaviour for
 * `--help` and for command-line mistakes (message, pointer to --help, exit 2).
 */
export function defineCommand(definition: CommandDefinition): Command {
  const options: Record<string, OptionSpec> = { ...definition.options, help: { type: "boolean", short: "h" } };
  return {
    name: definition.name,
    summary: definition.summary,
    usage: definition.usage,
    async run(args, context = processContext()) {
      try {
        const parsed = parseCommandArgs(args, options);
        if (parsed.values.help === true) {
          context.stdout.write(definition.usage.trimEnd() + "\n");
          return ExitCode.ok;
        }
        return await definition.execute(parsed, context);
      } catch (error) {
        if (!(error instanceof UsageError)) throw error;
        context.stderr.write(`kova ${definition.name}: ${error.message}\n`);
        context.stderr.write(`Run 'kova ${definition.name} --help' for usage.\n`);
        return ExitCode.usage;
      }
    },
  };
}
