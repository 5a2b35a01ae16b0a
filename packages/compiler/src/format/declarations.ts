import type { Declaration, EndpointAuth, EntityConstraint, FieldDecl, FieldModifier, Program, Property, RateLimitDecl, ReadModelColumn, RoutePath, SocketHandler, TypeRef, ViewItem } from "../ast/nodes.js";
import { hardline, join, type Doc } from "./doc.js";
import { printExpression, printProperty } from "./expressions.js";
import type { Printer } from "./printer.js";
import { printBlock } from "./statements.js";

/** The whole file: one declaration per paragraph, comments before, after and between kept. */
export function printProgram(p: Printer, program: Program): Doc {
  const lines = p.items(program.declarations, (d) => printDeclaration(p, d), {
    end: p.text.length,
    blankLines: "always",
    // A run of IMPORTs reads as one paragraph; a blank line the user put between them stays.
    together: (a, b) => (a as Declaration).kind === "Import" && (b as Declaration).kind === "Import",
  });
  return lines.length === 0 ? "" : [join(hardline, lines), hardline];
}

function printDeclaration(p: Printer, d: Declaration): Doc {
  switch (d.kind) {
    case "Import": {
      const source = p.source(d.sourceSpan);
      if (d.names.length === 0) return ["IMPORT ", source];
      const names = d.names.map((n) => (n.imported.name === n.local.name ? n.local.name : `${n.imported.name} AS ${n.local.name}`));
      return ["IMPORT { ", names.join(", "), " } FROM ", source];
    }
    case "Connect":
      return ["CONNECT ", d.name.name, " USING ", d.driver.name, d.args.length === 0 ? "" : printArguments(p, d.args)];
    case "Entity":
      return [
        "ENTITY ", d.abstract ? "ABSTRACT " : "", d.name.name, d.extends === null ? "" : [" EXTENDS ", d.extends.name], d.source === null ? "" : [" USING ", d.source.name], d.noHistory ? " NO HISTORY" : "", d.audit ? " AUDIT" : "", d.softDelete ? " SOFT DELETE" : "", d.tenant ? [" TENANT BY ", d.tenant.name] : "", d.publicId === null ? "" : [" PUBLIC ID ", d.publicId.name],
        d.subject ? " SUBJECT" : "", d.personalDataOf === null ? "" : [" PERSONAL DATA OF ", d.personalDataOf.name],
        d.identifier === null ? "" : [" IDENTIFIER ", d.identifier.maker.name, "(", d.identifier.from.map((f) => f.name).join(", "), ")", d.identifier.versioned ? " VERSIONED" : ""],
        // `ENTITY Supplier EXTENDS Organization` written without braces stays so.
        d.extends !== null && !p.text.slice(d.extends.span.end.offset, d.span.end.offset).includes("{")
          ? ""
          : [" ", printFields(p, entityItems(d.fields, d.constraints ?? []), (d.source ?? d.name).span.end.offset, d.span.end.offset)],
      ];
    case "Validate":
      return [
        "VALIDATE ", d.name.name,
        d.options.length === 0 ? "" : ["(", join(", ", d.options.map((o) => printProperty(p, o, false))), ")"],
        " ", printFields(p, d.fields, (d.options.at(-1)?.span ?? d.name.span).end.offset, d.span.end.offset),
      ];
    case "Api": {
      const dates: Doc[] = [];
      if (d.deprecated !== null) dates.push(" DEPRECATED ", p.source(d.deprecated.span));
      if (d.sunset !== null) dates.push(" SUNSET ", p.source(d.sunset.span));
      const from = (d.sunset ?? d.deprecated ?? d.version).span.end.offset;
      const endpoints = p.bracketed("{", "}", p.afterOpenBrace(from), d.endpoints, (e) => printDeclaration(p, e), { end: d.span.end.offset - 1, blankLines: "always" });
      return ["API ", d.version.name, dates, " ", endpoints];
    }
    case "Test":
      return ["TEST ", p.source(d.title.span), " ", printBlock(p, d.body)];
    case "Endpoint": {
      const head: Doc[] = [d.method, " ", printRoutePath(d.path)];
      if (d.query !== null) head.push(" QUERY ", printFields(p, d.query.fields, d.query.span.start.offset, d.query.span.end.offset));
      if (d.validate !== null) head.push(" VALIDATE ", d.validate.name);
      if (d.auth !== null) head.push(printEndpointAuth(d.auth));
      if (d.rateLimit !== null) head.push(" ", printRateLimit(p, d.rateLimit));
      if (d.cache != null) head.push(" CACHE ", d.cache.name);
      return [head, " ", printBlock(p, d.body)];
    }
    case "RateLimit":
      return printRateLimit(p, d);
    case "Cors":
      return ["CORS ", printProperties(p, d.properties, d.span.start.offset + "CORS".length, d.span.end.offset)];
    case "Cache":
      return ["CACHE ", d.name.name, " ", printProperties(p, d.properties, d.name.span.end.offset, d.span.end.offset)];
    case "Socket": {
      const head: Doc[] = ["SOCKET ", printRoutePath(d.path)];
      if (d.auth !== null) head.push(printEndpointAuth(d.auth));
      if (d.validate !== null) head.push(" VALIDATE ", d.validate.name);
      let from = Math.max(d.path.span.end.offset, d.auth?.span.end.offset ?? 0, d.validate?.span.end.offset ?? 0);
      if (d.settings.length > 0) {
        // The settings' `}` is the first one after the last setting (a value holds no unmatched brace).
        const close = p.text.indexOf("}", d.settings.at(-1)!.span.end.offset) + 1;
        head.push(" WITH ", printProperties(p, d.settings, from, close));
        from = close;
      }
      return [head, " ", printHandlers(p, d.handlers, from, d.span.end.offset)];
    }
    case "Task": {
      const params: Doc = d.params === null ? "" : ["(", join(", ", d.params.map((param) => [param.name.name, ": ", printType(p, param.type)])), ")"];
      const zone: Doc = d.schedule?.timezone ? [" TZ ", printExpression(p, d.schedule.timezone, 0, false)] : "";
      const schedule: Doc = d.schedule === null ? "" : [" ", d.schedule.mode, " ", printExpression(p, d.schedule.value, 0, false), zone];
      // The settings block ends before the body's `{`: comments up to there stay inside it.
      const from = d.schedule?.span.end.offset ?? d.params?.at(-1)?.span.end.offset ?? d.name.span.end.offset;
      const settings: Doc = d.settings.length === 0 ? "" : [" WITH ", printProperties(p, d.settings, from, d.body.span.start.offset)];
      return ["TASK ", d.name.name, params, schedule, settings, " ", printBlock(p, d.body)];
    }
    case "OnChange": {
      const settings: Doc = d.settings.length === 0 ? "" : [" WITH ", printProperties(p, d.settings, d.entity.span.end.offset, d.body.span.start.offset)];
      return ["ON ", d.op === "EVENT" ? "" : [d.op, " "], d.entity.name, settings, " ", printBlock(p, d.body)];
    }
    case "Auth": {
      const using: Doc = d.using === null ? "" : [" USING ", printExpression(p, d.using)];
      const settings: Doc = d.properties.length === 0 ? "" : [" ", printProperties(p, d.properties, (d.using ?? d.name).span.end.offset, d.span.end.offset)];
      return ["AUTH ", d.name.name, using, settings];
    }
    case "Worker":
      return ["WORKER ", d.name.name, " ", printBlock(p, d.body)];
    case "Function": {
      const params = d.params.map((param) => [param.name.name, ": ", printType(p, param.type)]);
      return [d.action === true ? "ACTION " : "FN ", d.name.name, "(", join(", ", params), d.inDatabase === true ? ") IN DATABASE " : ") ", printBlock(p, d.body)];
    }
    case "Event":
      return ["EVENT ", d.name.name, " ", printFields(p, d.fields, d.name.span.end.offset, d.span.end.offset)];
    case "ReadModel": {
      const groupBy: Doc = d.groupBy.length === 0 ? "" : [" GROUP_BY ", d.groupBy.map((g) => g.name).join(", ")];
      const from = (d.groupBy.at(-1) ?? d.source).span.end.offset;
      const columns = p.bracketed("{", "}", p.afterOpenBrace(from), d.columns, (col) => printReadModelColumn(col), { end: d.span.end.offset - 1, blankLines: "keep" });
      return ["READ MODEL ", d.name.name, " FROM ", d.source.name, groupBy, " ", columns];
    }
    case "View":
      return ["VIEW ", d.name.name, " OF ", d.entity.name, " ", printViewItems(p, d.items, d.entity.span.end.offset, d.span.end.offset)];
  }
}

