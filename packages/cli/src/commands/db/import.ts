import { defineCommand } from "../../define-command.js";
export const importCommand = defineCommand({ name: "db import", summary: "todo", usage: "todo", options: {}, execute: () => 2 });
