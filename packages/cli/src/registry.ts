import type { Command } from "./command.js";

/**
 * Every `kova` command, in the order `kova help` lists them, each loaded when it runs: `kova build`
 * loads the compiler, not the dev server, the database tools, the task inspector or the runtime's
 * features (start-up is part of every command's time).
 */
const COMMANDS: ReadonlyArray<readonly [string, () => Promise<Command>]> = [
  ["init", async () => (await import("./commands/init.js")).initCommand],
  ["add", async () => (await import("./commands/add.js")).addCommand],
  ["run", async () => (await import("./commands/run.js")).runCommand],
  ["dev", async () => (await import("./commands/dev.js")).devCommand],
  ["build", async () => (await import("./commands/build.js")).buildCommand],
  ["bytecode", async () => (await import("./commands/bytecode.js")).bytecodeCommand],
  ["client", async () => (await import("./commands/client.js")).clientCommand],
  ["migrate", async () => (await import("./commands/migrate.js")).migrateCommand],
  ["sql", async () => (await import("./commands/sql.js")).sqlCommand],
  ["test", async () => (await import("./commands/test.js")).testCommand],
  ["db", async () => (await import("./commands/db/index.js")).dbCommand],
  ["check", async () => (await import("./commands/check.js")).checkCommand],
  ["fmt", async () => (await import("./commands/fmt.js")).fmtCommand],
  ["ast", async () => (await import("./commands/ast.js")).astCommand],
  ["tasks", async () => (await import("./commands/tasks.js")).tasksCommand],
  ["engine", async () => (await import("./commands/engine.js")).engineCommand],
  ["lsp", async () => (await import("./commands/lsp.js")).lspCommand],
  ["playground", async () => (await import("./commands/playground.js")).playgroundCommand],
  ["help", async () => (await import("./commands/help.js")).helpCommand],
];

/** The commands' names, in help order (no command module loaded). */
export const COMMAND_NAMES: readonly string[] = COMMANDS.map(([name]) => name);

/** Every command, loaded (for `kova help`). */
export function allCommands(): Promise<readonly Command[]> {
  return Promise.all(COMMANDS.map(([, load]) => load()));
}

export async function findCommand(name: string): Promise<Command | undefined> {
  return COMMANDS.find(([n]) => n === name)?.[1]();
}
