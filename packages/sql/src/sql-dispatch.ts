/**
 * The one query-compiler dispatch: find the plan's entity, then hand reads, history reads and
 * writes to the flavour's own statement writers.
 */
import { entityOf, historyEntity, type CompiledQuery, type EntitySchema, type HistoryPlan, type QueryPlan, type SelectPlan } from "@kova/query";

export type WritePlan = Exclude<QueryPlan, SelectPlan | HistoryPlan>;

export interface StatementWriters<Q extends CompiledQuery> {
  /** `entities`: every entity, for selects that read related rows. */
  select(plan: SelectPlan, entity: EntitySchema, entities: ReadonlyMap<string, EntitySchema>): Q;
  history(plan: HistoryPlan, entity: EntitySchema): Q;
  write(plan: WritePlan, entity: EntitySchema): Q;
}

export function planCompiler<Q extends CompiledQuery>(writers: StatementWriters<Q>) {
  return function compile(plan: QueryPlan, entities: ReadonlyMap<string, EntitySchema>): Q {
    const entity = entityOf(plan, entities);
    switch (plan.kind) {
      // Reads of the past see the entity as its history keeps it: no SECRET fields (history-control.ts).
      case "select":
        return writers.select(plan, plan.asOf === null ? entity : historyEntity(entity), entities);
      case "history":
        return writers.history(plan, historyEntity(entity));
      default:
        return writers.write(plan, entity);
    }
  };
}
