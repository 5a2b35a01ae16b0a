#!/usr/bin/env node
// Generates docs/ast.schema.json (a JSON Schema for the AST that `kova ast FILE` prints) from the
// TypeScript types in packages/compiler/src/ast/nodes.ts, so the two cannot drift apart.
//
//   node scripts/gen-ast-schema.mjs          write docs/ast.schema.json
//   node scripts/gen-ast-schema.mjs --check  exit 1 (with a message) when the committed file is stale
//   --file PATH                              use another schema file (tests check a stale copy)
//
// The output is deterministic: definitions are sorted by name, every schema object's keywords are
// sorted, while each node's `properties` keep the order declared in nodes.ts (the order in which
// `kova ast` prints them). 2-space indent, trailing newline.
import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath, pathToFileURL } from "node:url";
import { createGenerator } from "ts-json-schema-generator";

const root = fileURLToPath(new URL("..", import.meta.url));
export const NODES_FILE = `${root}packages/compiler/src/ast/nodes.ts`;
export const SCHEMA_FILE = `${root}docs/ast.schema.json`;

/** Returns the schema text exactly as it is written to docs/ast.schema.json. */
export function generateAstSchema() {
  return generateSchema({
    path: NODES_FILE,
    type: "Program",
    title: "Kova AST",
    description: "The JSON form of one parsed .kova file, as printed by `kova ast FILE`. Generated from packages/compiler/src/ast/nodes.ts by scripts/gen-ast-schema.mjs; do not edit by hand.",
  });
}

/** A deterministic JSON Schema for one root type of a types file (the IR's generator uses it too). */
export function generateSchema({ path, type, title, description }) {
  const generator = createGenerator({
    path,
    // The compiler's own options (strict null checks above all: `Identifier | null` must keep its null).
    tsconfig: `${root}packages/compiler/tsconfig.json`,
    type,
    // `npm run gen:ast-schema` type-checks with tsc -b first; doing it again here only costs time.
    skipTypeCheck: true,
    // An AST node has exactly the fields nodes.ts declares; anything else is a bug in the producer.
    additionalProperties: false,
    jsDoc: "extended",
    sortProps: false,
  });
  const schema = generator.createSchema(type);
  const definitions = schema.definitions ?? {};
  const sortedDefinitions = Object.fromEntries(
    Object.keys(definitions)
      .sort()
      .map((name) => [name, normalise(definitions[name])]),
  );
  const out = normalise({
    $schema: schema.$schema,
    title,
    description,
    $ref: schema.$ref,
  });
  out.definitions = sortedDefinitions;
  return `${JSON.stringify(out, null, 2)}\n`;
}

/** Sorts schema keywords recursively; the members of `properties` keep their declared order. */
function normalise(value, keepOrder = false) {
  if (Array.isArray(value)) return value.map((item) => normalise(item));
  if (value === null || typeof value !== "object") return value;
  const keys = keepOrder ? Object.keys(value) : Object.keys(value).sort();
  return Object.fromEntries(keys.map((key) => [key, normalise(value[key], !keepOrder && key === "properties")]));
}

/**
 * The command both schema scripts run: write the schema, or with `--check` exit 1 (naming the fix)
 * when the committed file differs from a fresh generation. `--file PATH` targets another file.
 */
export function schemaCommand(args, { generate, file, shown, source, script }) {
  const fileFlag = args.indexOf("--file");
  const target = fileFlag === -1 ? file : args[fileFlag + 1];
  if (target === undefined) {
    console.error("--file needs a path");
    return 2;
  }
  const name = target === file ? shown : target;
  const fresh = generate();
  if (args.includes("--check")) {
    let committed = "";
    try {
      committed = readFileSync(target, "utf8");
    } catch {
      console.error(`${name} is missing; run: node ${script}`);
      return 1;
    }
    if (committed !== fresh) {
      console.error(`${name} is out of date with ${source}; run: node ${script}`);
      return 1;
    }
    console.log(`${name} is up to date`);
    return 0;
  }
  writeFileSync(target, fresh);
  console.log(`wrote ${name} (${Object.keys(JSON.parse(fresh).definitions).length} definitions)`);
  return 0;
}

function main(args) {
  return schemaCommand(args, {
    generate: generateAstSchema,
    file: SCHEMA_FILE,
    shown: "docs/ast.schema.json",
    source: "packages/compiler/src/ast/nodes.ts",
    script: "scripts/gen-ast-schema.mjs",
  });
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  try {
    process.exitCode = main(process.argv.slice(2));
  } catch (error) {
    // A syntax error in nodes.ts or a type the generator cannot express: say which, without a stack.
    console.error(`could not generate the AST schema: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  }
}
