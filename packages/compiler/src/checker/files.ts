/**
 * File uploads: `avatar: file(max: 5MB, types: ["image/png", "image/jpeg"])` in a VALIDATE shape
 * (a multipart/form-data part, streamed to the app's file store) and `avatar: file?` on an entity
 * (the stored reference: a json value { id, name, type, size }). The checker's rules:
 *
 *   - a file field is a top-level field of a shape that an endpoint names (KV2750): a multipart
 *     body is flat, so a file cannot sit in a nested object or a list, and a shape with files
 *     cannot be nested in another shape;
 *   - `max` is required, a whole number of bytes (KV2751): an upload without a limit is a disk-filling bug;
 *   - `types` lists media types the runtime recognises by their first bytes (KV2752), never by
 *     the name or the Content-Type the client sends.
 */
import type { FieldSchema, JsonType } from "@kova/query";
import type { Declaration, FieldDecl, Program, TypeRef } from "../ast/nodes.js";
import { report, type CheckContext } from "./context.js";
import { constantValue } from "./fold.js";
import { intType, stringType, type KovaType, type ShapeField } from "./types.js";

/**
 * The media types the runtime's content sniffing recognises (packages/runtime/src/uploads/sniff.ts
 * has the signatures; a runtime test checks the two lists agree). `application/octet-stream`
 * accepts any content.
 */
export const RECOGNISED_FILE_TYPES: readonly string[] = [
  "image/png", "image/jpeg", "image/gif", "image/webp", "application/pdf", "application/zip",
  "application/gzip", "text/plain", "application/octet-stream",
];

/** What a file value holds, in a handler and in a stored row. */
export const FILE_TYPE: KovaType = {
  kind: "object",
  shape: "file",
  fields: new Map<string, ShapeField>([
    ["id", { type: stringType, optional: false }],
    ["name", { type: stringType, optional: false }],
    ["type", { type: stringType, optional: false }],
    ["size", { type: intType, optional: false }],
  ]),
};

/** The stored reference, as the drivers check json writes. */
export const FILE_JSON_SHAPE: JsonType = {
  kind: "object",
  fields: [
    { name: "id", type: { kind: "string" }, optional: false },
    { name: "name", type: { kind: "string" }, optional: false },
    { name: "type", type: { kind: "string" }, optional: false },
    { name: "size", type: { kind: "int" }, optional: false },
  ],
};

export function isFileType(type: KovaType | undefined): boolean {
  return type?.kind === "object" && type.shape === "file";
}

/** `file(max: 5MB, types: [...])` in a shape: checks its options; the value's type is FILE_TYPE. */
export function checkFileOptions(ctx: CheckContext, t: TypeRef): KovaType {
  for (const arg of t.args) {
    ctx.diagnostics.report("InvalidTypeArguments", arg.span, "file takes named options (max, types), not positional values", { suggestion: 'write file(max: 5MB, types: ["image/png"])' });
  }
  const max = t.options.find((o) => o.key.name === "max");
  if (max === undefined) {
    ctx.diagnostics.report("FileSizeLimit", t.span, "a file field needs a size limit", { suggestion: "write file(max: 5MB) — sizes are B, KB, MB or GB" });
  } else {
    const v = constantValue(max.value)?.value;
    if (typeof v !== "number" || !Number.isInteger(v) || v <= 0) {
      ctx.diagnostics.report("FileSizeLimit", max.value.span, "max is the largest upload in bytes: a whole number above 0", { suggestion: "write a size such as 512KB, 5MB or 1GB" });
    }
  }
  for (const option of t.options) {
    const name = option.key.name;
    if (name === "max") continue;
    if (name !== "types") {
      report(ctx, "InvalidTypeArguments", option.key.span, `file has no option '${name}' (it takes max and types)`, ["max", "types"], name);
      continue;
    }
    const list = option.value;
    if (list.kind !== "Array" || list.elements.length === 0) {
      ctx.diagnostics.report("UnknownFileType", list.span, "types is a non-empty list of media types", { suggestion: 'write types: ["image/png", "image/jpeg"]' });
      continue;
    }
    for (const element of list.elements) {
      const value = element.kind === "String" ? element.value : undefined;
      if (value === undefined || !RECOGNISED_FILE_TYPES.includes(value)) {
        report(ctx, "UnknownFileType", element.span, `${value === undefined ? "this" : JSON.stringify(value)} is not a media type Kova recognises by content (it reads a file's first bytes, never its name): ${RECOGNISED_FILE_TYPES.join(", ")}`, RECOGNISED_FILE_TYPES, value ?? "");
      }
    }
  }
  return FILE_TYPE;
}

