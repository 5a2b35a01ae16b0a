/**
 * `ENTITY Customer PUBLIC ID uuid { … }` (docs/entities.md, "Public identifiers"): the trinity
 * pattern's first two parts. The store's integer key stays the primary key (and what references
 * hold); a random UUID, made on insert, UNIQUE and immutable, is the record's public `id`: what
 * every response shows and every `WHERE id = …` means. The integer key never leaves the server.
 *
 * The UUID is an ordinary stored field, `public_id` (native `uuid` on PostgreSQL), so migrations,
 * history and AS OF keep it like any other. Two steps, the same on every driver:
 * - rewritePublicId (the compiler runs it on every plan): `id` in a condition or a shaped column
 *   of such an entity reads `public_id`; a plain SELECT also reads `public_id`; writes carry
 *   `publicId` so the record codec ignores a client's `public_id`; the plan is marked `publicId`;
 * - publicIdDriver (the runtime wraps every driver with it): a marked plan's rows answer
 *   `id: <public_id>` without the integer key, and an argument compared with `public_id` that is
 *   not a UUID (a malformed id) is replaced by the nil UUID, which no record has: it matches
 *   nothing (so a 404 where the handler says so) instead of failing on PostgreSQL's uuid type.
 */
import { withExecute } from "./driver-view.js";
import { identifierDriver } from "./identifier.js";
import { readModelDriver } from "./read-model.js";
import type { DataKeys } from "./secrets/data-keys.js";
import { encryptedDriver } from "./secrets/encrypted-driver.js";
import type { Driver } from "./driver.js";
import type { EntitySchema, FieldSchema, Filter, HistoryEntry, NestedSelection, Operand, OrderTerm, QueryPlan, SelectPlan, SelectShape, WriteValues } from "./plan.js";
import { holdsPublicRefs, PUBLIC_ID_FIELD, publicRefCondition, publicRefsOf, referenceLookup, resolvePublicRefs, writtenPublicRefs } from "./public-references.js";
import { operandValue } from "./values/write-record.js";
import { canonicalPublicId, nilPublicId, publicIdKindOf, type PublicIdKind } from "./public-id-kinds.js";

/** The stored field that holds the public id (reserved on a PUBLIC ID entity). */
export { PUBLIC_ID_FIELD };

export { PUBLIC_ID_KINDS, publicIdKindOf, canonicalPublicId, isUuidKind, newPublicId, nilPublicId, publicIdNoun, type PublicIdKind } from "./public-id-kinds.js";

/**
 * The field PUBLIC ID adds. `uuid`: a v4 UUID from the Web Crypto global, as `DEFAULT uuid()` makes
 * them; `uuid7` (a UUID too) and `ulid` (text, the ulid rich type): time-ordered (public-id-kinds.ts).
 */
export function publicIdField(kind: PublicIdKind = "uuid"): FieldSchema {
  const base = { name: PUBLIC_ID_FIELD, optional: false, unique: true, index: false, publicId: kind } as const;
  if (kind === "uuid") return { ...base, type: "uuid", computed: { uuid: true } };
  if (kind === "uuid7") return { ...base, type: "uuid", computed: { publicId: "uuid7" } };
  return { ...base, type: "string", rich: { name: "ulid" }, computed: { publicId: "ulid" } };
}

/** Whether the entity is `PUBLIC ID` (its schema carries the public_id field). */
export function isPublicIdEntity(entity: EntitySchema | undefined): boolean {
  return entity?.fields.some((f) => f.publicId !== undefined) ?? false;
}


/**
 * The plan as it reads and writes PUBLIC ID entities: its own entity's, those it refers to
 * (public-references.ts), and those it reaches by a nested selection (`SELECT name, customers {
 * name } FROM Country`) or a condition through a relation (`EXISTS customers(id = $c)`). Plans
 * that touch none are returned as they are.
 */
