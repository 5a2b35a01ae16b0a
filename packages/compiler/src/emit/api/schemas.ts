/**
 * JSON Schema (draft 2020-12, the dialect of OpenAPI 3.1) for what the app model declares: entity
 * rows, VALIDATE shapes, views and problem responses. The OpenAPI document and the TypeScript
 * client both read these, so the two can never disagree about a type.
 */
import type { EntitySchema, FieldSchema, JsonType, MaskRule, ResultColumn, ScalarType } from "@kova/query";
import { graphColumns, isIdentifierField, isPublicIdEntity, publicIdKindOf, richType, type RichTypeRef } from "@kova/query";
import type { AppModel, EntityDocs, InputType, Literal, Shape, ShapeField, ShapeType, View } from "../../ir/nodes.js";

/** A JSON Schema object. Only the keywords this emitter writes are used. */
export type JsonSchema = { [keyword: string]: unknown };

/** Where a named schema lives in the document (`#/components/schemas/Name`). */
export function ref(name: string): JsonSchema {
  return { $ref: `#/components/schemas/${name}` };
}

/** The schema or null. A `$ref` cannot carry `type`, so it becomes an anyOf. */
export function nullable(schema: JsonSchema): JsonSchema {
  if (Object.keys(schema).length === 0) return schema;
  if (typeof schema.type === "string") return { ...schema, type: [schema.type, "null"], ...(Array.isArray(schema.enum) ? { enum: [...schema.enum, null] } : {}) };
  if (Array.isArray(schema.anyOf) && schema.anyOf.some((s) => (s as JsonSchema).type === "null")) return schema;
  if (Array.isArray(schema.type) && schema.type.includes("null")) return schema;
  return { anyOf: [schema, { type: "null" }] };
}

/** What a stored scalar is in JSON, as the drivers send it. */
export function scalarSchema(type: ScalarType | "id", enumValues?: string[]): JsonSchema {
  switch (type) {
    case "id":
    case "int":
      return { type: "integer" };
    case "float":
    case "decimal":
      return { type: "number" };
    case "boolean":
      return { type: "boolean" };
    case "datetime":
      return { type: "string", format: "date-time" };
    case "date":
      return { type: "string", format: "date" };
    case "uuid":
      return { type: "string", format: "uuid" };
    case "json":
      return {};
    case "string":
      return enumValues !== undefined && enumValues.length > 0 ? { type: "string", enum: [...enumValues] } : { type: "string" };
  }
}

export function fieldSchema(field: FieldSchema, entities?: ReadonlyMap<string, EntitySchema>): JsonSchema {
  // A list field (`tags: text[]`) is an array of its element type; a json field with a declared shape has that shape.
  const schema = field.items !== undefined ? { type: "array", items: scalarSchema(field.items) }
    : field.shape !== undefined ? jsonTypeSchema(field.shape)
    : field.rich !== undefined ? richSchema(field.rich)
    : scalarSchema(field.type, field.enumValues);
  if (field.references !== undefined) schema.description = `The id of a ${field.references}.`;
  // A reference to a PUBLIC ID entity is read and written as the referenced record's public id.
  if (field.publicReference === true) Object.assign(schema, { ...publicIdSchema(entities?.get(field.references!)), description: `The public id of a ${field.references}.` });
  // An AUDIT field is stamped by every write: a client reads it, never sets it (a body's value is ignored).
  if (field.audit !== undefined) {
    schema.readOnly = true;
    schema.description = field.audit.endsWith("At") ? `When the record was ${field.audit === "createdAt" ? "created" : "last changed"} (set by the server).` : `The $auth subject that ${field.audit === "createdBy" ? "created" : "last changed"} the record; null when anonymous (set by the server).`;
  }
  // A SOFT DELETE field is set by DELETE and cleared by RESTORE: read-only too (a body's value is ignored).
  if (field.softDelete !== undefined) {
    schema.readOnly = true;
    schema.description = field.softDelete === "deletedAt" ? "When the record was deleted; null while it is live (set by DELETE, cleared by RESTORE)." : "The $auth subject that deleted the record; null while it is live or when deleted anonymously.";
  }
  // TENANT BY's column: stamped from the caller's claim by every insert and save, never a client's.
  if (field.tenant !== undefined) {
    schema.readOnly = true;
    schema.description = `The tenant owning the record: the caller's $auth.${field.tenant.claim} (set by the server).`;
  }
  // IDENTIFIER's field: made from the record's fields by the insert and kept (a body's value is ignored).
  if (isIdentifierField(field)) {
    schema.readOnly = true;
    schema.description = "The record's human-readable identifier: a slug made by the server on insert, unique, kept afterwards.";
  }
  // MASKED: answers show it partially unless the caller holds a role it names (@kova/query masks/).
  if (field.masked !== undefined) {
    // A masked answer no longer has the type's form (`+********0958` is no E.164 number).
    delete schema.pattern;
    delete schema.format;
    delete schema.examples;
    schema.description = maskedDescription(field.masked);
    schema["x-kova-masked"] = { kind: field.masked.kind, unless: field.masked.unless };
  }
  return field.optional ? nullable(schema) : schema;
}

