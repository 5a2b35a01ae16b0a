import type { EntityDecl, Expression, FieldDecl, Node, SemanticModel, ValidateDecl } from "@kova/compiler";
import { walk } from "./ast-walk.js";

/**
 * The checker records what names and query fields resolve to; an editor also needs the places it
 * does not record: `todo.title` (a field read from a row or shape), the keys of a row written by
 * INSERT / SAVE / UPDATE … SET { … }, type names in fields (`author: User`) and the names in
 * declarations themselves. Adding them here lets definition, references and rename treat every
 * spelling of a field or entity alike.
 */
export function addImplicitResolutions(model: SemanticModel, resolutions: Map<Node, Node>): void {
  const fieldOfEntity = (entity: string, name: string): FieldDecl | undefined =>
    model.entities.get(entity)?.decl.fields.find((f) => f.name.name === name);
  const fieldOfShape = (shape: string, name: string): FieldDecl | undefined =>
    model.validators.get(shape)?.decl.fields.find((f) => f.name.name === name);

  const rowKeys = (entityName: string, value: Expression | unknown) => {
    if (typeof value !== "object" || value === null || (value as Expression).kind !== "Object") return;
    for (const entry of (value as Extract<Expression, { kind: "Object" }>).entries) {
      if (entry.kind !== "Property") continue;
      const field = fieldOfEntity(entityName, entry.key.name);
      if (field) resolutions.set(entry.key, field);
    }
  };

  for (const program of model.programs) {
    walk(program, (node) => {
      switch (node.kind) {
        case "Entity":
        case "Validate":
          resolutions.set(node.name, node);
          for (const field of node.fields) resolutions.set(field.name, field);
          break;
        case "Field":
          if (node.type.fields.length > 0) for (const inner of node.type.fields) resolutions.set(inner.name, inner);
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
        case "Member": {
          const type = model.types.get(node.object);
          if (type?.kind !== "object") break;
          const field = type.entity ? fieldOfEntity(type.entity, node.property.name) : type.shape ? fieldOfShape(type.shape, node.property.name) : undefined;
          if (field) resolutions.set(node.property, field);
          break;
        }
        case "InsertQuery":
        case "SaveQuery":
          rowKeys(node.entity.name, node.value);
          break;
        case "UpdateQuery":
          if (!Array.isArray(node.set)) rowKeys(node.entity.name, node.set);
          break;
      }
    });
  }
}
