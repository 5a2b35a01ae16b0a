import { parseArgs } from "node:util";
import { closestName } from "@kova/compiler";

/** A mistake on the command line; the command prints it with a pointer to --help and exits 2. */
export class UsageError extends Error {}

export interface OptionSpec {
  type: "boolean" | "string";
  short?: string;
  /** The flag may be given several times; its value is then a list. */
  multiple?: boolean;
}

export interface ParsedArgs {
  values: Record<string, string | boolean | string[] | undefined>;
  positionals: string[];
}

/**
 * Parses a command's arguments with node:util's parseArgs (strict), turning its errors into
 * UsageErrors; an unknown flag gets a "did you mean" from the command's own flags.
 */
export function parseCommandArgs(args: readonly string[], options: Record<string, OptionSpec>): ParsedArgs {
  try {
    const { values, positionals } = parseArgs({ args: [...args], options, allowPositionals: true, strict: true });
    return { values: values as ParsedArgs["values"], positionals };
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === "ERR_PARSE_ARGS_UNKNOWN_OPTION") {
      const flag = /'([^']+)'/.exec((error as Error).message)?.[1] ?? "";
      throw new UsageError(`unknown option '${flag}'${suggestFlag(flag, options)}`);
    }
    if (typeof code === "string" && code.startsWith("ERR_PARSE_ARGS")) {
      // parseArgs's own sentence (e.g. "Option '--format <value>' argument missing") is already clear.
      throw new UsageError(firstSentence((error as Error).message));
    }
    throw error;
  }
}

function suggestFlag(flag: string, options: Record<string, OptionSpec>): string {
  // Compare without the dashes so "--fromat" is as close to "--format" as "fromat" is to "format".
  const bare = flag.replace(/^-+/, "").replace(/=.*$/, "");
  const match = closestName(bare, Object.keys(options));
  return match === undefined ? "" : `; did you mean '--${match}'?`;
}

/** parseArgs's messages run on with hints about `--`; keep the first sentence, in our lower-case style. */
function firstSentence(message: string): string {
  const end = message.indexOf(". ");
  const sentence = end === -1 ? message.replace(/\.$/, "") : message.slice(0, end);
  return sentence.charAt(0).toLowerCase() + sentence.slice(1);
}

/** A non-negative whole number given to a flag. */
export function parseCount(value: string, flag: string): number {
  if (!/^\d+$/.test(value)) throw new UsageError(`${flag} expects a whole number, got '${value}'`);
  return Number(value);
}

/**
 * `--port`: decimal digits only, 0 to 65535 (the rule the runtime applies to PORT). `Number()`
 * alone would take "0x10", "1e3" or "8.0". Undefined when the flag is not given.
 */
export function portFlag(value: unknown): number | undefined {
  if (value === undefined) return undefined;
  const text = String(value);
  const port = /^\d{1,5}$/.test(text) ? Number(text) : NaN;
  if (!(port <= 65535)) throw new UsageError(`--port takes a whole number from 0 to 65535, not '${text}'`);
  return port;
}

/** `--host`, when given; an empty one is a mistake, not "the default". */
export function hostFlag(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (String(value).trim() === "") throw new UsageError("--host needs an address, e.g. 127.0.0.1 or 0.0.0.0");
  return String(value);
}