/** `avatar: file?` on an entity: a json field holding the reference, checked against its shape on every write. */
export function fileFieldSchema(ctx: CheckContext, field: FieldDecl): FieldSchema {
  const t = field.type;
  if (t.args.length > 0 || t.options.length > 0) {
    ctx.diagnostics.report("InvalidTypeArguments", t.span, "an entity's file field takes no options: the limits belong to the VALIDATE shape the upload arrives in", { suggestion: `write ${field.name.name}: file${t.optional ? "?" : ""}` });
  }
  for (const m of field.modifiers) {
    if (m.modifier === "ON DELETE" || m.modifier === "SECRET") continue;
    ctx.diagnostics.report("FileFieldModifier", m.span, `${m.modifier} does not apply to a file field (it holds a reference to a stored file)`, { suggestion: "remove it" });
  }
  return { name: field.name.name, type: "json", shape: FILE_JSON_SHAPE, file: true, optional: t.optional, unique: false, index: false };
}

/** KV2750: file fields only at the top level of a shape, and a shape with files never nested in another. */
export function checkFilePlacement(ctx: CheckContext, programs: readonly Program[]): void {
  const uploadShapes = new Set<string>();
  for (const program of programs) {
    for (const decl of program.declarations) {
      if (decl.kind === "Validate" && decl.fields.some((f) => f.type.name.name === "file" && f.type.fields.length === 0)) uploadShapes.add(decl.name.name);
    }
  }
  for (const program of programs) {
    const at = { ...ctx, file: program.file };
    for (const decl of program.declarations) walkDeclaration(at, decl, uploadShapes);
  }
}

function walkDeclaration(ctx: CheckContext, decl: Declaration, uploadShapes: ReadonlySet<string>): void {
  if (decl.kind === "Validate") {
    for (const field of decl.fields) {
      if (field.type.name.name === "file" && field.type.array) {
        ctx.diagnostics.report("FilePlacement", field.type.span, "a list of files is not supported: each file is its own multipart field", { suggestion: `declare one field per file (${field.name.name}_1: file(…), ${field.name.name}_2: file(…)?)` });
      }
      walkNested(ctx, field.type.fields, uploadShapes, "in a nested object");
      if (uploadShapes.has(field.type.name.name)) nestedUpload(ctx, field.type);
    }
  } else if (decl.kind === "Entity") {
    for (const field of decl.fields) walkNested(ctx, field.type.fields, uploadShapes, "in an entity's json shape");
  }
}

function walkNested(ctx: CheckContext, fields: readonly FieldDecl[], uploadShapes: ReadonlySet<string>, where: string): void {
  for (const field of fields) {
    if (field.type.name.name === "file" && field.type.fields.length === 0) {
      ctx.diagnostics.report("FilePlacement", field.type.span, `a file field cannot sit ${where}: a multipart body is flat`, { suggestion: "move it to the top level of the shape the endpoint names" });
    } else if (uploadShapes.has(field.type.name.name)) {
      nestedUpload(ctx, field.type);
    }
    walkNested(ctx, field.type.fields, uploadShapes, where);
  }
}

function nestedUpload(ctx: CheckContext, t: TypeRef): void {
  ctx.diagnostics.report("FilePlacement", t.name.span, `shape ${t.name.name} has file fields, so it can only be an endpoint's whole body, not nested in another shape`, {
    suggestion: `name ${t.name.name} on the endpoint (POST /path VALIDATE ${t.name.name}), or move its file fields up`,
  });
}
