/**
 * `ENTITY Contact TENANT BY org { … }` (docs/entities.md, "Tenants"): the one plan rewrite that
 * keeps each tenant to its own rows. The compiler applies it to every plan of an endpoint
 * (compiler ir/tenant.ts); GraphQL's resolvers build their plans at run time and apply it too.
 *
 * Wherever a plan reads or writes rows of a tenant entity — its own rows, a nested selection, a
 * relation followed in a WHERE (EXISTS, `author.name`), a HISTORY, an AS OF, an aggregate — the
 * condition `tenant_id == <the caller's tenant>` is added next to the plan's own. A write stamps
 * the column from the caller's claim (inserts and saves) and ignores a client's value for it; a
 * SAVE may only replace a record of the caller's tenant. The plan also carries `tenant`, which
 * PostgreSQL sets as `kova.tenant` in the statement's transaction for its row-level security.
 */
import type { Filter, NestedSelection, Operand, QueryPlan, EntitySchema, FieldSchema } from "./plan.js";

/** The name of the column `TENANT BY` adds. */
export const TENANT_FIELD_NAME = "tenant_id";

/** The tenant column of an entity, or undefined when the entity is not TENANT BY. */
export function tenantField(entity: EntitySchema | undefined): FieldSchema | undefined {
  return entity?.fields.find((f) => f.tenant !== undefined);
}

/**
 * The field `TENANT BY claim` adds: text, required (every record belongs to a tenant), indexed
 * (every query filters by it); it names the claim of `$auth` that holds the caller's tenant.
 */
export function tenantFieldSchema(claim: string): FieldSchema {
  return { name: TENANT_FIELD_NAME, type: "string", optional: false, unique: false, index: true, tenant: { claim } };
}

/** The claim naming the caller's tenant in an app whose entities are these (one per app), or undefined without TENANT BY. */
export function tenantClaimOf(entities: Iterable<EntitySchema>): string | undefined {
  for (const entity of entities) {
    const claim = tenantField(entity)?.tenant?.claim;
    if (claim !== undefined) return claim;
  }
  return undefined;
}

/**
 * Scopes `plan` to the caller's tenant. `entities` finds an entity's schema by name; `tenant`
 * returns the operand holding the caller's tenant (called at most once, only when the plan touches
 * a tenant entity, so plans of other entities take no extra argument). Returns the plan unchanged
 * (the same object) when it touches no tenant entity.
 */
export function scopeToTenant(plan: QueryPlan, entities: (name: string) => EntitySchema | undefined, tenant: () => Operand): QueryPlan {
  let operand: Operand | undefined;
  const value = (): Operand => (operand ??= tenant());
  const guard = (entity: string, filter: Filter | null | undefined): Filter | null => {
    const scoped = filter == null ? null : scopeFilter(filter);
    const field = tenantField(entities(entity));
    if (field === undefined) return scoped;
    const own: Filter = { kind: "compare", op: "==", left: { kind: "field", field: field.name }, right: value() };
    if (scoped === null) return own;
    return { kind: "and", items: scoped.kind === "and" ? [...scoped.items, own] : [scoped, own] };
  };
  // A relation followed inside a condition is scoped to the related entity's tenant as well.
  const scopeFilter = (filter: Filter): Filter => {
    switch (filter.kind) {
      case "and":
      case "or":
        return { kind: filter.kind, items: filter.items.map(scopeFilter) };
      case "not":
        return { kind: "not", item: scopeFilter(filter.item) };
      case "related":
        return { kind: "related", relation: filter.relation, filter: guard(filter.relation.entity, filter.filter) };
      default:
        return filter;
    }
  };
  const scopeNested = (n: NestedSelection): NestedSelection => ({ ...n, where: guard(n.relation.entity, n.where), nested: n.nested.map(scopeNested) });

  let scoped: QueryPlan;
  switch (plan.kind) {
    case "select":
      scoped = { ...plan, where: guard(plan.entity, plan.where), ...(plan.nested ? { nested: plan.nested.map(scopeNested) } : {}) };
      if (plan.shape?.having) scoped = { ...scoped, shape: { ...plan.shape, having: scopeFilter(plan.shape.having) } } as QueryPlan;
      break;
    case "history":
      scoped = { ...plan, where: guard(plan.entity, plan.where) };
      break;
    case "delete":
      scoped = { ...plan, where: guard(plan.entity, plan.where) };
      break;
    case "update":
      scoped = { ...plan, where: guard(plan.entity, plan.where), values: stamped(plan.values, entities(plan.entity), null) };
      break;
    case "insert":
      scoped = { ...plan, values: stamped(plan.values, entities(plan.entity), value) };
      break;
    case "save": {
      const where = guard(plan.entity, plan.where);
      scoped = { ...plan, values: stamped(plan.values, entities(plan.entity), value), ...(where === null ? {} : { where }) };
      break;
    }
  }
  if (operand === undefined) return plan;
  return { ...scoped, tenant: operand };
}

/** A write's values with the tenant stamp (`stamp` null: an update, which keeps the column as it is). */
function stamped<V extends { tenant?: { value: Operand | null } }>(values: V, entity: EntitySchema | undefined, stamp: (() => Operand) | null): V {
  if (tenantField(entity) === undefined) return values;
  return { ...values, tenant: { value: stamp === null ? null : stamp() } };
}
