/**
 * `ENTITY Contact TENANT BY org { … }`: every planned query is scoped to the caller's tenant by
 * the one plan rewrite (@kova/query tenant-scope.ts), with `$auth.org` as its argument. The
 * checker (checker/tenant.ts) has made sure such a query only runs where a signed-in caller
 * carrying the claim is certain, so the argument is always the caller's tenant.
 */
import { scopeToTenant, type Operand, type QueryPlan } from "@kova/query";
import type { Span } from "../ast/nodes.js";
import type { SemanticModel } from "../checker/model.js";
import type { PlanArg } from "./plans.js";

/** The plan scoped to the caller's tenant (the same plan when it touches no TENANT BY entity). */
export function scopePlanToTenant(plan: QueryPlan, model: SemanticModel, args: PlanArg[], span: Span): QueryPlan {
  const claim = tenantClaim(model);
  if (claim === null) return plan;
  return scopeToTenant(
    plan,
    (name) => model.entities.get(name)?.schema,
    (): Operand => {
      const expression = { kind: "Member", span, object: { kind: "Param", span, name: "auth" }, property: { kind: "Identifier", span, name: claim }, optional: false } as const;
      args.push({ expression, coerce: null, label: `the caller's ${claim} claim`, list: false });
      return { kind: "arg", index: args.length - 1 };
    },
  );
}

/** The claim the app's tenants are named by (one per app: KV2865), or null without TENANT BY. */
function tenantClaim(model: SemanticModel): string | null {
  for (const entity of model.entities.values()) if (entity.decl.tenant !== null) return entity.decl.tenant.name;
  return null;
}
