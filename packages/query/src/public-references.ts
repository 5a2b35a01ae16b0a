/**
 * References to PUBLIC ID entities (docs/entities.md, "Public identifiers"): `customer: Customer`
 * where Customer is `PUBLIC ID uuid`. The column holds the integer key, as every reference does
 * (a foreign key, ON DELETE, relations and joins unchanged), but every request and response uses
 * the referenced record's public id, so the integer key never leaves the server:
 * - conditions (compile time, through public-id.ts's rewrite): `customer == $c` becomes "the
 *   referenced Customer's public_id is $c", a condition through the relation;
 * - rows (run time): each key a plan marks (`publicRefs`: its own rows' reference fields or
 *   shaped columns reading one, and its nested selections' rows') is answered as the referenced
 *   record's public id, read with one statement per referenced entity;
 * - writes (run time): a public id given for such a field is replaced by the record's integer key
 *   before the write; an unknown one is a 409 naming the field, one that is no UUID a 400.
 */
import { QueryError, type CompiledQuery, type Dialect } from "./driver.js";
import type { EntitySchema, Filter, NestedSelection, Operand, PublicRef, QueryPlan, SelectPlan } from "./plan.js";
import { tenantField } from "./tenant-scope.js";
import { canonicalPublicId, publicIdKindOf, publicIdNoun } from "./public-id-kinds.js";

/** The stored field that holds a PUBLIC ID entity's public id (public-id.ts). */
export const PUBLIC_ID_FIELD = "public_id";


/** The references of `entity` to PUBLIC ID entities, by the keys its rows hold them under. */
export function publicRefsOf(entity: EntitySchema | undefined): PublicRef[] {
  return (entity?.fields ?? []).filter((f) => f.publicReference === true && f.references !== undefined).map((f) => ({ key: f.name, entity: f.references! }));
}

/**
 * `customer == $c`, `customer != $c` or `customer IN $list` on a reference of `scope` to a PUBLIC
 * ID entity: the same condition on the referenced record's public id; undefined for any other.
 */
export function publicRefCondition(filter: Filter, scope: EntitySchema | undefined): Filter | undefined {
  if (filter.kind !== "compare" && filter.kind !== "in") return undefined;
  if (filter.kind === "compare" && filter.op !== "==" && filter.op !== "!=") return undefined;
  const refs = publicRefsOf(scope);
  if (refs.length === 0) return undefined;
  const sides: Array<[Operand, Operand]> = filter.kind === "in" ? [[filter.left, filter.right]] : [[filter.left, filter.right], [filter.right, filter.left]];
  for (const [side, value] of sides) {
    if (side.kind !== "field" || !(value.kind === "arg" || (value.kind === "literal" && value.value !== null))) continue;
    const ref = refs.find((r) => r.key === side.field);
    if (ref === undefined) continue;
    const own: Operand = { kind: "field", field: PUBLIC_ID_FIELD };
    const inner: Filter = filter.kind === "in" ? { kind: "in", left: own, right: value } : { kind: "compare", op: "==", left: own, right: value };
    const related: Filter = { kind: "related", relation: { kind: "one", name: ref.key, entity: ref.entity, field: ref.key }, filter: inner };
    return filter.kind === "compare" && filter.op === "!=" ? { kind: "not", item: related } : related;
  }
  return undefined;
}

/** Reads `public_id` (and `id`) of an entity's records whose `column` is one of `values`, in the caller's tenant. */
export type ReferenceLookup = (entity: string, column: "id" | typeof PUBLIC_ID_FIELD, values: unknown[], tenant: unknown) => Promise<Array<Record<string, unknown>>>;

type Execute = (query: CompiledQuery, args: readonly unknown[]) => Promise<unknown>;

/** The lookups of one data source (its dialect and entities), each statement compiled on first need. */
export function referenceLookup(dialect: Dialect, entities: readonly EntitySchema[], execute: Execute): ReferenceLookup {
  const byName = new Map(entities.map((e) => [e.name, e]));
  const compiled = new Map<string, CompiledQuery>();
  return async (entity, column, values, tenant) => {
    const schema = byName.get(entity);
    if (schema === undefined || values.length === 0) return [];
    const key = `${entity}.${column}`;
    let query = compiled.get(key);
    if (query === undefined) compiled.set(key, (query = dialect.compile(lookupPlan(schema, column), byName)));
    return (await execute(query, [values, tenant])) as Array<Record<string, unknown>>;
  };
}

/**
 * `SELECT public_id FROM <entity> WHERE <column> IN $0` (the id comes with every row), within the
 * tenant `$1` on a TENANT BY entity. Soft-deleted records count: a reference to one still names it.
 */
function lookupPlan(entity: EntitySchema, column: string): SelectPlan {
  const match: Filter = { kind: "in", left: { kind: "field", field: column }, right: { kind: "arg", index: 0 } };
  const tenant = tenantField(entity);
  const scoped: Filter = tenant === undefined ? match : { kind: "and", items: [match, { kind: "compare", op: "==", left: { kind: "field", field: tenant.name }, right: { kind: "arg", index: 1 } }] };
  return {
    kind: "select", entity: entity.name, fields: [PUBLIC_ID_FIELD], where: scoped, orderBy: [], limit: null, offset: null, asOf: null, single: false,
    ...(tenant === undefined ? {} : { tenant: { kind: "arg", index: 1 } as const }),
  };
}

type Row = Record<string, unknown>;
const isRow = (value: unknown): value is Row => value !== null && typeof value === "object" && !Array.isArray(value);

