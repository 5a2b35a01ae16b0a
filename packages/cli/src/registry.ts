import type { Command } from "./command.js";
import { addCommand } from "./commands/add.js";
import { astCommand } from "./commands/ast.js";
import { checkCommand } from "./commands/check.js";
import { clientCommand } from "./commands/client.js";
import { buildCommand } from "./commands/build.js";
import { devCommand } from "./commands/dev.js";
import { fmtCommand } from "./commands/fmt.js";
import { helpCommand } from "./commands/help.js";
import { initCommand } from "./commands/init.js";
import { lspCommand } from "./commands/lsp.js";
import { migrateCommand } from "./commands/migrate.js";
import { playgroundCommand } from "./commands/playground.js";
import { dbCommand } from "./commands/db/index.js";
import { runCommand } from "./commands/run.js";
import { tasksCommand } from "./commands/tasks.js";
import { testCommand } from "./commands/test.js";

/**
 * Every `kova` command, in the order `kova help` lists them. A function rather than a constant
 * because `help` reads this list too: the call happens at run time, after all modules loaded.
 */
export function allCommands(): readonly Command[] {
  return [initCommand, addCommand, runCommand, devCommand, buildCommand, clientCommand, migrateCommand, testCommand, dbCommand, checkCommand, fmtCommand, astCommand, tasksCommand, lspCommand, playgroundCommand, helpCommand];
}

export function findCommand(name: string): Command | undefined {
  return allCommands().find((c) => c.name === name);
}
