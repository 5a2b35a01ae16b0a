/**
 * The shape every `kova` sub-command has, and the context it runs in. Commands write through the
 * context instead of `process` and return an exit code instead of exiting, so they can be run
 * in-process by tests and by other commands (a later `kova dev` runs `check` first).
 */
export interface OutputStream {
  write(text: string): unknown;
  /** Only a terminal gets colour by default. */
  isTTY?: boolean;
}

export interface CliContext {
  stdout: OutputStream;
  stderr: OutputStream;
  env: Readonly<Record<string, string | undefined>>;
}

export interface Command {
  name: string;
  /** One line, shown in `kova help`. */
  summary: string;
  /** The full text of `kova <name> --help`. */
  usage: string;
  run(args: readonly string[], context?: CliContext): Promise<number>;
}

/** Exit codes: the contract scripts and CI rely on. */
export const ExitCode = {
  ok: 0,
  /** The program has errors (or more warnings than --max-warnings allows). */
  problems: 1,
  /** The command line itself is wrong: unknown command or flag, missing path. */
  usage: 2,
  /** A bug in kova itself (sysexits' EX_SOFTWARE). */
  internal: 70,
} as const;

export function processContext(): CliContext {
  return { stdout: process.stdout, stderr: process.stderr, env: process.env };
}

/** Colour by default only on a terminal, never when NO_COLOR is set (no-color.org); flags win. */
export function shouldColor(
  flags: { color?: boolean; noColor?: boolean },
  stream: OutputStream,
  env: CliContext["env"],
): boolean {
  if (flags.noColor) return false;
  if (flags.color) return true;
  return stream.isTTY === true && !env.NO_COLOR;
}