/** What a MASKED field's answers hold, for OpenAPI, GraphQL and TypeScript readers. */
export function maskedDescription(rule: MaskRule): string {
  const shown = rule.kind === "email" ? "its first letter and domain (a***@example.com)" : rule.kind === "phone" ? "its last 4 digits (+********0958)" : "its last 4 characters (*****6789; all masked under 8 characters)";
  return `MASKED: answers show only ${shown}${rule.unless.length === 0 ? "" : `, unless the caller has the role ${rule.unless.join(" or ")}`}.`;
}

/** A rich type's schema (the registry's), with the expected form and an example for readers. */
export function richSchema(ref: RichTypeRef): JsonSchema {
  const rich = richType(ref.name)!;
  return { ...rich.jsonSchema, description: rich.description, examples: [rich.example] };
}

/** A json field's declared shape (`meta: { kind: text, size: { w: int }? }`) as JSON Schema. */
export function jsonTypeSchema(type: JsonType): JsonSchema {
  switch (type.kind) {
    case "string":
      return type.enumValues !== undefined ? { type: "string", enum: [...type.enumValues] } : { type: "string" };
    case "int":
      return { type: "integer" };
    case "float":
      return { type: "number" };
    case "boolean":
      return { type: "boolean" };
    case "any":
      return {};
    case "list":
      return { type: "array", items: jsonTypeSchema(type.items) };
    case "object": {
      const properties: Record<string, JsonSchema> = {};
      for (const f of type.fields) properties[f.name] = f.optional ? nullable(jsonTypeSchema(f.type)) : jsonTypeSchema(f.type);
      const required = type.fields.filter((f) => !f.optional).map((f) => f.name);
      return { type: "object", properties, ...(required.length > 0 ? { required } : {}) };
    }
  }
}

/** A record's `id`: the integer key, or the UUID of a PUBLIC ID entity (set by the server). */
export function idSchema(entity: EntitySchema): JsonSchema {
  return isPublicIdEntity(entity) ? { ...publicIdSchema(entity), readOnly: true, description: "The record's public id (made by the server on insert, never changed)." } : { type: "integer" };
}

/** A ULID: 26 Crockford base-32 characters (the ulid rich type's form). */
const ULID_SCHEMA: JsonSchema = { type: "string", pattern: "^[0-7][0-9A-HJKMNP-TV-Z]{25}$" };

/** A public id of this entity's kind: a UUID (uuid, uuid7) or a ULID; a UUID when unknown. */
function publicIdSchema(entity: EntitySchema | undefined): JsonSchema {
  return publicIdKindOf(entity) === "ulid" ? { ...ULID_SCHEMA } : { type: "string", format: "uuid" };
}

/**
 * A full row of the entity: `id`, then every stored field (each always present; optional ones may
 * be null) but the SECRET ones, which `SELECT *` and write replies leave out (they appear only in a
 * query that names them, whose columns are described by columnsSchema).
 */
export function entitySchema(entity: EntitySchema, docs?: EntityDocs, entities?: ReadonlyMap<string, EntitySchema>): JsonSchema {
  const properties: Record<string, JsonSchema> = { id: idSchema(entity) };
  for (const field of entity.fields) {
    if (field.secret === true || field.publicId !== undefined) continue;
    const doc = docs?.fields[field.name];
    const schema = fieldSchema(field, entities);
    properties[field.name] = doc ? { ...schema, description: field.masked !== undefined ? `${doc} ${maskedDescription(field.masked)}` : doc } : schema;
  }
  const description = docs?.doc;
  return { type: "object", ...(description ? { description } : {}), properties, required: Object.keys(properties), additionalProperties: false };
}

/** The columns a query returns (a partial selection, nested relations, counts), as an object schema. */
export function columnsSchema(columns: readonly ResultColumn[], entity: EntitySchema | undefined, entities: ReadonlyMap<string, EntitySchema>): JsonSchema {
  const properties: Record<string, JsonSchema> = {};
  for (const column of columns) {
    if (column.nested !== undefined) {
      const item = columnsSchema(column.nested.columns, undefined, entities);
      properties[column.name] = column.nested.list ? { type: "array", items: item } : nullable(item);
      continue;
    }
    const field = entity?.fields.find((f) => f.name === column.name);
    // A PUBLIC ID entity's rows answer public_id as `id` (@kova/query public-id.ts).
    if (field?.publicId !== undefined) continue;
    properties[column.name] = column.type === "id" && entity !== undefined ? idSchema(entity) : field !== undefined ? fieldSchema(field, entities) : scalarSchema(column.type);
  }
  return { type: "object", properties, required: Object.keys(properties), additionalProperties: false };
}

