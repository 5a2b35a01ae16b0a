/**
 * The plan rewrite `SOFT DELETE` needs (checker/soft-delete.ts), applied to every plan the
 * compiler makes: DELETE stamps deleted_at/deleted_by, RESTORE clears them, and every read of a
 * soft-deleted entity, or through a relation to one, keeps to live records unless the SELECT says
 * `WITH DELETED` / `ONLY DELETED`. The rewrite itself is @kova/query's rewriteSoftDelete, which
 * the GraphQL resolvers run on the plans they build too.
 */
import { rewriteSoftDelete, type DeletedRows, type Operand, type QueryPlan } from "@kova/query";
import type { Query } from "../ast/nodes.js";
import type { SemanticModel } from "../checker/model.js";

/** The plan as it reads and writes SOFT DELETE entities; `caller` is the delete's `$auth.sub` operand. */
export function softDeletePlan(plan: QueryPlan, query: Query, model: SemanticModel, caller: () => Operand): QueryPlan {
  const deleted: DeletedRows = query.kind === "SelectQuery" && query.deleted !== null ? query.deleted : "hide";
  return rewriteSoftDelete(plan, { entity: (name) => model.entities.get(name)?.schema, caller }, deleted);
}
