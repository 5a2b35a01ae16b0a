import { checkRich, DRIVER_NAMES, type EntitySchema, type FieldSchema } from "@kova/query";
import type { Declaration, EntityDecl, FieldDecl, Program, TypeRef, ValidateDecl } from "../ast/nodes.js";
import { report, type CheckContext } from "./context.js";
import { closestOrPrefix } from "../diagnostics/suggest.js";
import { checkExpression } from "./expressions.js";
import { checkInverseRelation } from "./relations.js";
import { listFieldSchema, listFieldType } from "./list-fields.js";
import { jsonFieldType, jsonShapeSchema } from "./json-shapes.js";
import { constantValue } from "./fold.js";
import { applyHistoryControl } from "./history-control.js";
import { applyEncrypted } from "./encrypted.js";
import { applyMasked } from "./sensitive.js";
import { applyAudit } from "./audit.js";
import { applySoftDelete } from "./soft-delete.js";
import { applyTenant } from "./tenant.js";
import { applyPublicId, applyPublicIdReference } from "./public-id.js";
import { applyIdentifier } from "./identifier.js";
import { refuseAbstract } from "./extends.js";
import { checkFileOptions, FILE_TYPE, fileFieldSchema } from "./files.js";
import { checkComputedDefault } from "./computed-defaults.js";
import { RICH_TYPE_NAMES, richKovaType, richTypeRef } from "./rich-fields.js";
import type { EntityInfo } from "./model.js";
import {
  assignable,
  describe,
  ENTITY_FIELD_TYPES,
  intType,
  scalarToType,
  VALIDATION_TYPES,
  validationNameToType,
  type KovaType,
  type ShapeField,
} from "./types.js";

/** Drivers `CONNECT … USING` may name: the driver table of @kova/query (DRIVER_PACKAGES). */
export const KNOWN_DRIVERS: readonly string[] = DRIVER_NAMES;

/** `BlogPost` → `blog_post`: the table (or collection) an entity is stored in. */
export function tableName(entity: string): string {
  return entity.replace(/([a-z0-9])([A-Z])/g, "$1_$2").replace(/([A-Z]+)([A-Z][a-z])/g, "$1_$2").toLowerCase();
}

/**
 * First pass over every file of a program: registers entities, shapes and data sources (so order
 * of declaration and of files never matters) and reports duplicates.
 */
export function collectDeclarations(ctx: CheckContext, programs: Program[]): void {
  const typeNames = new Map<string, Declaration>();
  for (const program of programs) {
    const fileCtx = { ...ctx, file: program.file };
    for (const decl of program.declarations) {
      if (decl.kind === "Entity" || decl.kind === "Validate") {
        const name = decl.name.name;
        if (name === "") continue;
        const previous = typeNames.get(name);
        if (previous) {
          duplicate(fileCtx, decl.name.span, name, previous);
          continue;
        }
        typeNames.set(name, decl);
        if (decl.kind === "Validate") ctx.model.validators.set(name, { decl, file: program.file, type: { kind: "object", fields: new Map(), shape: name } });
        else if (decl.abstract) ctx.model.abstractEntities.set(name, { decl, file: program.file });
        else ctx.model.entities.set(name, entityInfo(decl, program.file));
      } else if (decl.kind === "Connect" && decl.name.name !== "") {
        const previous = ctx.model.connections.get(decl.name.name);
        if (previous) duplicate(fileCtx, decl.name.span, decl.name.name, previous);
        else ctx.model.connections.set(decl.name.name, decl);
      }
    }
  }
}

function duplicate(ctx: CheckContext, span: Parameters<typeof report>[2], name: string, previous: Declaration): void {
  const where = `${previous.span.file}:${previous.span.start.line}:${previous.span.start.column}`;
  ctx.diagnostics.report("DuplicateDeclaration", span, `'${name}' is already declared (at ${where})`, { suggestion: "rename one of them" });
}