export function rewritePublicId(plan: QueryPlan, entity: (name: string) => EntitySchema | undefined): QueryPlan {
  const scope = entity(plan.entity);
  const own = isPublicIdEntity(scope);
  const refs = publicRefsOf(scope);
  const nested = plan.kind === "select" ? plan.nested : undefined;
  const touches = (name: string) => isPublicIdEntity(entity(name)) || publicRefsOf(entity(name)).length > 0;
  if (!own && refs.length === 0 && !reachesPublic(plan.kind === "insert" || plan.kind === "save" ? null : plan.where ?? null, nested, touches)) return plan;
  const where = (filter: Filter | null | undefined) => publicFilter(filter ?? null, scope, entity);
  const referring = refs.length > 0 ? { publicRefs: refs } : {};
  switch (plan.kind) {
    case "select": {
      // A shaped result names its columns itself: a column reading `id` reads the public one, and
      // a column reading a reference is answered as the referenced record's public id.
      if (plan.shape !== undefined) {
        const columns = own ? plan.shape.columns.map((c) => ({ ...c, value: publicOperand(c.value) })) : plan.shape.columns;
        const keys = plan.shape.columns.flatMap((c) => {
          const ref = c.value.kind === "field" ? refs.find((r) => r.key === (c.value as { field: string }).field) : undefined;
          return ref === undefined ? [] : [{ key: c.name, entity: ref.entity }];
        });
        const paged = own && plan.shape.after !== undefined ? publicKeyset(plan) : { orderBy: plan.orderBy, shape: plan.shape };
        return { ...plan, where: where(plan.where), orderBy: paged.orderBy, shape: { ...paged.shape, columns }, ...(keys.length > 0 ? { publicRefs: keys } : {}) };
      }
      const fields = !own || plan.fields === null || plan.fields.includes(PUBLIC_ID_FIELD) ? plan.fields : [...plan.fields, PUBLIC_ID_FIELD];
      const related = nested?.map((n) => publicNested(n, entity));
      const marks = { ...(own ? { publicId: true as const } : {}), ...(related?.some(marksPublic) ? { publicNested: true as const } : {}) };
      return { ...plan, where: where(plan.where), fields, ...(related === undefined ? {} : { nested: related }), ...marks, ...referring };
    }
    case "insert":
    case "save":
      return own ? { ...plan, values: writing(plan.values), publicId: true, ...referring } : { ...plan, ...referring };
    case "update":
      return own ? { ...plan, values: writing(plan.values), where: where(plan.where), publicId: true, ...referring } : { ...plan, where: where(plan.where), ...referring };
    case "delete":
    case "history":
      return own ? { ...plan, where: where(plan.where), publicId: true, ...referring } : { ...plan, where: where(plan.where), ...referring };
  }
}

/**
 * An AFTER page of a PUBLIC ID entity is keyed by the public id wherever it would be keyed by the
 * integer key, so its `next` cursor never carries that key: ties are broken by public_id (UNIQUE,
 * so pages stay exact and stable, whatever is inserted or deleted meanwhile), and `ORDER_BY id` —
 * allowed with AFTER only for the time-ordered kinds (the checker refuses it on `uuid`, KV2932) —
 * sorts by the public id, which follows the order the records were made in.
 */
function publicKeyset(plan: SelectPlan): { orderBy: OrderTerm[]; shape: SelectShape } {
  const shape = plan.shape!;
  const after = shape.after!;
  const byPublicId = (t: OrderTerm): OrderTerm => (t.field === "id" && (t.via?.length ?? 0) === 0 && t.path === undefined ? { ...t, field: PUBLIC_ID_FIELD } : t);
  const orderBy = plan.orderBy.map(byPublicId);
  if (!orderBy.some((t) => t.field === PUBLIC_ID_FIELD && (t.via?.length ?? 0) === 0)) orderBy.push({ field: PUBLIC_ID_FIELD, direction: "ASC" });
  return { orderBy, shape: { ...shape, after: { ...after, keys: after.keys.map(byPublicId) } } };
}

/** Whether a condition or a nested selection reaches an entity that is PUBLIC ID or refers to one. */
function reachesPublic(filter: Filter | null, nested: readonly NestedSelection[] | undefined, touches: (name: string) => boolean): boolean {
  const inFilter = (f: Filter | null): boolean => {
    if (f === null) return false;
    if (f.kind === "and" || f.kind === "or") return f.items.some(inFilter);
    if (f.kind === "not") return inFilter(f.item);
    if (f.kind === "related") return touches(f.relation.entity) || inFilter(f.filter);
    return false;
  };
  const inNested = (n: NestedSelection): boolean => touches(n.relation.entity) || inFilter(n.where) || n.nested.some(inNested);
  return inFilter(filter) || (nested?.some(inNested) ?? false);
}

/**
 * A nested selection of a PUBLIC ID entity's rows also reads public_id, and is marked for the
 * view; one whose rows refer to PUBLIC ID entities is marked with those references.
 */
