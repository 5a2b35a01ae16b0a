#!/usr/bin/env node
// Generates docs/ir.schema.json (a JSON Schema for the app model that `kova build --emit ir` prints)
// from the TypeScript types in packages/compiler/src/ir/nodes.ts, the same way as the AST's schema.
//
//   node scripts/gen-ir-schema.mjs          write docs/ir.schema.json
//   node scripts/gen-ir-schema.mjs --check  exit 1 (with a message) when the committed file is stale
import { fileURLToPath, pathToFileURL } from "node:url";
import { generateSchema, schemaCommand } from "./gen-ast-schema.mjs";

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
  return schemaCommand(args, {
    generate: generateIrSchema,
    file: IR_SCHEMA_FILE,
    shown: "docs/ir.schema.json",
    source: "packages/compiler/src/ir/nodes.ts",
    script: "scripts/gen-ir-schema.mjs",
  });
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  try {
    process.exitCode = main(process.argv.slice(2));
  } catch (error) {
    console.error(`could not generate the IR schema: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  }
}