/** A provisional entity (fields filled in by checkEntity once every type name is known). */
function entityInfo(decl: EntityDecl, file: string): EntityInfo {
  return {
    decl,
    file,
    schema: { name: decl.name.name, table: tableName(decl.name.name), fields: [] },
    rowType: { kind: "object", fields: new Map([["id", { type: intType, optional: false }]]), entity: decl.name.name },
  };
}

/** Second pass: field types, modifiers and defaults of one entity. */
export function checkEntity(ctx: CheckContext, decl: EntityDecl): void {
  const info = ctx.model.entities.get(decl.name.name);
  if (!info || info.decl !== decl) return;
  if (decl.source && decl.source.name !== "" && !ctx.model.connections.has(decl.source.name)) {
    report(ctx, "UnknownDataSource", decl.source.span, `no data source named '${decl.source.name}'`, ctx.model.connections.keys(), decl.source.name);
  }
  // Without USING an entity goes to the program's first CONNECT (docs/language.md, "CONNECT"):
  // with several, that silent choice hangs on the order of lines, so say which one it is.
  if (!decl.source && ctx.model.connections.size > 1 && decl.name.name !== "") {
    const first = ctx.model.connections.keys().next().value as string;
    ctx.diagnostics.report(
      "ImplicitDataSource",
      decl.name.span,
      `${decl.name.name} has no USING, so it is kept in '${first}', the program's first CONNECT`,
      { suggestion: `write ENTITY ${decl.name.name} USING ${first} (or the data source it belongs in)` },
    );
  }
  const rowFields = (info.rowType as { fields: Map<string, ShapeField> }).fields;
  for (const field of decl.fields) {
    const name = field.name.name;
    if (name === "id") {
      ctx.diagnostics.report("ReservedField", field.name.span, "every entity already has an integer id, assigned by the store", { suggestion: "remove this field" });
      continue;
    }
    if (rowFields.has(name) || (info.schema.relations ?? []).some((r) => r.name === name)) {
      ctx.diagnostics.report("DuplicateField", field.name.span, `field '${name}' is declared twice in ${decl.name.name}`, { suggestion: "remove or rename one" });
      continue;
    }
    if (field.by !== null) {
      const inverse = checkInverseRelation(ctx, decl, field);
      if (inverse) (info.schema.relations ??= []).push({ name, ...inverse });
      continue;
    }
    const schema = entityFieldSchema(ctx, field);
    if (!schema) continue;
    // The `///` doc travels with the schema, so the DDL builders write it as the column's COMMENT.
    if (field.doc !== null) schema.doc = field.doc;
    info.schema.fields.push(schema);
    const type = schema.file ? FILE_TYPE : schema.references ? intType : schema.items ? listFieldType(schema.items) : schema.shape ? jsonFieldType(schema.shape) : scalarToType(schema.type, schema.enumValues);
    rowFields.set(name, { type, optional: schema.optional });
    if (schema.items === undefined && !schema.file) checkModifiers(ctx, decl, field, schema, type);
    checkOnDelete(ctx, decl, field, schema);
    if (schema.references !== undefined) applyPublicIdReference(ctx, decl, schema, rowFields, field.name.span);
  }
  if (decl.doc !== null) info.schema.doc = decl.doc;
  applyAudit(ctx, decl, info.schema, rowFields);
  applySoftDelete(ctx, decl, info.schema, rowFields);
  applyTenant(ctx, decl, info.schema, rowFields);
  applyPublicId(ctx, decl, info.schema, rowFields);
  applyIdentifier(ctx, decl, info.schema, rowFields);
  checkConstraints(ctx, decl, info.schema);
  applyHistoryControl(decl, info.schema);
  applyEncrypted(ctx, decl, info.schema);
  applyMasked(ctx, decl, info.schema);
}

