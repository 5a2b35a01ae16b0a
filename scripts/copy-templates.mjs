#!/usr/bin/env node
// Copies the examples that `kova init --template` offers (examples/todo, examples/blog) into a
// package's templates/ folder: the kova CLI's and create-kova's prepack run this, so the published
// packages carry them. `node scripts/copy-templates.mjs DEST`.
import { copyFileSync, mkdirSync, readdirSync, rmSync, statSync } from "node:fs";
import { join, resolve } from "node:path";

const examples = new URL("../examples/", import.meta.url).pathname;
export const TEMPLATE_EXAMPLES = ["todo", "blog"];

function copyTree(from, to) {
  mkdirSync(to, { recursive: true });
  for (const name of readdirSync(from)) {
    if (name === "dist" || name === ".kova" || name === "node_modules") continue;
    const source = join(from, name);
    if (statSync(source).isDirectory()) copyTree(source, join(to, name));
    else copyFileSync(source, join(to, name));
  }
}

export function copyTemplates(dest) {
  rmSync(dest, { recursive: true, force: true });
  for (const name of TEMPLATE_EXAMPLES) copyTree(join(examples, name), join(dest, name));
}

if (process.argv[1] && resolve(process.argv[1]) === new URL(import.meta.url).pathname) {
  if (!process.argv[2]) {
    console.error("usage: node scripts/copy-templates.mjs DEST");
    process.exit(2);
  }
  copyTemplates(resolve(process.argv[2]));
}