function publicNested(n: NestedSelection, entity: (name: string) => EntitySchema | undefined): NestedSelection {
  const scope = entity(n.relation.entity);
  const nested = n.nested.map((x) => publicNested(x, entity));
  const where = publicFilter(n.where, scope, entity);
  if (n.shape === "count") return { ...n, nested, where };
  const refs = publicRefsOf(scope);
  const referring = refs.length > 0 ? { publicRefs: refs } : {};
  if (!isPublicIdEntity(scope)) return { ...n, nested, where, ...referring };
  const fields = n.fields === null || n.fields.includes(PUBLIC_ID_FIELD) ? n.fields : [...n.fields, PUBLIC_ID_FIELD];
  return { ...n, fields, nested, where, publicId: true, ...referring };
}

/** Whether a (rewritten) nested selection, or one inside it, answers PUBLIC ID entities' rows or references. */
function marksPublic(n: NestedSelection): boolean {
  return n.publicId === true || (n.publicRefs?.length ?? 0) > 0 || n.nested.some(marksPublic);
}

/** A write of the program or a client: public_id is made on insert and never changed. */
function writing(values: WriteValues): WriteValues {
  return { ...values, publicId: true };
}

function publicOperand(operand: Operand): Operand {
  if (operand.kind === "field" && operand.field === "id") return { kind: "field", field: PUBLIC_ID_FIELD };
  if (operand.kind === "arith") return { ...operand, left: publicOperand(operand.left), right: publicOperand(operand.right) };
  return operand;
}

/**
 * A condition on the rows of `scope`: `id` is the public id of a PUBLIC ID entity, a reference to
 * one is compared by the referenced record's public id (public-references.ts), and a condition
 * through a relation is on the related entity's rows, public or not.
 */
function publicFilter(filter: Filter | null, scope: EntitySchema | undefined, entity: (name: string) => EntitySchema | undefined): Filter | null {
  if (filter === null) return null;
  const here = isPublicIdEntity(scope);
  switch (filter.kind) {
    case "and":
    case "or":
      return { kind: filter.kind, items: filter.items.map((f) => publicFilter(f, scope, entity)!) };
    case "not":
      return { kind: "not", item: publicFilter(filter.item, scope, entity)! };
    case "compare":
    case "in": {
      const referenced = publicRefCondition(filter, scope);
      if (referenced !== undefined) return referenced;
      return here ? { ...filter, left: publicOperand(filter.left), right: publicOperand(filter.right) } : filter;
    }
    case "like":
      return here ? { ...filter, left: publicOperand(filter.left), right: publicOperand(filter.right) } : filter;
    case "isNull":
    case "truthy":
      return here ? { ...filter, operand: publicOperand(filter.operand) } : filter;
    case "related":
      return { ...filter, filter: publicFilter(filter.filter, entity(filter.relation.entity), entity) };
    default:
      return filter;
  }
}

/** The argument positions a plan compares with public_id, each with the kind of id that entity has. */
function publicIdArgs(plan: QueryPlan, entity: (name: string) => EntitySchema | undefined): Array<{ index: number; kind: PublicIdKind }> {
  const found: Array<{ index: number; kind: PublicIdKind }> = [];
  const visit = (filter: Filter | null, scope: string): void => {
    if (filter === null) return;
    if (filter.kind === "and" || filter.kind === "or") filter.items.forEach((f) => visit(f, scope));
    else if (filter.kind === "not") visit(filter.item, scope);
    else if (filter.kind === "related") visit(filter.filter, filter.relation.entity);
    else if (filter.kind === "compare" || filter.kind === "in") {
      const kind = publicIdKindOf(entity(scope)) ?? "uuid";
      const pub = (o: Operand) => o.kind === "field" && o.field === PUBLIC_ID_FIELD;
      if (pub(filter.left) && filter.right.kind === "arg") found.push({ index: filter.right.index, kind });
      if (pub(filter.right) && filter.left.kind === "arg") found.push({ index: filter.left.index, kind });
    }
  };
  const visitNested = (n: NestedSelection): void => {
    visit(n.where, n.relation.entity);
    n.nested.forEach(visitNested);
  };
  if ("where" in plan) visit(plan.where ?? null, plan.entity);
  if (plan.kind === "select") plan.nested?.forEach(visitNested);
  return found;
}