/** `ON DELETE …`: only on a reference, SET NULL only on an optional one, within one data source. */
function checkOnDelete(ctx: CheckContext, decl: EntityDecl, field: FieldDecl, schema: FieldSchema): void {
  const m = field.modifiers.find((x) => x.modifier === "ON DELETE");
  if (m === undefined) return;
  if (schema.references === undefined) {
    ctx.diagnostics.report("OnDeleteWithoutReference", m.span, `'${schema.name}' is ${field.type.name.name}, not a reference to another entity, so nothing can be deleted under it`, {
      suggestion: "remove ON DELETE, or make the field's type an entity name",
    });
    return;
  }
  if (m.action === "SET NULL" && !schema.optional) {
    ctx.diagnostics.report("SetNullOnRequiredField", m.span, `ON DELETE SET NULL would store null in '${schema.name}', which is required`, {
      suggestion: `make it optional (${schema.name}: ${field.type.name.name}?) or use ON DELETE CASCADE or RESTRICT`,
    });
    return;
  }
  const target = ctx.model.entities.get(schema.references);
  const mine = dataSourceOf(ctx, decl);
  const theirs = target === undefined ? mine : dataSourceOf(ctx, target.decl);
  if (mine !== theirs) {
    ctx.diagnostics.report("ReferenceAcrossDataSources", m.span, `${decl.name.name} is kept in '${mine}' and ${schema.references} in '${theirs}': no database can enforce a reference between them`, {
      suggestion: `keep both entities in one data source, or remove ON DELETE (the reference is then not enforced)`,
    });
    return;
  }
  schema.onDelete = m.action === "CASCADE" ? "cascade" : m.action === "SET NULL" ? "setNull" : "restrict";
}

/** The data source an entity lives in, as lowering decides it (USING, else the first CONNECT). */
function dataSourceOf(ctx: CheckContext, decl: EntityDecl): string {
  if (decl.source !== null) return decl.source.name;
  return (ctx.model.connections.keys().next().value as string | undefined) ?? "default";
}

/** `UNIQUE (a, b)` / `INDEX (a, b)`: known, distinct fields (did-you-mean on a typo). */
function checkConstraints(ctx: CheckContext, decl: EntityDecl, schema: EntitySchema): void {
  for (const constraint of decl.constraints ?? []) {
    const names: string[] = [];
    let ok = true;
    for (const field of constraint.fields) {
      if (field.name === "") {
        ok = false;
        continue;
      }
      if (field.name !== "id" && !schema.fields.some((f) => f.name === field.name)) {
        report(ctx, "UnknownConstraintField", field.span, `${decl.name.name} has no field '${field.name}'`, schema.fields.map((f) => f.name), field.name);
        ok = false;
      } else if (names.includes(field.name)) {
        ctx.diagnostics.report("DuplicateConstraintField", field.span, `'${field.name}' is listed twice in ${constraint.constraint} (${constraint.fields.map((f) => f.name).join(", ")})`, {
          suggestion: "list each field once",
        });
        ok = false;
      } else {
        names.push(field.name);
      }
    }
    if (!ok || names.length === 0) continue;
    if (constraint.constraint === "UNIQUE") (schema.uniques ??= []).push(names);
    else (schema.indexes ??= []).push(names);
  }
}

