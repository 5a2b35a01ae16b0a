import type { Node, Span } from "@kova/compiler";
import { KEYWORDS } from "@kova/compiler";
import { nodePathAt, walk } from "./ast-walk.js";
import type { Analysis } from "./workspace.js";

/** A name under the cursor and the declaration it stands for. */
export interface SymbolAt {
  use: Node;
  target: Node;
}

/** The innermost node at `offset` that resolves to a declaration. */
export function symbolAt(analysis: Analysis, path: string, offset: number): SymbolAt | undefined {
  const file = analysis.file(path);
  if (!file) return undefined;
  const nodes = nodePathAt(file.program, offset);
  for (let i = nodes.length - 1; i >= 0; i--) {
    const target = analysis.resolutions.get(nodes[i]);
    if (target) return { use: nodes[i], target };
  }
  return undefined;
}

/** The span of just the name a declaration introduces (what definition jumps to and rename edits). */
export function declarationNameSpan(target: Node): Span {
  switch (target.kind) {
    case "Entity":
    case "Validate":
    case "Connect":
    case "Field":
      return target.name.span;
    case "ImportName":
      return target.local.span;
    default:
      return nameSpan(target);
  }
}

/** The span of the name itself in a use: without the `$` of `$id` or the `:` of `:id`. */
export function nameSpan(node: Node): Span {
  const { span } = node;
  const shift = (from: number): Span => ({
    file: span.file,
    start: { line: span.start.line, column: span.start.column + (from - span.start.offset), offset: from },
    end: span.end,
  });
  if (node.kind === "Param") return shift(span.start.offset + 1);
  if (node.kind === "PathSegment") return shift(span.end.offset - node.value.length);
  return span;
}

/** The name a declaration or use spells. */
export function spelledName(node: Node): string | undefined {
  switch (node.kind) {
    case "Identifier":
    case "Name":
    case "Param":
      return node.name;
    case "PathSegment":
      return node.value;
    case "Entity":
    case "Validate":
    case "Connect":
    case "Field":
      return node.name.name;
    case "ImportName":
      return node.local.name;
    default:
      return undefined;
  }
}

/**
 * Every use of `target` (its declaration included), across the analysed files. A name that
 * resolves to an entity without spelling it (the implicit `id`) is not a use of the entity's name.
 */
export function referencesTo(analysis: Analysis, target: Node): Node[] {
  const name = spelledName(target);
  const uses: Node[] = [];
  for (const [use, to] of analysis.resolutions) {
    if (to !== target) continue;
    if (name !== undefined && spelledName(use) !== name) continue;
    uses.push(use);
  }
  const seen = new Set<string>();
  return uses
    .filter((u) => {
      const key = `${u.span.file}\u0000${u.span.start.offset}\u0000${u.kind}`;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    })
    .sort((a, b) => (a.span.file < b.span.file ? -1 : a.span.file > b.span.file ? 1 : a.span.start.offset - b.span.start.offset));
}

export type RenameProblem = string;

/** Kinds of declarations a rename may change: entities, shapes, fields, variables, path params. */
export function renameable(target: Node): boolean {
  return ["Entity", "Validate", "Field", "Identifier", "PathSegment"].includes(target.kind);
}

export function checkNewName(newName: string): RenameProblem | undefined {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(newName)) return `'${newName}' is not a valid Kova name (letters, digits and _, not starting with a digit)`;
  if ((KEYWORDS as readonly string[]).includes(newName)) return `'${newName}' is a keyword`;
  return undefined;
}

export interface TextEditAt {
  file: string;
  span: Span;
  newText: string;
}

/**
 * The edits that rename `target` to `newName`. A shorthand property `{ title }` names a field and a
 * variable at once; renaming one of them spells the property out so the other keeps its name.
 */
export function renameEdits(analysis: Analysis, target: Node, newName: string): TextEditAt[] {
  const uses = referencesTo(analysis, target);
  const shorthand = new Map<Node, { key: Node; value: Node }>();
  for (const file of analysis.result.files) {
    walk(file.program, (node) => {
      if (node.kind === "Property" && node.shorthand) {
        const pair = { key: node.key, value: node.value };
        shorthand.set(node.key, pair);
        shorthand.set(node.value, pair);
      }
    });
  }
  return uses.map((use) => {
    const pair = shorthand.get(use);
    const old = spelledName(use) ?? "";
    if (pair) {
      const text = use === pair.key ? `${newName}: ${old}` : `${old}: ${newName}`;
      return { file: use.span.file, span: use.span, newText: text };
    }
    return { file: use.span.file, span: nameSpan(use), newText: newName };
  });
}
