import type { Condition, Expression, HistoryQuery, Identifier, OrderBy, OrderChoice, Query, RelationSelect, SelectQuery } from "../ast/nodes.js";
import { group, indent, join, line, type Doc } from "./doc.js";
import { printExpression } from "./expressions.js";
import type { Printer } from "./printer.js";

const QUERY_KINDS: ReadonlySet<string> = new Set([
  "SelectQuery", "InsertQuery", "UpdateQuery", "DeleteQuery", "SaveQuery", "HistoryQuery", "RestoreQuery",
]);

export function isQuery(e: Expression): e is Query {
  return QUERY_KINDS.has(e.kind);
}

/** A WHERE or IF test: comparisons inside print as `=`. */
export function printCondition(p: Printer, condition: Condition): Doc {
  const outer = p.inCondition;
  p.inCondition = true;
  try {
    return printExpression(p, condition.expression, 0, false);
  } finally {
    p.inCondition = outer;
  }
}

/**
 * A query on one line when it fits in the width, else its head on the first line and one clause
 * per line under it, always in the order AS OF, WHERE, GROUP_BY, HAVING, ORDER_BY, LIMIT, OFFSET,
 * WITH TOTAL, WITH DELETED.
 */
export function printQuery(p: Printer, q: Query): Doc {
  // A query nested in a condition has its own clauses; `=` belongs to its WHERE only.
  const outer = p.inCondition;
  p.inCondition = false;
  try {
    return printQueryBody(p, q);
  } finally {
    p.inCondition = outer;
  }
}

function printQueryBody(p: Printer, q: Query): Doc {
  switch (q.kind) {
    case "SelectQuery": {
      // A long column list breaks after its commas, the columns indented under SELECT.
      const fields: Doc = q.columns
        ? group(indent(join([",", line], [
          ...q.columns.map((c): Doc => [printExpression(p, c.value, 0, false), c.alias === null ? "" : ` AS ${c.alias.name}`]),
          ...q.relations.map((r) => relationSelect(p, r)),
        ])))
        : selectList(p, q.fields, q.relations);
      const asOf: Doc[] = q.asOf === null ? [] : [["AS OF ", printExpression(p, q.asOf, 0, false)]];
      return clauses([q.distinct ? "SELECT DISTINCT " : "SELECT ", fields, ` FROM ${q.entity.name}`], [...asOf, ...filterClauses(p, q)]);
    }
    case "HistoryQuery":
      return clauses(`HISTORY ${q.entity.name}`, filterClauses(p, q));
    case "InsertQuery":
      return [`INSERT INTO ${q.entity.name} `, printExpression(p, q.value, 0, false)];
    case "SaveQuery":
      return ["SAVE ", printExpression(p, q.value, 0, false), ` INTO ${q.entity.name}`];
    case "RestoreQuery":
      return clauses(`RESTORE ${q.entity.name}`, q.where === null ? [] : [["WHERE ", printCondition(p, q.where)]]);
    case "DeleteQuery":
      return clauses(`DELETE FROM ${q.entity.name}`, q.where === null ? [] : [["WHERE ", printCondition(p, q.where)]]);
    case "UpdateQuery": {
      const set: Doc = Array.isArray(q.set)
        ? join(", ", q.set.map((a) => [a.field.name, " = ", printExpression(p, a.value, 0, false)]))
        : printExpression(p, q.set, 0, false);
      return clauses(["UPDATE ", q.entity.name, " SET ", set], q.where === null ? [] : [["WHERE ", printCondition(p, q.where)]]);
    }
  }
}

function clauses(head: Doc, rest: Doc[]): Doc {
  if (rest.length === 0) return head;
  return group([head, indent(rest.map((clause) => [line, clause]))], false, true);
}

function filterClauses(p: Printer, q: SelectQuery | HistoryQuery): Doc[] {
  const out: Doc[] = [];
  if (q.where !== null) out.push(["WHERE ", printCondition(p, q.where)]);
  if (q.kind === "SelectQuery" && q.groupBy) out.push(`GROUP_BY ${q.groupBy.fields.map((f) => f.name).join(", ")}`);
  if (q.kind === "SelectQuery" && q.having) out.push(["HAVING ", printCondition(p, q.having)]);
  if (q.orderBy !== null) out.push(["ORDER_BY ", printOrderBy(p, q.orderBy)]);
  if (q.limit !== null) out.push(["LIMIT ", printExpression(p, q.limit.count, 0, false)]);
  if (q.offset !== null) out.push(["OFFSET ", printExpression(p, q.offset.count, 0, false)]);
  if (q.kind === "SelectQuery" && q.after !== null) out.push(["AFTER ", printExpression(p, q.after, 0, false)]);
  if (q.kind === "SelectQuery" && q.withTotal) out.push("WITH TOTAL");
  if (q.kind === "SelectQuery" && q.deleted !== null) out.push(q.deleted === "with" ? "WITH DELETED" : "ONLY DELETED");
  return out;
}

/** ASC is the default: the AST does not say whether it was written, so the source text decides. */
function printOrderBy(p: Printer, orderBy: OrderBy): string {
  const direction = (item: OrderBy["items"][number]) =>
    item.direction === "DESC" ? " DESC" : p.source(item.span).endsWith("ASC") ? " ASC" : "";
  return orderBy.items.map((item) => (item.choice === null ? [...item.via.map((v) => `${v.name}.`), item.field.name].join("") : choiceText(p, item.choice)) + direction(item)).join(", ");
}

/** `$query.sort IN [title, year]`: printed flat (a field list is short). */
function choiceText(p: Printer, choice: OrderChoice): string {
  return `${p.source(choice.value.span)} IN [${choice.fields.map((f) => f.name).join(", ")}]`;
}

/** `title, author { name }, comments { body } ORDER_BY id LIMIT 3, COUNT(likes) AS n`: fields first, then related selections. */
function selectList(p: Printer, fields: Identifier[] | null, relations: readonly RelationSelect[]): Doc {
  const items: Doc[] = fields === null ? ["*"] : fields.map((f) => f.name);
  for (const r of relations) items.push(relationSelect(p, r));
  return join(", ", items);
}

function relationSelect(p: Printer, r: RelationSelect): Doc {
  const alias = r.alias === null ? "" : ` AS ${r.alias.name}`;
  if (r.count) return `COUNT(${r.relation.name})${alias}`;
  const out: Doc[] = [r.relation.name, " { ", selectList(p, r.fields, r.relations)];
  if (r.where !== null) out.push(" WHERE ", printCondition(p, r.where));
  if (r.orderBy !== null) out.push(" ORDER_BY ", printOrderBy(p, r.orderBy));
  if (r.limit !== null) out.push(" LIMIT ", printExpression(p, r.limit.count, 0, false));
  out.push(" }", alias);
  return out;
}