/** A value compared with a public id: its canonical form when one of the kind (or a list of them), else an id no record has. */
function wellFormed(value: unknown, kind: PublicIdKind): unknown {
  if (Array.isArray(value)) return value.map((v) => wellFormed(v, kind));
  return canonicalPublicId(kind, value) ?? nilPublicId(kind);
}

/** The arguments of a marked plan, with malformed public ids replaced (see the module comment). */
export function publicIdArguments(plan: QueryPlan, args: readonly unknown[], entities: readonly EntitySchema[] = []): readonly unknown[] {
  const positions = publicIdArgs(plan, (name) => entities.find((e) => e.name === name));
  if (positions.length === 0) return args;
  const out = [...args];
  for (const { index, kind } of positions) if (index < out.length && out[index] !== null) out[index] = wellFormed(out[index], kind);
  return out;
}

/** A stored row as the public sees it: `id` is the public id, the integer key is gone. */
export function publicRecord(row: unknown): unknown {
  if (row === null || typeof row !== "object" || Array.isArray(row)) return row;
  const record = row as Record<string, unknown>;
  if (!(PUBLIC_ID_FIELD in record)) return row;
  const { id: _internal, [PUBLIC_ID_FIELD]: publicId, ...rest } = record;
  return { id: publicId, ...rest };
}

/** A marked plan's result as the public sees it: its rows (or history entries' data) with public ids. */
export function publicResult(plan: QueryPlan, result: unknown): unknown {
  if (plan.kind === "history") {
    return Array.isArray(result) ? result.map((e: HistoryEntry) => ({ ...e, data: publicRecord(e.data) as Record<string, unknown> })) : result;
  }
  const own = plan.publicId === true;
  const nested = plan.kind === "select" && plan.publicNested === true ? plan.nested : undefined;
  const row = (r: unknown) => {
    const inner = nested === undefined ? r : publicNestedRows(r, nested);
    return own ? publicRecord(inner) : inner;
  };
  return Array.isArray(result) ? result.map(row) : row(result);
}

/** A row whose nested selections of PUBLIC ID entities (marked by the rewrite) answer public ids, at every depth. */
function publicNestedRows(row: unknown, nested: readonly NestedSelection[]): unknown {
  if (row === null || typeof row !== "object" || Array.isArray(row)) return row;
  const out = { ...(row as Record<string, unknown>) };
  for (const n of nested) {
    if (!marksPublic(n) || !(n.name in out)) continue;
    const one = (r: unknown) => {
      const inner = publicNestedRows(r, n.nested);
      return n.publicId === true ? publicRecord(inner) : inner;
    };
    const value = out[n.name];
    out[n.name] = Array.isArray(value) ? value.map(one) : one(value);
  }
  return out;
}

/**
 * The driver as the app uses it: statements of marked plans get well-formed public ids and answer
 * public records; references to PUBLIC ID entities are written and answered as public ids, looked
 * up among `entities` (the data source's; public-references.ts); everything else is the driver's
 * own (driver-view.ts).
 */
export function publicIdDriver(driver: Driver, entities: readonly EntitySchema[] = []): Driver {
  return withExecute(driver, (inner) => {
    const lookup = referenceLookup(driver.dialect, entities, inner);
    return async (query, args) => {
      const plan = query.plan;
      const referring = holdsPublicRefs(plan);
      if (plan.publicId !== true && (plan.kind !== "select" || plan.publicNested !== true) && !referring) return inner(query, args);
      const tenant = plan.tenant === undefined ? null : operandValue(plan.tenant, args);
      const written = referring ? await writtenPublicRefs(plan, args, lookup, tenant, entities) : args;
      const result = await inner(query, publicIdArguments(plan, written, entities));
      return publicResult(plan, referring ? await resolvePublicRefs(plan, result, lookup, tenant) : result);
    };
  });
}

/**
 * A data source's driver as an app sees it, on Node and in the playground alike: PUBLIC ID
 * entities' records, and references to them, by their public id; an insert whose identifier
 * another record holds takes the next suffix (identifier.ts); a write of a READ MODEL's source
 * recomputes the groups it touched, in its transaction (read-model.ts); ENCRYPTED fields encrypted
 * with the data source's `keys` on the way in and decrypted on the way out
 * (secrets/encrypted-driver.ts), innermost, so it sees integer keys and the values as stored.
 */
export function appDriverView(driver: Driver, entities: readonly EntitySchema[], keys?: DataKeys): Driver {
  return publicIdDriver(identifierDriver(readModelDriver(encryptedDriver(driver, entities, keys), entities), entities), entities);
}