/** `category` or `total: SUM(price)`. */
function printReadModelColumn(col: ReadModelColumn): Doc {
  if (col.aggregate === null) return col.name.name;
  return [col.name.name, ": ", col.aggregate.fn, "(", col.aggregate.field?.name ?? "*", ")"];
}

/** A VIEW's items, one per line; a nested selection (`author { name }`) the same way, indented. */
function printViewItems(p: Printer, items: readonly ViewItem[], from: number, end: number): Doc {
  return p.bracketed("{", "}", p.afterOpenBrace(from), items, (item) => printViewItem(p, item), { end: end - 1, blankLines: "keep" });
}

function printViewItem(p: Printer, item: ViewItem): Doc {
  if (item.items === null) return item.name.name;
  return [item.name.name, " ", printViewItems(p, item.items, item.name.span.end.offset, item.span.end.offset)];
}

/** `RATE_LIMIT 100 PER 1m BY ip` (BY only when written). */
function printRateLimit(p: Printer, r: RateLimitDecl): Doc {
  const by: Doc = r.by === null ? "" : [" BY ", printExpression(p, r.by, 0, false)];
  return ["RATE_LIMIT ", printExpression(p, r.count, 0, false), " PER ", printExpression(p, r.window, 0, false), by];
}

function printArguments(p: Printer, args: Parameters<typeof printExpression>[1][]): Doc {
  return ["(", join(", ", args.map((a) => printExpression(p, a))), ")"];
}