/** A view's row: the named fields of the entity, in the view's order (id only when listed). */
export function viewSchema(view: View, entity: EntitySchema | undefined, entities: ReadonlyMap<string, EntitySchema> = new Map()): JsonSchema {
  const properties: Record<string, JsonSchema> = {};
  for (const name of view.fields) {
    // A nested item (`author { name }`): the related row (or null), or a list of them, as a SELECT's nested selection.
    const nested = view.nested?.find((n) => n.name === name);
    const target = nested ? entities.get(nested.relation.entity) : undefined;
    if (nested && target) {
      const item = columnsSchema(graphColumns(nested, target, entities), target, entities);
      properties[name] = nested.shape === "list" ? { type: "array", items: item } : nullable(item);
      continue;
    }
    const field = entity?.fields.find((f) => f.name === name);
    properties[name] = name === "id" ? (entity !== undefined ? idSchema(entity) : { type: "integer" }) : field !== undefined ? fieldSchema(field, entities) : {};
  }
  return { type: "object", description: `${view.entity} as the view ${view.name} shows it.`, properties, required: Object.keys(properties), additionalProperties: false };
}

/** A VALIDATE shape: what a request body must be. Optional fields may be left out or null. */
export function shapeSchema(shape: Pick<Shape, "fields" | "unknown"> & { doc?: string }, shapes: ReadonlySet<string>): JsonSchema {
  const properties: Record<string, JsonSchema> = {};
  const required: string[] = [];
  for (const field of shape.fields) {
    properties[field.name] = shapeFieldSchema(field, shapes);
    if (!field.type.optional) required.push(field.name);
  }
  return {
    type: "object",
    ...(shape.doc ? { description: shape.doc } : {}),
    properties,
    ...(required.length > 0 ? { required } : {}),
    // `unknown: "drop"` removes undeclared fields instead of refusing them: they are allowed in.
    additionalProperties: shape.unknown === "drop",
  };
}

function shapeFieldSchema(field: ShapeField & { doc?: string }, shapes: ReadonlySet<string>): JsonSchema {
  const type = field.type;
  let schema = type.array ? arraySchema(type, shapes) : valueSchema(type, shapes);
  if (type.optional) schema = nullable(schema);
  if (field.doc) schema = schema.$ref !== undefined ? { allOf: [schema], description: field.doc } : { ...schema, description: field.doc };
  return schema;
}

function arraySchema(type: ShapeType, shapes: ReadonlySet<string>): JsonSchema {
  // As the validator: min/max of a list bound its length; items are checked without them.
  const schema: JsonSchema = { type: "array", items: valueSchema({ ...type, array: false, options: {} }, shapes) };
  const min = numberOption(type, "min");
  const max = numberOption(type, "max");
  if (min !== undefined) schema.minItems = min;
  if (max !== undefined) schema.maxItems = max;
  return schema;
}

function valueSchema(type: ShapeType, shapes: ReadonlySet<string>): JsonSchema {
  if (type.fields.length > 0 || (type.name === "object" && !shapes.has("object"))) {
    return shapeSchema({ fields: type.fields, unknown: "reject" }, shapes);
  }
  if (shapes.has(type.name)) return ref(type.name);
  const min = numberOption(type, "min");
  const max = numberOption(type, "max");
  const rich = richType(type.name);
  if (rich !== undefined && (rich.arity === undefined || type.args.length > 0)) {
    const schema = richSchema({ name: rich.name });
    if (rich.storage === "string" && min !== undefined) schema.minLength = min;
    if (rich.storage === "string" && max !== undefined) schema.maxLength = max;
    if (typeof type.options.pattern === "string") schema.pattern = type.options.pattern;
    return schema;
  }
  switch (type.name) {
    case "int":
    case "integer":
    case "number":
    case "float":
    case "decimal": {
      const schema: JsonSchema = { type: type.name === "int" || type.name === "integer" ? "integer" : "number" };
      if (min !== undefined) schema.minimum = min;
      if (max !== undefined) schema.maximum = max;
      return schema;
    }
    case "boolean":
    case "bool":
      return { type: "boolean" };
    case "any":
    case "json":
      return {};
    case "file": {
      // A multipart part's bytes (the endpoint's body is multipart/form-data); its type is judged by content.
      const limits = type.file;
      const schema: JsonSchema = { type: "string", format: "binary" };
      if (limits !== undefined) schema.description = `at most ${limits.maxBytes} bytes${limits.types === null ? "" : `; content of type ${limits.types.join(", ")}`}`;
      return schema;
    }
    case "enum":
      return { type: "string", enum: type.args.filter((a): a is string => typeof a === "string") };
    default: {
      const schema: JsonSchema = { type: "string" };
      const format = STRING_FORMATS[type.name];
      if (format !== undefined) schema.format = format;
      const pattern = type.options.pattern;
      if (typeof pattern === "string") schema.pattern = pattern;
      const length = numberOption(type, "length");
      if (length !== undefined) {
        schema.minLength = length;
        schema.maxLength = length;
      }
      if (min !== undefined) schema.minLength = min;
      if (max !== undefined) schema.maxLength = max;
      return schema;
    }
  }
}

