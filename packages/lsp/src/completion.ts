import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { parse as parseDotenv } from "dotenv";
import { BUILTINS, builtinSignature, describeType, IDENTIFIER_KINDS, KEYWORDS, PUBLIC_ID_KINDS, RICH_TYPE_NAMES, richTypeSummary, type EndpointDecl, type EntityInfo, type Node, type Program, type Query } from "@kova/compiler";
import { CompletionItemKind, type CompletionItem } from "vscode-languageserver";
import { collect, nodePathAt, walk } from "./ast-walk.js";
import type { Analysis } from "./workspace.js";
import { securityCompletions } from "./completion-security.js";
import { aggregateCompletions } from "./aggregates.js";
import { taskCompletions } from "./tasks.js";
import { cacheCompletions } from "./caches.js";
import { realtimeCompletions } from "./realtime.js";

/** What each kind of public id is, for completion after `PUBLIC ID`. */
const PUBLIC_ID_DETAILS: Readonly<Record<string, string>> = {
  uuid: "a random UUID (v4) made on insert",
  uuid7: "a time-ordered UUID (v7) made on insert",
  ulid: "a time-ordered ULID made on insert",
};

const QUERY_KINDS = ["SelectQuery", "InsertQuery", "UpdateQuery", "DeleteQuery", "SaveQuery", "HistoryQuery", "RestoreQuery"] as const;
const REQUEST_PARAMS = [
  ["query", "the query string"],
  ["body", "the JSON body"],
  ["headers", "the request headers"],
  ["auth", "the signed-in caller's verified claims (endpoints with AUTH)"],
  ["cookies", "the request cookies"],
] as const;
const TYPE_NAMES = ["text", "string", "email", "url", "int", "float", "decimal", "bool", "boolean", "datetime", "date", "uuid", "json", "enum", "file"];

/** The text range the completion replaces: from `start` to the cursor. */
export interface CompletionContext {
  analysis: Analysis;
  path: string;
  text: string;
  offset: number;
}

export interface KovaCompletion extends CompletionItem {
  /** Offset where the replaced text starts (the server turns it into a range). */
  replaceFrom?: number;
}