/** The rows a result holds: a list, one row, a page's or a cursor's items, history entries' data. */
function rowsOf(plan: QueryPlan, result: unknown): Row[] {
  if (plan.kind === "history") return Array.isArray(result) ? result.map((e: { data: unknown }) => e.data).filter(isRow) : [];
  if (Array.isArray(result)) return result.filter(isRow);
  if (!isRow(result)) return [];
  const paged = plan.kind === "select" && (plan.shape?.result === "page" || plan.shape?.result === "cursor");
  return paged ? (Array.isArray(result.items) ? result.items.filter(isRow) : []) : [result];
}

/** Whether the plan's rows (or its nested selections') hold references to PUBLIC ID entities. */
export function holdsPublicRefs(plan: QueryPlan): boolean {
  const inNested = (n: NestedSelection): boolean => (n.publicRefs?.length ?? 0) > 0 || n.nested.some(inNested);
  return (plan.publicRefs?.length ?? 0) > 0 || (plan.kind === "select" && (plan.nested?.some(inNested) ?? false));
}

/** The result with every marked reference answered as the referenced record's public id (null when it has none). */
export async function resolvePublicRefs(plan: QueryPlan, result: unknown, lookup: ReferenceLookup, tenant: unknown): Promise<unknown> {
  const sites: Array<{ row: Row; key: string; entity: string }> = [];
  const wanted = new Map<string, Map<string, unknown>>();
  const visit = (row: Row, refs: readonly PublicRef[] | undefined, nested: readonly NestedSelection[] | undefined): void => {
    for (const ref of refs ?? []) {
      const value = row[ref.key];
      // A nested selection of the reference itself (`customer { name }`) is an object: public-id.ts answers it.
      if (value === null || value === undefined || typeof value === "object") continue;
      sites.push({ row, key: ref.key, entity: ref.entity });
      if (!wanted.has(ref.entity)) wanted.set(ref.entity, new Map());
      wanted.get(ref.entity)!.set(String(value), value);
    }
    for (const n of nested ?? []) {
      const value = row[n.name];
      for (const r of Array.isArray(value) ? value : [value]) if (isRow(r)) visit(r, n.publicRefs, n.nested);
    }
  };
  for (const row of rowsOf(plan, result)) visit(row, plan.publicRefs, plan.kind === "select" ? plan.nested : undefined);
  if (sites.length === 0) return result;
  const found = new Map<string, Map<string, unknown>>();
  for (const [entity, ids] of wanted) {
    const rows = await lookup(entity, "id", [...ids.values()], tenant);
    found.set(entity, new Map(rows.map((r) => [String(r.id), r[PUBLIC_ID_FIELD]])));
  }
  for (const site of sites) site.row[site.key] = found.get(site.entity)?.get(String(site.row[site.key])) ?? null;
  return result;
}

/**
 * The arguments of a write with each public id given for a marked reference replaced by the
 * record's integer key (see the module comment). Values the write does not take from an argument
 * (a constant in the source) are left as they are.
 */
export async function writtenPublicRefs(plan: QueryPlan, args: readonly unknown[], lookup: ReferenceLookup, tenant: unknown, entities: readonly EntitySchema[] = []): Promise<readonly unknown[]> {
  if ((plan.kind !== "insert" && plan.kind !== "save" && plan.kind !== "update") || (plan.publicRefs?.length ?? 0) === 0) return args;
  const refs = plan.publicRefs!;
  const out = [...args];
  const given: Array<{ ref: PublicRef; value: unknown; put: (id: unknown) => void }> = [];
  const values = plan.values;
  if (values.kind === "object" && values.operand.kind === "arg" && isRow(out[values.operand.index])) {
    const copy = { ...(out[values.operand.index] as Row) };
    out[values.operand.index] = copy;
    for (const ref of refs) if (copy[ref.key] !== undefined && copy[ref.key] !== null) given.push({ ref, value: copy[ref.key], put: (id) => (copy[ref.key] = id) });
  } else if (values.kind === "fields") {
    for (const { field, value } of values.fields) {
      const ref = refs.find((r) => r.key === field);
      if (ref === undefined || value.kind !== "arg" || out[value.index] === null || out[value.index] === undefined) continue;
      const index = value.index;
      given.push({ ref, value: out[index], put: (id) => (out[index] = id) });
    }
  }
  if (given.length === 0) return args;
  // Each given id in its kind's canonical form (a UUID in lower case, a ULID in upper case).
  const canonical = new Map<(typeof given)[number], string>();
  for (const g of given) {
    const kind = publicIdKindOf(entities.find((e) => e.name === g.ref.entity)) ?? "uuid";
    const id = canonicalPublicId(kind, g.value);
    if (id === undefined) {
      throw new QueryError(`field "${g.ref.key}" must be the id of a ${g.ref.entity} (${publicIdNoun(kind)}), got ${JSON.stringify(g.value) ?? String(g.value)}`, 400, g.ref.key);
    }
    canonical.set(g, id);
  }
  const keys = new Map<string, Map<string, unknown>>();
  for (const entity of new Set(given.map((g) => g.ref.entity))) {
    const ids = [...new Set(given.filter((g) => g.ref.entity === entity).map((g) => canonical.get(g)!))];
    const rows = await lookup(entity, PUBLIC_ID_FIELD, ids, tenant);
    const kind = publicIdKindOf(entities.find((e) => e.name === entity)) ?? "uuid";
    keys.set(entity, new Map(rows.map((r) => [canonicalPublicId(kind, r[PUBLIC_ID_FIELD]) ?? String(r[PUBLIC_ID_FIELD]), r.id])));
  }
  for (const g of given) {
    const id = keys.get(g.ref.entity)?.get(canonical.get(g)!);
    if (id === undefined) throw new QueryError(`no ${g.ref.entity} has the id given for ${g.ref.key}, so this ${plan.entity} cannot refer to it`, 409, g.ref.key, [g.ref.key]);
    g.put(id);
  }
  return out;
}
