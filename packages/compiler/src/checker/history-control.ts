/**
 * History control (docs/language.md, "History control"): `password: text SECRET` and
 * `ENTITY Session NO HISTORY { … }`.
 *
 * - The entity's schema says so (`secret` on the field, `history: false` on the entity), and every
 *   driver writes versions accordingly (@kova/query history-control.ts).
 * - A row read with `SELECT *`, or returned by a write, has no SECRET field: the checker types it
 *   without them (here), the plan of `SELECT *` names the others (ir/plans.ts) and a write's row
 *   loses them before the handler sees it (ir/expressions.ts).
 * - The past of what history does not keep cannot be read: HISTORY and AS OF on a NO HISTORY
 *   entity (KV2340), and a SECRET field named in HISTORY or AS OF (KV2341), are refused here.
 */
import type { Condition, EntityDecl, Expression, Identifier, Query, RelationSelect } from "../ast/nodes.js";
import type { EntitySchema } from "@kova/query";
import type { CheckContext } from "./context.js";
import type { EntityInfo } from "./model.js";
import { selectRelations } from "./view-relations.js";
import type { KovaType, ShapeField } from "./types.js";

/** Marks the schema from the declaration: SECRET fields, NO HISTORY. */
export function applyHistoryControl(decl: EntityDecl, schema: EntitySchema): void {
  if (decl.noHistory) schema.history = false;
  for (const field of decl.fields) {
    if (!field.modifiers.some((m) => m.modifier === "SECRET")) continue;
    const stored = schema.fields.find((f) => f.name === field.name.name);
    if (stored) stored.secret = true;
  }
}

const publicTypes = new WeakMap<EntityInfo, KovaType>();

/** The row type of `SELECT *` and of a write's result: every field but the SECRET ones. */
export function publicRowType(entity: EntityInfo): KovaType {
  const secret = entity.schema.fields.filter((f) => f.secret === true).map((f) => f.name);
  if (secret.length === 0 || entity.rowType.kind !== "object" || !entity.rowType.fields) return entity.rowType;
  let type = publicTypes.get(entity);
  if (type === undefined) {
    const fields = new Map<string, ShapeField>([...entity.rowType.fields].filter(([name]) => !secret.includes(name)));
    type = { ...entity.rowType, fields };
    publicTypes.set(entity, type);
  }
  return type;
}

/** Refuses reads of a past that history does not keep (KV2340, KV2341). */
export function checkHistoryControl(ctx: CheckContext, query: Query, entity: EntityInfo | undefined): void {
  if (entity === undefined) return;
  const past = query.kind === "HistoryQuery" ? "HISTORY" : query.kind === "SelectQuery" && query.asOf !== null ? "AS OF" : null;
  if (past === null) return;
  const name = entity.decl.name.name;
  const span = query.kind === "SelectQuery" && query.asOf !== null ? query.asOf.span : query.entity.span;
  if (entity.schema.history === false) {
    ctx.diagnostics.report("NoHistoryRead", span, `${name} is marked NO HISTORY: it keeps no versions, so ${past} has nothing to read`, {
      suggestion: past === "HISTORY" ? `remove NO HISTORY from ENTITY ${name} to keep its versions, or read its rows as they are now with SELECT` : "read the rows as they are now (remove AS OF), or remove NO HISTORY from the entity",
    });
    return;
  }
  if (query.kind === "SelectQuery") {
    for (const relation of selectRelations(ctx.model, query)) refuseNoHistoryRelation(ctx, entity, relation, span);
  }
  const secret = new Set(entity.schema.fields.filter((f) => f.secret === true).map((f) => f.name));
  if (secret.size === 0) return;
  const named: Identifier[] = [];
  if (query.kind === "SelectQuery") named.push(...(query.fields ?? []));
  const read = query as Extract<Query, { kind: "SelectQuery" | "HistoryQuery" }>;
  if (read.orderBy) named.push(...read.orderBy.items.map((i) => i.field));
  const names: Array<{ name: string; span: Identifier["span"] }> = [...named];
  if (read.where) namesIn(read.where, names);
  if (query.kind === "SelectQuery") for (const c of query.columns ?? []) namesIn(c.value, names);
  for (const n of names) {
    if (!secret.has(n.name)) continue;
    ctx.diagnostics.report("SecretFieldInPast", n.span, `'${n.name}' is SECRET: history keeps no value for it, so ${past} cannot read or compare it`, {
      suggestion: `read ${name}.${n.name} as it is now, in a SELECT without AS OF`,
    });
  }
}

/** `SELECT …, author { … } FROM Post AS OF t`: the related rows as of t need the related entity's history. */
function refuseNoHistoryRelation(ctx: CheckContext, entity: EntityInfo, select: RelationSelect, span: Identifier["span"]): void {
  const schema = entity.schema;
  const name = select.relation.name;
  const target = schema.fields.find((f) => f.name === name)?.references ?? schema.relations?.find((r) => r.name === name)?.entity;
  const related = target === undefined ? undefined : ctx.model.entities.get(target);
  if (related === undefined) return;
  if (related.schema.history === false) {
    ctx.diagnostics.report("NoHistoryRead", select.relation.span, `${target} is marked NO HISTORY: it keeps no versions, so its rows cannot be read AS OF an instant`, {
      suggestion: `leave ${name} out of this AS OF select and read it with a SELECT of the present`,
    });
    return;
  }
  for (const inner of (select as RelationSelect & { relations?: RelationSelect[] }).relations ?? []) refuseNoHistoryRelation(ctx, related, inner, span);
}

/** Every bare name (a field of the query's entity) in a condition or expression. */
function namesIn(node: Condition | Expression | unknown, out: Array<{ name: string; span: Identifier["span"] }>): void {
  if (node === null || typeof node !== "object") return;
  if (Array.isArray(node)) {
    for (const item of node) namesIn(item, out);
    return;
  }
  const n = node as { kind?: string; name?: unknown; span?: Identifier["span"] };
  if (n.kind === "Name" && typeof n.name === "string" && n.span) {
    out.push({ name: n.name, span: n.span });
    return;
  }
  for (const [key, value] of Object.entries(node)) if (key !== "span") namesIn(value, out);
}