function entityFieldSchema(ctx: CheckContext, field: FieldDecl): FieldSchema | undefined {
  const t = field.type;
  const typeName = t.name.name;
  // A shape written inline (`meta: { kind: text, size: { w: int }? }`): typed json.
  if (t.fields.length > 0) return jsonShapeSchema(ctx, field);
  if (typeName === "file" && !t.array) return fileFieldSchema(ctx, field);
  if (t.array && !ctx.model.entities.has(typeName)) return listFieldSchema(ctx, field);
  if (t.fields.length > 0 || t.array) {
    const inverse = t.array && ctx.model.entities.has(typeName);
    ctx.diagnostics.report("UnknownType", t.span, "entity fields hold one value; lists and nested objects go in a json field or another entity", {
      suggestion: inverse
        ? `to list the ${typeName} rows that refer to this one, name their reference field: ${field.name.name}: ${typeName}[] BY <field>`
        : "use json, or declare another ENTITY that refers back to this one",
    });
    return undefined;
  }
  const base: FieldSchema = { name: field.name.name, type: "string", optional: t.optional, unique: false, index: false };
  for (const m of field.modifiers) {
    if (m.modifier === "UNIQUE" || m.modifier === "PRIMARY") base.unique = true;
    if (m.modifier === "INDEX") base.index = true;
  }
  if (ctx.model.entities.has(typeName)) {
    checkTypeArgs(ctx, t, []);
    return { ...base, type: "int", references: typeName, index: true };
  }
  const rich = richTypeRef(ctx, t);
  if (rich !== undefined) {
    if (rich.ref.args === undefined) checkTypeArgs(ctx, t, optionNames(typeName));
    return { ...base, type: rich.storage, rich: rich.ref };
  }
  const scalar = ENTITY_FIELD_TYPES[typeName];
  if (scalar === undefined) {
    if (refuseAbstract(ctx, t.name)) return undefined;
    if (typeName !== "") {
      const candidates = [...Object.keys(ENTITY_FIELD_TYPES), ...RICH_TYPE_NAMES, "file", ...ctx.model.entities.keys()];
      report(ctx, "UnknownType", t.name.span, `'${typeName}' is not a field type`, candidates, typeName);
    }
    return undefined;
  }
  const enumValues = typeName === "enum" ? enumArgs(ctx, t) : undefined;
  checkTypeArgs(ctx, t, typeName === "enum" ? [] : optionNames(typeName));
  return enumValues ? { ...base, type: scalar, enumValues } : { ...base, type: scalar };
}

function checkModifiers(ctx: CheckContext, decl: EntityDecl, field: FieldDecl, schema: FieldSchema, type: KovaType): void {
  for (const m of field.modifiers) {
    if (m.modifier !== "DEFAULT" || !m.value) continue;
    if (checkComputedDefault(ctx, decl, field, schema, m.value)) continue;
    const valueType = checkExpression(ctx, m.value);
    if (m.value.kind === "Call" && m.value.callee.name === "now") {
      if (type.kind !== "datetime") ctx.diagnostics.report("TypeMismatch", m.value.span, `now() is a timestamp, but '${schema.name}' is ${describe(type)}`);
      else schema.default = { now: true };
      continue;
    }
    const constant = constantValue(m.value);
    if (constant === undefined) {
      ctx.diagnostics.report("TypeMismatch", m.value.span, "a DEFAULT must be a constant, now(), uuid() or slug(field)", { suggestion: "write a literal value, or one of those calls" });
    } else if (!assignable(valueType, type)) {
      ctx.diagnostics.report("TypeMismatch", m.value.span, `default ${JSON.stringify(constant.value)} does not fit '${schema.name}', which is ${describe(type)}`);
    } else if (schema.enumValues && typeof constant.value === "string" && !schema.enumValues.includes(constant.value)) {
      report(ctx, "TypeMismatch", m.value.span, `default ${JSON.stringify(constant.value)} is not one of ${describe(type)}`, schema.enumValues, constant.value);
    } else if (schema.rich !== undefined && constant.value !== null && !checkRich(schema.rich, constant.value).ok) {
      ctx.diagnostics.report("TypeMismatch", m.value.span, `default ${JSON.stringify(constant.value)} does not fit '${schema.name}': it ${(checkRich(schema.rich, constant.value) as { message: string }).message}`, {
        suggestion: `write a ${schema.rich.name} value`,
      });
    } else if (schema.rich !== undefined && constant.value !== null) {
      // Stored as the type's canonical form, as any written value is.
      schema.default = { value: (checkRich(schema.rich, constant.value) as { value: string | number }).value };
    } else {
      schema.default = { value: constant.value };
    }
  }
}

/** Which named options a type accepts. */
function optionNames(typeName: string): string[] {
  if (["string", "text", "email", "url"].includes(typeName)) return ["min", "max", "length", "pattern"];
  if (["int", "integer", "number", "float", "decimal"].includes(typeName)) return ["min", "max"];
  if (typeName === "array") return ["min", "max"];
  return [];
}