/** What may be typed at the cursor. Works on half-written code: the text decides the context first, the AST second. */
export function completionsAt(ctx: CompletionContext): KovaCompletion[] {
  const { text, offset } = ctx;
  const lineStart = text.lastIndexOf("\n", offset - 1) + 1;
  const prefix = text.slice(lineStart, offset);

  const env = /env\(\s*["']([A-Za-z0-9_]*)$/.exec(prefix);
  if (env) return envNames(ctx.path).map((name) => ({ label: name, kind: CompletionItemKind.Constant, detail: "from .env" }));

  const file = ctx.analysis.file(ctx.path);
  const nodes = file ? nodePathAt(file.program, Math.min(offset, text.length)) : [];
  const endpoint = nodes.find((n): n is EndpointDecl => n.kind === "Endpoint") ?? (file ? lastDeclarationBefore(file.program, offset) : undefined);

  const claim = /\$auth\.([A-Za-z_][A-Za-z0-9_]*)?$/.exec(prefix);
  if (claim) return claimItems(ctx.analysis, ctx.path, offset - (claim[1]?.length ?? 0));
  const access = /^\s*(GET|POST|PUT|PATCH|DELETE)\s+\S+.*\bAUTH\s+(?:[A-Za-z_]\w*\s*,\s*)*[A-Za-z_0-9]*$/.test(prefix);
  if (access) return accessItems(ctx.analysis, ctx.path);
  const security = securityCompletions(prefix, offset, nodes);
  if (security !== undefined) return security;
  const tasks = taskCompletions(ctx.analysis, prefix, offset, nodes);
  if (tasks !== undefined) return tasks;
  const caches = cacheCompletions(ctx.analysis, prefix, offset);
  if (caches !== undefined) return caches;
  const realtime = realtimeCompletions(ctx.analysis, prefix, offset, nodes);
  if (realtime !== undefined) return realtime;

  const param = /\$([A-Za-z_][A-Za-z0-9_]*)?$/.exec(prefix);
  if (param) {
    const from = offset - param[0].length;
    const items: KovaCompletion[] = [];
    for (const segment of endpoint?.path.segments ?? []) {
      if (!segment.param) continue;
      const type = ctx.analysis.endpoints.find((e) => e.decl === endpoint)?.paramTypes.get(segment.value) ?? "string";
      items.push({ label: `$${segment.value}`, kind: CompletionItemKind.Variable, detail: `path parameter: ${type}`, replaceFrom: from, sortText: `0${segment.value}` });
    }
    for (const [name, detail] of REQUEST_PARAMS) items.push({ label: `$${name}`, kind: CompletionItemKind.Variable, detail, replaceFrom: from, sortText: `1${name}` });
    return items;
  }

  if (/\b(FROM|INTO|UPDATE|HISTORY|RESTORE)\s+[A-Za-z_0-9]*$/.test(prefix)) return entityItems(ctx.analysis);
  // `ENTITY Customer PUBLIC ID uuid { … }`: ID, then the kinds of public id the server makes.
  if (/^\s*ENTITY\s+\w+\b.*\bPUBLIC\s+[A-Za-z]*$/.test(prefix)) return [{ label: "ID", kind: CompletionItemKind.Keyword }];
  if (/^\s*ENTITY\s+\w+\b.*\bPUBLIC\s+ID\s+[A-Za-z]*$/.test(prefix)) return PUBLIC_ID_KINDS.map((kind) => ({ label: kind, kind: CompletionItemKind.TypeParameter, detail: PUBLIC_ID_DETAILS[kind] }));
  // `ENTITY Article IDENTIFIER slug(title) { … }`: the ways an identifier is made.
  if (/^\s*ENTITY\s+\w+\b.*\bIDENTIFIER\s+[A-Za-z]*$/.test(prefix)) return IDENTIFIER_KINDS.map((kind) => ({ label: kind, kind: CompletionItemKind.Function, detail: "the slug of the named fields, made on insert; -2, -3… on collision" }));
  if (/^\s*(GET|POST|PUT|PATCH|DELETE)\s+\S+\s+VALIDATE\s+[A-Za-z_0-9]*$/.test(prefix)) {
    return [...validatorNames(ctx.analysis)].map((name) => ({ label: name, kind: CompletionItemKind.Interface }));
  }
  const inDecl = nodes.find((n) => n.kind === "Entity" || n.kind === "Validate");
  if (inDecl && /^\s*[A-Za-z_]\w*\s*:\s*[A-Za-z_0-9]*$/.test(prefix)) {
    const types: KovaCompletion[] = [
      ...TYPE_NAMES.map((t) => ({ label: t, kind: CompletionItemKind.TypeParameter })),
      // Rich types (phone, money, ipv4, …), described by their one definition.
      ...RICH_TYPE_NAMES.filter((t) => !TYPE_NAMES.includes(t)).map((t) => ({ label: t, kind: CompletionItemKind.TypeParameter, detail: richTypeSummary(t) })),
    ];
    return [...types, ...entityItems(ctx.analysis), ...[...validatorNames(ctx.analysis)].map((n) => ({ label: n, kind: CompletionItemKind.Interface }))];
  }

  const items: KovaCompletion[] = [];
  if (endpoint) {
    const query = queryAt(endpoint, text, offset);
    const entity = query ? entityOf(ctx.analysis, query.entity.name) : undefined;
    if (entity && query) {
      // `author.na|` (a WHERE or ORDER_BY through a reference), or inside `author { na| }`.
      const dotted = /([A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*)\.([A-Za-z_0-9]*)$/.exec(prefix);
      if (dotted) {
        const target = follow(ctx.analysis, entity, dotted[1].split("."));
        if (target) return [...fieldItems(target), ...relationItems(target)].map((i) => ({ ...i, replaceFrom: offset - dotted[2].length }));
      }
      const target = follow(ctx.analysis, entity, openRelations(text.slice(query.span.start.offset, offset))) ?? entity;
      items.push(...fieldItems(target), ...relationItems(target));
    }
    if (query?.kind === "SelectQuery") items.push(...aggregateCompletions());
    items.push(...variablesBefore(ctx.analysis, endpoint, offset));
  }
  items.push(...functionItems(ctx.analysis));
  for (const keyword of KEYWORDS) items.push({ label: keyword, kind: CompletionItemKind.Keyword, sortText: `9${keyword}` });
  for (const literal of ["true", "false", "null"]) items.push({ label: literal, kind: CompletionItemKind.Value, sortText: `8${literal}` });
  if (!endpoint) items.push(...entityItems(ctx.analysis));
  return items;
}

/** Every built-in (signature and doc from the compiler's one list), and the program's FNs and VIEWs. */
function functionItems(analysis: Analysis): KovaCompletion[] {
  const items: KovaCompletion[] = [...BUILTINS.values()].map((b) => ({
    label: b.name,
    kind: CompletionItemKind.Function,
    detail: builtinSignature(b),
    documentation: b.doc,
    sortText: `7${b.name}`,
  }));
  for (const file of analysis.result.files) {
    for (const decl of file.program.declarations) {
      if (decl.kind === "Function") items.push({ label: decl.name.name, kind: CompletionItemKind.Function, detail: `FN ${decl.name.name}(${decl.params.map((p) => p.name.name).join(", ")})`, sortText: `6${decl.name.name}` });
      if (decl.kind === "View") items.push({ label: decl.name.name, kind: CompletionItemKind.Struct, detail: `VIEW ${decl.name.name} OF ${decl.entity.name}`, sortText: `6${decl.name.name}` });
    }
  }
  return items;
}

/**
 * While a handler is being typed its end may be missing, and the parser's span can stop before the
 * cursor: the cursor then belongs to the last declaration that starts before it, if an endpoint.
 */
function lastDeclarationBefore(program: Program, offset: number): EndpointDecl | undefined {
  const before = program.declarations.filter((d) => d.span.start.offset <= offset);
  const last = before[before.length - 1];
  return last?.kind === "Endpoint" ? last : undefined;
}

/**
 * The query the cursor is in: the latest-starting query of the endpoint that contains the cursor,
 * or ends just before it on the same line (`… WHERE ti|`, where the parser stopped at WHERE).
 */
function queryAt(endpoint: EndpointDecl, text: string, offset: number): Query | undefined {
  let best: Query | undefined;
  for (const query of collect(endpoint.body, QUERY_KINDS)) {
    if (query.span.start.offset > offset || query.entity.name === "") continue;
    const gap = text.slice(query.span.end.offset, offset);
    if (offset > query.span.end.offset && !/^[ \t]*[A-Za-z_0-9]*$/.test(gap)) continue;
    if (!best || query.span.start.offset >= best.span.start.offset) best = query;
  }
  return best;
}

function entityOf(analysis: Analysis, name: string): EntityInfo | undefined {
  for (const file of analysis.result.files) {
    for (const model of analysis.models(file.file)) {
      const entity = model.entities.get(name);
      if (entity) return entity;
    }
  }
  return undefined;
}

function fieldItems(entity: EntityInfo): KovaCompletion[] {
  const row = entity.rowType;
  if (row.kind !== "object" || !row.fields) return [];
  return [...row.fields].map(([name, field]) => ({
    label: name,
    kind: CompletionItemKind.Field,
    detail: `${entity.decl.name.name}.${name}: ${describeType(field.type)}${field.optional ? "?" : ""}`,
    sortText: `0${name}`,
  }));
}

/** The relations of an entity: its reference fields (one row) and its `X[] BY field` lists. */
function relationsOf(entity: EntityInfo): Array<{ name: string; entity: string; detail: string }> {
  const out = entity.schema.fields
    .filter((f) => f.references !== undefined)
    .map((f) => ({ name: f.name, entity: f.references!, detail: `relation: one ${f.references} (${f.name} { … }, ${f.name}.field)` }));
  for (const r of entity.schema.relations ?? []) out.push({ name: r.name, entity: r.entity, detail: `relation: ${r.entity}[] BY ${r.by} (${r.name} { … }, COUNT(${r.name}), EXISTS ${r.name}(…))` });
  return out;
}

function relationItems(entity: EntityInfo): KovaCompletion[] {
  // Reference fields are already offered as fields; the lists are offered here.
  return relationsOf(entity)
    .filter((r) => !entity.schema.fields.some((f) => f.name === r.name))
    .map((r) => ({ label: r.name, kind: CompletionItemKind.Reference, detail: r.detail, sortText: `1${r.name}` }));
}

/** The entity reached from `entity` along relation names, or undefined when one is not a relation. */
function follow(analysis: Analysis, entity: EntityInfo, path: readonly string[]): EntityInfo | undefined {
  let current: EntityInfo | undefined = entity;
  for (const name of path) {
    const relation: { entity: string } | undefined = current ? relationsOf(current).find((r) => r.name === name) : undefined;
    current = relation ? entityOf(analysis, relation.entity) : undefined;
    if (!current) return undefined;
  }
  return current;
}

/** The nested selections still open at the end of a query's text: `SELECT a { b, c { ` → [a, c]. */
function openRelations(queryText: string): string[] {
  const stack: string[] = [];
  for (const m of queryText.matchAll(/([A-Za-z_]\w*)\s*\{|\}/g)) {
    if (m[0] === "}") stack.pop();
    else stack.push(m[1]);
  }
  return stack;
}

function entityItems(analysis: Analysis): KovaCompletion[] {
  const names = new Map<string, EntityInfo>();
  for (const program of analysis.result.programs) for (const [name, info] of program.model.entities) names.set(name, info);
  return [...names].map(([name, info]) => ({
    label: name,
    kind: CompletionItemKind.Class,
    detail: `ENTITY ${name} (${info.decl.fields.length + 1} fields)`,
    sortText: `3${name}`,
  }));
}

function validatorNames(analysis: Analysis): Set<string> {
  const names = new Set<string>();
  for (const program of analysis.result.programs) for (const name of program.model.validators.keys()) names.add(name);
  return names;
}

/** Variables assigned earlier in the handler (Kova has one scope per handler). */
function variablesBefore(analysis: Analysis, endpoint: EndpointDecl, offset: number): KovaCompletion[] {
  const seen = new Map<string, KovaCompletion>();
  walk(endpoint.body, (node: Node) => {
    if (node.kind !== "Assign" || node.span.end.offset > offset || node.target.name === "" || seen.has(node.target.name)) return;
    const type = analysis.types.get(node.value);
    seen.set(node.target.name, {
      label: node.target.name,
      kind: CompletionItemKind.Variable,
      detail: type ? describeType(type) : undefined,
      sortText: `1${node.target.name}`,
    });
  });
  return [...seen.values()];
}

/** Names defined in the `.env` file next to the document (missing or unreadable: none). */
function envNames(path: string): string[] {
  try {
    return Object.keys(parseDotenv(readFileSync(join(dirname(path), ".env"), "utf8")));
  } catch {
    return [];
  }
}

/** `$auth.` — the claims the AUTH block's claims shape declares, with their types. */
function claimItems(analysis: Analysis, path: string, from: number): KovaCompletion[] {
  const shape = analysis.models(path).map((m) => m.auth?.claims).find((c) => c != null);
  if (!shape) return [];
  const type = shape.type.kind === "object" ? shape.type.fields : null;
  return shape.decl.fields.map((f) => ({
    label: f.name.name,
    kind: CompletionItemKind.Field,
    detail: `claim: ${type?.get(f.name.name) ? describeType(type.get(f.name.name)!.type) : f.type.name.name}`,
    replaceFrom: from,
  }));
}

/** After `AUTH` on an endpoint line: the declared roles, `optional` and `owner(…)`. */
function accessItems(analysis: Analysis, path: string): KovaCompletion[] {
  const auth = analysis.models(path).map((m) => m.auth).find((a) => a != null);
  const roles: KovaCompletion[] = [...(auth?.roles.keys() ?? [])].map((r) => ({ label: r, kind: CompletionItemKind.EnumMember, detail: "role" }));
  return [
    ...roles,
    { label: "optional", kind: CompletionItemKind.Keyword, detail: "anonymous callers pass, with $auth null" },
    { label: "owner", kind: CompletionItemKind.Keyword, detail: "owner(field): only rows whose field equals $auth.sub", insertText: "owner(" },
  ];
}
