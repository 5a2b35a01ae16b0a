import type { EntityDecl, Node, ValidateDecl } from "../ast/nodes.js";
import type { SemanticModel } from "./model.js";

/**
 * Records, in the model's resolutions, the names that are declarations themselves (an entity's
 * name, its fields, an imported function's local name, a `:param` segment) and the type names in
 * fields (`author: User`). Uses resolve to their declarations during checking; these complete the
 * picture, so that definition, references and rename in the language server treat every spelling
 * of a field or entity alike without doing lookups of their own.
 */
export function recordDeclarationNames(model: SemanticModel): void {
  const resolutions = model.resolutions;
  for (const program of model.programs) {
    visit(program, (node) => {
      switch (node.kind) {
        case "Entity":
        case "Validate":
          resolutions.set(node.name, node);
          for (const field of node.fields) resolutions.set(field.name, field);
          break;
        case "Field":
          for (const inner of node.type.fields) resolutions.set(inner.name, inner);
          break;
        case "TypeRef": {
          const target: EntityDecl | ValidateDecl | undefined = model.entities.get(node.name.name)?.decl ?? model.validators.get(node.name.name)?.decl;
          if (target) resolutions.set(node.name, target);
          break;
        }
        case "ImportName":
          resolutions.set(node.local, node);
          break;
        case "PathSegment":
          if (node.param) resolutions.set(node, node);
          break;
      }
    });
  }
}

/** Every node under `root`, found generically (nodes are plain JSON with a `kind` and a `span`). */
function visit(root: Node, action: (node: Node) => void): void {
  action(root);
  for (const [key, value] of Object.entries(root)) {
    if (key === "span" || key === "sourceSpan") continue;
    for (const item of Array.isArray(value) ? value : [value]) if (isNode(item)) visit(item, action);
  }
}

function isNode(value: unknown): value is Node {
  return typeof value === "object" && value !== null && typeof (value as { kind?: unknown }).kind === "string" && "span" in value;
}
