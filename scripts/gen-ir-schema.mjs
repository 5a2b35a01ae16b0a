#!/usr/bin/env node
// Generates docs/ir.schema.json (a JSON Schema for the app model that `kova build --emit ir` prints)
// from the TypeScript types in packages/compiler/src/ir/nodes.ts, the same way as the AST's schema.
//
//   node scripts/gen-ir-schema.mjs          write docs/ir.schema.json
//   node scripts/gen-ir-schema.mjs --check  exit 1 (with a message) when the committed file is stale
import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath, pathToFileURL } from "node:url";
import { generateSchema } from "./gen-ast-schema.mjs";

const root = fileURLToPath(new URL("..", import.meta.url));
export const IR_NODES_FILE = `${root}packages/compiler/src/ir/nodes.ts`;
export const IR_SCHEMA_FILE = `${root}docs/ir.schema.json`;

export function generateIrSchema() {
  return generateSchema({
    path: IR_NODES_FILE,
    type: "AppModel",
    title: "Kova app model (IR)",
    description: "The app model a checked Kova program lowers to, as printed by `kova build --emit ir`. Generated from packages/compiler/src/ir/nodes.ts by scripts/gen-ir-schema.mjs; do not edit by hand.",
  });
}

function main(args) {
  const fresh = generateIrSchema();
  if (args.includes("--check")) {
    let committed = "";
    try {
      committed = readFileSync(IR_SCHEMA_FILE, "utf8");
    } catch {
      console.error("docs/ir.schema.json is missing; run: node scripts/gen-ir-schema.mjs");
      return 1;
    }
    if (committed !== fresh) {
      console.error("docs/ir.schema.json is out of date with packages/compiler/src/ir/nodes.ts; run: node scripts/gen-ir-schema.mjs");
      return 1;
    }
    console.log("docs/ir.schema.json is up to date");
    return 0;
  }
  writeFileSync(IR_SCHEMA_FILE, fresh);
  console.log(`wrote docs/ir.schema.json (${Object.keys(JSON.parse(fresh).definitions).length} definitions)`);
  return 0;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  try {
    process.exitCode = main(process.argv.slice(2));
  } catch (error) {
    console.error(`could not generate the IR schema: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  }
}
