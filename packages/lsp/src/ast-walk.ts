import type { Node, Program, Span } from "@kova/compiler";

/**
 * Generic traversal of the Kova AST. Nodes are plain JSON (a `kind`, a `span`, child nodes in
 * fields and arrays), so children are found by looking at values rather than by a per-kind table:
 * new node kinds are walked without changes here.
 */
export function isNode(value: unknown): value is Node {
  return typeof value === "object" && value !== null && typeof (value as { kind?: unknown }).kind === "string" && "span" in value;
}

export function children(node: Node): Node[] {
  const out: Node[] = [];
  for (const [key, value] of Object.entries(node)) {
    if (key === "span" || key === "sourceSpan") continue;
    if (Array.isArray(value)) {
      for (const item of value) if (isNode(item)) out.push(item);
    } else if (isNode(value)) {
      out.push(value);
    }
  }
  return out;
}

/** Calls `visit` for every node under `root` (root first), with the chain of ancestors. */
export function walk(root: Node, visit: (node: Node, ancestors: readonly Node[]) => void): void {
  const stack: Node[] = [];
  const go = (node: Node) => {
    visit(node, stack);
    stack.push(node);
    for (const child of children(node)) go(child);
    stack.pop();
  };
  go(root);
}

export function contains(span: Span, offset: number): boolean {
  return span.start.offset <= offset && offset <= span.end.offset;
}

/**
 * The chain of nodes containing `offset`, outermost first. A position just after a name (the
 * usual place of the cursor while typing) counts as inside it.
 */
export function nodePathAt(program: Program, offset: number): Node[] {
  const path: Node[] = [program];
  let current: Node = program;
  for (;;) {
    // Prefer the narrowest matching child: siblings may touch at a boundary (`a.b`).
    const matches: Node[] = children(current).filter((c) => contains(c.span, offset));
    if (matches.length === 0) return path;
    matches.sort((a: Node, b: Node) => a.span.end.offset - a.span.start.offset - (b.span.end.offset - b.span.start.offset));
    current = matches[0];
    path.push(current);
  }
}

/** Every node of the given kinds under `root`. */
export function collect<K extends Node["kind"]>(root: Node, kinds: readonly K[]): Array<Extract<Node, { kind: K }>> {
  const out: Array<Extract<Node, { kind: K }>> = [];
  walk(root, (node) => {
    if ((kinds as readonly string[]).includes(node.kind)) out.push(node as Extract<Node, { kind: K }>);
  });
  return out;
}