function numberOption(type: ShapeType, name: string): number | undefined {
  const value: Literal | undefined = Object.hasOwn(type.options, name) ? type.options[name] : undefined;
  return typeof value === "number" ? value : undefined;
}

/** The string formats the compiled validators check, by their JSON Schema names. */
const STRING_FORMATS: Readonly<Record<string, string>> = {
  email: "email",
  url: "uri",
  uuid: "uuid",
  date: "date",
  datetime: "date-time",
};

/** RFC 9457 problem details, as every Kova error response is (packages/runtime/src/problem.ts). */
export const PROBLEM_SCHEMA: JsonSchema = {
  type: "object",
  description: "An error, as RFC 9457 problem details. `errors` lists each failing field of a request.",
  properties: {
    type: { type: "string", description: "A URI naming the kind of problem (`about:blank` for an ERROR of the program)." },
    title: { type: "string" },
    status: { type: "integer" },
    detail: { type: "string" },
    instance: { type: "string", description: "The request path." },
    requestId: { type: "string" },
    errors: {
      type: "array",
      items: {
        type: "object",
        properties: { field: { type: "string" }, message: { type: "string" } },
        required: ["field", "message"],
      },
    },
  },
  required: ["type", "title", "status", "detail", "instance", "requestId"],
};

/**
 * An error in the `fields` shape (kova.config.json `"errors": { "shape": "fields" }`): the detail
 * as `message`, and each failing field's messages under its name (`""` is the body as a whole).
 */
export const FIELDS_ERROR_SCHEMA: JsonSchema = {
  type: "object",
  description: "An error: `message` says what went wrong, `errors` lists the messages of each failing field of a request.",
  properties: {
    message: { type: "string" },
    errors: { type: "object", additionalProperties: { type: "array", items: { type: "string" } } },
    requestId: { type: "string" },
  },
  required: ["message", "errors", "requestId"],
};

/** One version of a record, as HISTORY lists them. */
export function historyEntrySchema(entity: string): JsonSchema {
  return {
    type: "object",
    properties: {
      version: { type: "integer" },
      operation: { type: "string", enum: ["insert", "update", "delete"] },
      at: { type: "string", format: "date-time" },
      data: ref(entity),
    },
    required: ["version", "operation", "at", "data"],
    additionalProperties: false,
  };
}

/** Every named schema of the app: entities, their history entries, views, shapes and the problem. */
export function componentSchemas(app: AppModel, errorShape: "problem" | "fields" = "problem"): Record<string, JsonSchema> {
  const shapes = new Set(app.shapes.map((s) => s.name));
  const entities = new Map(app.entities.map((e) => [e.name, e]));
  const schemas: Record<string, JsonSchema> = {};
  const byName = new Map(app.entities.map((e) => [e.name, e]));
  for (const entity of app.entities) schemas[entity.name] = entitySchema(entity, app.entityDocs?.[entity.name], byName);
  for (const view of app.views) schemas[view.name] = viewSchema(view, entities.get(view.entity), entities);
  for (const shape of app.shapes) schemas[shape.name] = shapeSchema(shape, shapes);
  // `Problem` names the error body in either shape, so clients have one type for errors.
  schemas.Problem = errorShape === "fields" ? FIELDS_ERROR_SCHEMA : PROBLEM_SCHEMA;
  return schemas;
}

/** A typed request value (route, query or header parameter, or a request value read in a handler). */
export function inputSchema(type: InputType): JsonSchema {
  switch (type) {
    case "int":
      return { type: "integer" };
    case "count":
      return { type: "integer", minimum: 0 };
    case "float":
      return { type: "number" };
    case "boolean":
      return { type: "boolean" };
    case "uuid":
      return { type: "string", format: "uuid" };
    case "datetime":
      return { type: "string", format: "date-time" };
    case "slug":
      return { type: "string", pattern: "^[a-z0-9]+(?:-[a-z0-9]+)*$" };
    case "ulid":
      return { ...ULID_SCHEMA };
    case "string":
      return { type: "string" };
  }
}
