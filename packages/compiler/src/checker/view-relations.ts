/**
 * Nested items of a VIEW (`author { username, bio }`): each stands for the nested selection a
 * SELECT would write (`SELECT …, author { username, bio } FROM …`). They are derived once per view
 * (checkView) and read with the query's own ones through `selectRelations`, so the checker, the
 * history rules and the planner treat `SELECT ArticleOut FROM Article` exactly as the written-out
 * SELECT: one statement, no special case in the emitter.
 */
import type { RelationSelect, SelectQuery, ViewItem } from "../ast/nodes.js";
import type { SemanticModel } from "./model.js";

/** The RelationSelects a view's nested items stand for (leaf items → fields, nested items → relations). */
export function viewRelationSelects(items: readonly ViewItem[]): RelationSelect[] {
  return items.flatMap((item): RelationSelect[] =>
    item.items === null
      ? []
      : [
          {
            kind: "RelationSelect",
            span: item.span,
            relation: item.name,
            count: false,
            alias: null,
            fields: item.items.filter((i) => i.items === null).map((i) => i.name),
            relations: viewRelationSelects(item.items),
            where: null,
            orderBy: null,
            limit: null,
          },
        ],
  );
}

/** The nested selections a SELECT reads: those of the VIEW it selects (if any), then its own. */
export function selectRelations(model: SemanticModel, query: SelectQuery): readonly RelationSelect[] {
  const view = model.selectViews.get(query);
  const fromView = view === undefined ? [] : (model.views.get(view)?.relations ?? []);
  return fromView.length === 0 ? query.relations : [...fromView, ...query.relations];
}
