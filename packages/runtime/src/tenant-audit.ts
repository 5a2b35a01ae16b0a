/**
 * TENANT BY (docs/entities.md, "Tenants"): a record asked for by id that the caller's tenant does
 * not hold answers 404, exactly as an absent one — and leaves a warn line in the app's log naming
 * the entity, the id and the caller's tenant, so probing for other tenants' ids shows up. Kova does
 * not look across tenants to tell the two apart (that lookup would itself cross the boundary, and
 * row-level security refuses it on PostgreSQL), so the line is written for both.
 */
import { operandValue, tenantField, withExecute, type Driver, type EntitySchema, type Filter, type Operand, type QueryPlan } from "@kova/query";
import type { Logger } from "pino";

/** The driver, logging by-id misses of tenant plans; the same driver when no entity is TENANT BY. */
export function tenantAuditedDriver(driver: Driver, entities: readonly EntitySchema[], log: Logger): Driver {
  if (!entities.some((e) => tenantField(e) !== undefined)) return driver;
  return withExecute(driver, (inner) => async (query, args) => {
    const result = await inner(query, args);
    const plan = query.plan as QueryPlan;
    if (result === null && plan.tenant !== undefined && "single" in plan && plan.single) {
      const id = idOf("where" in plan ? plan.where : null);
      if (id !== undefined) {
        log.warn({ entity: plan.entity, id: operandValue(id, args), tenant: operandValue(plan.tenant, args), op: plan.kind }, "tenant scope: no record with this id for the caller's tenant (absent, or another tenant's)");
      }
    }
    return result;
  });
}

/** The value a WHERE pins the id to (`id = $id`, alone or in a top-level AND). */
function idOf(where: Filter | null | undefined): Operand | undefined {
  if (where == null) return undefined;
  for (const term of where.kind === "and" ? where.items : [where]) {
    if (term.kind !== "compare" || term.op !== "==") continue;
    if (term.left.kind === "field" && term.left.field === "id") return term.right;
    if (term.right.kind === "field" && term.right.field === "id") return term.left;
  }
  return undefined;
}
