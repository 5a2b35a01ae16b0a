import { defineCommand } from "../../define-command.js";
export const exportCommand = defineCommand({ name: "db export", summary: "todo", usage: "todo", options: {}, execute: () => 2 });
