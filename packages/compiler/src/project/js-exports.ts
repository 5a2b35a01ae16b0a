import { parse, type Node as AcornNode, type Pattern } from "acorn";
import { dirname, extname, isAbsolute, join } from "node:path";
import type { CompilerHost } from "./host.js";

/** What the checker could learn about a JavaScript module's exports without running it. */
export type ModuleExports =
  | { kind: "known"; names: Set<string> }
  /** Not checked: TypeScript, CommonJS, or a star re-export from a package we do not read. */
  | { kind: "unchecked" }
  | { kind: "unreadable"; file: string; reason: string };

const TYPESCRIPT = new Set([".ts", ".mts", ".cts"]);

/**
 * Reads a module's export names by parsing it (acorn), never by running it: `kova check` must not
 * execute the app's code. `export * from "./other.js"` is followed; a star re-export from a package
 * makes the list open-ended, so the names are then not checked.
 */
export function readModuleExports(host: CompilerHost, file: string, seen: Set<string> = new Set()): ModuleExports {
  // Acorn reads JavaScript only; a TypeScript module's names are checked when it is compiled.
  if (TYPESCRIPT.has(extname(file))) return { kind: "unchecked" };
  if (seen.has(file)) return { kind: "known", names: new Set() };
  seen.add(file);
  const text = host.readFile(file);
  if (text === undefined) return { kind: "unreadable", file, reason: "the file cannot be read" };
  let program: ReturnType<typeof parse>;
  try {
    program = parse(text, { ecmaVersion: "latest", sourceType: "module", allowHashBang: true, locations: true });
  } catch (error) {
    return { kind: "unreadable", file, reason: `it does not parse as a JavaScript module: ${syntaxError(error)}` };
  }
  const isModule = program.body.some((s) => s.type.startsWith("Export") || s.type === "ImportDeclaration");
  // Without import/export syntax the file is CommonJS (or empty), whose named exports Node guesses at run time.
  if (!isModule && extname(file) !== ".mjs") return { kind: "unchecked" };

  const names = new Set<string>();
  for (const statement of program.body) {
    switch (statement.type) {
      case "ExportDefaultDeclaration":
        names.add("default");
        break;
      case "ExportNamedDeclaration": {
        const declaration = statement.declaration;
        if (declaration?.type === "VariableDeclaration") {
          for (const d of declaration.declarations) boundNames(d.id, names);
        } else if (declaration && "id" in declaration && declaration.id) {
          names.add(declaration.id.name);
        }
        for (const s of statement.specifiers) names.add(nameOf(s.exported));
        break;
      }
      case "ExportAllDeclaration": {
        if (statement.exported) {
          names.add(nameOf(statement.exported));
          break;
        }
        const from = String(statement.source.value);
        if (!from.startsWith("./") && !from.startsWith("../") && !isAbsolute(from)) return { kind: "unchecked" };
        const inner = readModuleExports(host, isAbsolute(from) ? from : join(dirname(file), from), seen);
        if (inner.kind !== "known") return inner;
        for (const n of inner.names) if (n !== "default") names.add(n);
        break;
      }
    }
  }
  return { kind: "known", names };
}

/** Acorn says "Unexpected token (2:0)" with a 0-based column; say it as an editor shows it. */
function syntaxError(error: unknown): string {
  const e = error as Error & { loc?: { line: number; column: number } };
  const message = e.message.replace(/ \(\d+:\d+\)$/, "");
  return e.loc ? `${message} at line ${e.loc.line}, column ${e.loc.column + 1}` : message;
}

function nameOf(node: AcornNode & ({ type: "Identifier"; name: string } | { type: "Literal"; value?: unknown })): string {
  return node.type === "Identifier" ? node.name : String(node.value);
}

/** The names a declaration binds: `const { a, b: c, ...d } = …` binds a, c and d. */
function boundNames(pattern: Pattern, into: Set<string>): void {
  switch (pattern.type) {
    case "Identifier":
      into.add(pattern.name);
      break;
    case "ObjectPattern":
      for (const p of pattern.properties) boundNames(p.type === "RestElement" ? p.argument : p.value, into);
      break;
    case "ArrayPattern":
      for (const e of pattern.elements) if (e) boundNames(e, into);
      break;
    case "RestElement":
      boundNames(pattern.argument, into);
      break;
    case "AssignmentPattern":
      boundNames(pattern.left, into);
      break;
  }
}