function enumArgs(ctx: CheckContext, t: TypeRef): string[] | undefined {
  const values: string[] = [];
  for (const arg of t.args) {
    const v = constantValue(arg);
    if (v === undefined || typeof v.value !== "string") {
      ctx.diagnostics.report("InvalidTypeArguments", arg.span, "enum values are strings", { suggestion: 'write enum("draft", "published")' });
    } else if (values.includes(v.value)) {
      ctx.diagnostics.report("InvalidTypeArguments", arg.span, `enum value ${JSON.stringify(v.value)} is listed twice`);
    } else {
      values.push(v.value);
    }
  }
  if (t.args.length === 0) {
    ctx.diagnostics.report("InvalidTypeArguments", t.span, "enum needs at least one value", { suggestion: 'write enum("a", "b")' });
    return undefined;
  }
  return values;
}

/** Positional args only for enum; named options from `allowed`, with constant values of the right type. */
function checkTypeArgs(ctx: CheckContext, t: TypeRef, allowed: string[]): void {
  if (t.name.name !== "enum") {
    for (const arg of t.args) {
      ctx.diagnostics.report("InvalidTypeArguments", arg.span, `${t.name.name} takes named options${allowed.length ? ` (${allowed.join(", ")})` : " — none"}, not positional values`, {
        suggestion: allowed.length ? `write ${t.name.name}(${allowed[0]}: …)` : `write ${t.name.name}`,
      });
    }
  }
  for (const option of t.options) {
    const name = option.key.name;
    if (!allowed.includes(name)) {
      const message = allowed.length ? `${t.name.name} has no option '${name}'` : `${t.name.name} takes no options`;
      const guess = closestOrPrefix(name, allowed);
      ctx.diagnostics.report("InvalidTypeArguments", option.key.span, message, guess !== undefined
        ? { suggestion: `did you mean '${guess}'? (${t.name.name} takes ${allowed.join(", ")})`, replacement: guess }
        : { suggestion: allowed.length ? `${t.name.name} takes ${allowed.join(", ")}` : `write ${t.name.name} without options` });
      continue;
    }
    const v = constantValue(option.value);
    const numeric = ["int", "integer", "number", "float", "decimal"].includes(t.name.name) && !t.array;
    if (name === "pattern") {
      if (option.value.kind === "Template") {
        ctx.diagnostics.report("InvalidTypeArguments", option.value.span, "braces in a double-quoted string interpolate, so this pattern would not be what it looks like", {
          suggestion: "write the pattern in single quotes, as in pattern: '^[0-9]{5}$'",
        });
      } else if (v === undefined || typeof v.value !== "string") ctx.diagnostics.report("InvalidTypeArguments", option.value.span, "pattern is a regular expression in a string");
      else if (!validRegex(v.value)) ctx.diagnostics.report("InvalidTypeArguments", option.value.span, `pattern ${JSON.stringify(v.value)} is not a valid regular expression`);
    } else if (v === undefined || typeof v.value !== "number" || (!numeric && (v.value < 0 || !Number.isInteger(v.value)))) {
      ctx.diagnostics.report("InvalidTypeArguments", option.value.span, numeric ? `${name} must be a number` : `${name} must be a whole number ≥ 0 (it counts characters or items)`);
    }
  }
  const min = t.options.find((o) => o.key.name === "min");
  const max = t.options.find((o) => o.key.name === "max");
  const minV = min && constantValue(min.value)?.value;
  const maxV = max && constantValue(max.value)?.value;
  if (typeof minV === "number" && typeof maxV === "number" && minV > maxV) {
    ctx.diagnostics.report("InvalidTypeArguments", t.span, `min (${minV}) is greater than max (${maxV}): no value can pass`);
  }
}

function validRegex(pattern: string): boolean {
  try {
    new RegExp(pattern, "u");
    return true;
  } catch {
    return false;
  }
}