/** Fields one per line; the `{` is the first one after `from`, and `end` is just past the closing brace. */
function printFields(p: Printer, fields: ReadonlyArray<FieldDecl | EntityConstraint>, from: number, end: number): Doc {
  return p.bracketed("{", "}", p.afterOpenBrace(from), fields, (f) => (f.kind === "Field" ? printField(p, f) : printConstraint(f)), { end: end - 1, blankLines: "keep" });
}

/** An entity's fields and its `UNIQUE (a, b)` / `INDEX (a, b)` lines, in source order. */
function entityItems(fields: readonly FieldDecl[], constraints: readonly EntityConstraint[]): Array<FieldDecl | EntityConstraint> {
  return [...fields, ...constraints].sort((a, b) => a.span.start.offset - b.span.start.offset);
}

function printConstraint(constraint: EntityConstraint): Doc {
  return [constraint.constraint, " (", constraint.fields.map((f) => f.name).join(", "), ")"];
}

function printField(p: Printer, field: FieldDecl): Doc {
  return [field.name.name, ": ", printType(p, field.type), field.by === null ? "" : ` BY ${field.by.name}`, field.modifiers.map((m) => [" ", printModifier(p, m)])];
}

function printModifier(p: Printer, modifier: FieldModifier): Doc {
  if (modifier.modifier === "ON DELETE") return ["ON DELETE ", modifier.action ?? "RESTRICT"];
  if (modifier.modifier === "MASKED" && modifier.roles.length > 0) return ["MASKED UNLESS ", modifier.roles.map((r) => r.name).join(", ")];
  if (modifier.value === null) return modifier.modifier;
  return ["DEFAULT ", printExpression(p, modifier.value, 0, false)];
}

/** `text`, `string(min: 1)`, `enum("a", "b")`, `Tag[]?`, or an inline shape `{ … }` (one field per line). */
function printType(p: Printer, type: TypeRef): Doc {
  const inlineShape = p.text.startsWith("{", type.span.start.offset);
  let base: Doc;
  if (inlineShape) {
    // The shape's closing brace is the last `}` of the type's text (only `[]` and `?` may follow it).
    const close = type.span.start.offset + p.source(type.span).lastIndexOf("}");
    base = p.bracketed("{", "}", type.span.start.offset + 1, type.fields, (f) => printField(p, f), { end: close, blankLines: "keep" });
  } else {
    const args: Doc[] = [...type.args.map((a) => printExpression(p, a)), ...type.options.map((o) => printProperty(p, o, false))];
    base = [type.name.name, args.length === 0 ? "" : ["(", join(", ", args), ")"]];
  }
  return [base, type.array ? "[]" : "", type.optional ? "?" : ""];
}

/** CACHE and AUTH settings: `key: value`, one per line. */
function printProperties(p: Printer, properties: readonly Property[], from: number, end: number): Doc {
  return p.bracketed("{", "}", p.afterOpenBrace(from), properties, (prop) => printProperty(p, prop, false), { end: end - 1, blankLines: "keep" });
}

/** ` AUTH`, ` AUTH admin, owner(author)`, ` AUTH optional`. */
function printEndpointAuth(auth: EndpointAuth): string {
  const words = [...(auth.optional ? ["optional"] : []), ...auth.roles.map((r) => r.name), ...(auth.owner ? [`owner(${auth.owner.name})`] : [])];
  return " AUTH" + (words.length === 0 ? "" : " " + words.join(", "));
}

function printHandlers(p: Printer, handlers: readonly SocketHandler[], from: number, end: number): Doc {
  return p.bracketed("{", "}", p.afterOpenBrace(from), handlers, (h) => printHandler(p, h), { end: end - 1, blankLines: "keep" });
}

function printHandler(p: Printer, h: SocketHandler): Doc {
  const name = h.event.name;
  // The parser lower-cases event names; upper case reads back the same unless case mapping is lossy.
  const event = name.toUpperCase().toLowerCase() === name ? name.toUpperCase() : name;
  return ["ON ", event, h.param === null ? "" : ["(", h.param.name, ")"], " ", printBlock(p, h.body)];
}

/** The path as written: `text` is the routed path, so declared types (`:id(int)`) come from the segments. */
function printRoutePath(path: RoutePath): string {
  if (!path.segments.some((s) => s.type !== null)) return path.text;
  return "/" + path.segments.map((s) => (s.param ? `:${s.value}${s.type === null ? "" : `(${s.type.name})`}` : s.value)).join("/");
}
