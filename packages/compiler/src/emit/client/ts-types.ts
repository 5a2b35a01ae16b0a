/** JSON Schema (as the API emitter writes it) printed as TypeScript types. */
import type { JsonSchema } from "../api/schemas.js";

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

export function propertyKey(name: string): string {
  return IDENTIFIER.test(name) ? name : JSON.stringify(name);
}

/** The TypeScript type of a schema; `indent` is the indentation of the line the type starts on. */
export function tsType(schema: JsonSchema, indent = ""): string {
  if (typeof schema.$ref === "string") return schema.$ref.slice(schema.$ref.lastIndexOf("/") + 1);
  if (Array.isArray(schema.allOf) && schema.allOf.length === 1) return tsType(schema.allOf[0] as JsonSchema, indent);
  if (Array.isArray(schema.anyOf)) return unionOf((schema.anyOf as JsonSchema[]).map((s) => tsType(s, indent)));
  if (Array.isArray(schema.enum)) return unionOf((schema.enum as unknown[]).map((v) => JSON.stringify(v)));
  const types = Array.isArray(schema.type) ? (schema.type as string[]) : typeof schema.type === "string" ? [schema.type] : [];
  if (types.length === 0) return "unknown";
  return unionOf(types.map((t) => single(t, schema, indent)));
}

function single(type: string, schema: JsonSchema, indent: string): string {
  switch (type) {
    case "integer":
    case "number":
      return "number";
    case "string":
      return "string";
    case "boolean":
      return "boolean";
    case "null":
      return "null";
    case "array": {
      const items = tsType((schema.items as JsonSchema | undefined) ?? {}, indent);
      return /^[A-Za-z0-9_]+$/.test(items) ? `${items}[]` : `Array<${items}>`;
    }
    case "object":
      return objectType(schema, indent);
    default:
      return "unknown";
  }
}

export function objectType(schema: JsonSchema, indent: string): string {
  const properties = (schema.properties ?? {}) as Record<string, JsonSchema>;
  const required = new Set((schema.required ?? []) as string[]);
  const names = Object.keys(properties);
  const open = schema.additionalProperties !== false;
  if (names.length === 0) return open ? "Record<string, unknown>" : "Record<string, never>";
  const inner = `${indent}  `;
  const lines = names.map((name) => {
    const p = properties[name];
    const doc = typeof p.description === "string" ? `${inner}/** ${p.description.replace(/\*\//g, "* /").replace(/\n/g, " ")} */\n` : "";
    // A field the server sets (AUDIT, SOFT DELETE: `readOnly` in the schema) is readonly to the client too.
    const readOnly = p.readOnly === true || (Array.isArray(p.anyOf) && (p.anyOf as JsonSchema[]).some((s) => s.readOnly === true));
    return `${doc}${inner}${readOnly ? "readonly " : ""}${propertyKey(name)}${required.has(name) ? "" : "?"}: ${tsType(p, inner)};`;
  });
  if (open) lines.push(`${inner}[field: string]: unknown;`);
  return `{\n${lines.join("\n")}\n${indent}}`;
}

function unionOf(parts: string[]): string {
  const unique = [...new Set(parts)];
  if (unique.includes("unknown")) return "unknown";
  return unique.join(" | ");
}