/** A VALIDATE shape: resolves field types (other shapes may be named, in any order). */
export function checkValidator(ctx: CheckContext, decl: ValidateDecl): void {
  const info = ctx.model.validators.get(decl.name.name);
  if (!info || info.decl !== decl) return;
  checkShapeOptions(ctx, decl);
  info.type = shapeType(ctx, decl.fields, decl.name.name, (info.type as { fields: Map<string, ShapeField> }).fields);
}

export function shapeType(ctx: CheckContext, fields: FieldDecl[], shape: string | undefined, into = new Map<string, ShapeField>()): KovaType {
  for (const field of fields) {
    if (into.has(field.name.name)) {
      ctx.diagnostics.report("DuplicateField", field.name.span, `field '${field.name.name}' is declared twice`, { suggestion: "remove or rename one" });
      continue;
    }
    for (const m of field.modifiers) {
      ctx.diagnostics.report("InvalidTypeArguments", m.span, `${m.modifier} belongs on ENTITY fields, not in a VALIDATE shape`, { suggestion: "remove it" });
    }
    into.set(field.name.name, { type: validationType(ctx, field.type), optional: field.type.optional });
  }
  return shape === undefined ? { kind: "object", fields: into } : { kind: "object", fields: into, shape };
}

export function validationType(ctx: CheckContext, t: TypeRef): KovaType {
  let element: KovaType;
  let rich: ReturnType<typeof richTypeRef>;
  const name = t.name.name;
  if (t.fields.length > 0 || (name === "object" && t.args.length === 0 && t.options.length === 0 && t.name.span.end.offset - t.name.span.start.offset === 1)) {
    element = shapeType(ctx, t.fields, undefined);
  } else if (ctx.model.validators.has(name)) {
    checkTypeArgs(ctx, t, []);
    element = ctx.model.validators.get(name)!.type;
  } else if (name === "file") {
    element = checkFileOptions(ctx, t);
  } else if ((rich = richTypeRef(ctx, t)) !== undefined) {
    if (rich.ref.args === undefined) checkTypeArgs(ctx, t, optionNames(name));
    element = richKovaType(rich.storage);
  } else if (VALIDATION_TYPES.has(name)) {
    const enumValues = name === "enum" ? enumArgs(ctx, t) : undefined;
    checkTypeArgs(ctx, t, name === "enum" ? [] : optionNames(name));
    element = validationNameToType(name, enumValues);
  } else {
    if (name !== "") {
      const entityHint = ctx.model.entities.has(name) ? ` (${name} is an ENTITY; a VALIDATE shape describes a request body)` : "";
      report(ctx, "UnknownType", t.name.span, `'${name}' is not a validation type or VALIDATE shape${entityHint}`, [...VALIDATION_TYPES, ...RICH_TYPE_NAMES, "file", ...ctx.model.validators.keys()], name);
    }
    element = { kind: "unknown" };
  }
  return t.array ? { kind: "array", element } : element;
}

const UNKNOWN_FIELDS = ["reject", "drop"];

/** `VALIDATE Name(unknown: "drop")`: the only option, with one of two values. */
function checkShapeOptions(ctx: CheckContext, decl: ValidateDecl): void {
  for (const option of decl.options) {
    if (option.key.name !== "unknown") {
      report(ctx, "UnknownShapeOption", option.key.span, `a VALIDATE shape has no option '${option.key.name}'`, ["unknown"], option.key.name);
      continue;
    }
    const value = option.value.kind === "String" ? option.value.value : undefined;
    if (value === undefined || !UNKNOWN_FIELDS.includes(value)) {
      ctx.diagnostics.report("UnknownShapeOption", option.value.span, `unknown: takes "reject" (a field the shape does not declare is a 400, the default) or "drop" (it is removed from the body)`, {
        suggestion: value !== undefined && closestOrPrefix(value, UNKNOWN_FIELDS) !== undefined ? `did you mean "${closestOrPrefix(value, UNKNOWN_FIELDS)}"?` : 'write unknown: "drop"',
      });
    }
  }
}
