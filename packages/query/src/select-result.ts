/**
 * What a SELECT returns, from the rows its statement produced: the same rule for every driver, so
 * a count is a number, a page is `{ items, total }` and a single row is an object or null alike on
 * all of them. Drivers read rows into objects keyed by the result columns, then call this.
 */
import { encodeCursor } from "./cursor.js";
import type { SelectPlan } from "./plan.js";

/** The result column a page's statement adds: `COUNT(*) OVER ()`, the matches before LIMIT. */
export const TOTAL_COLUMN = "__kova_total";

/** The result columns a keyset page's statement adds: its ORDER_BY keys (and id), for the next cursor. */
export function keyColumn(position: number): string {
  return `__kova_key_${position}`;
}

type Row = Record<string, unknown>;

/**
 * Whether the page came back empty past its OFFSET, so the total must be counted on its own (the
 * window count rides on the rows; an empty page has none to carry it). An empty first page means
 * no row matches: its total is 0 with no second statement.
 */
export function pageNeedsCount(plan: SelectPlan, rows: readonly unknown[], args: readonly unknown[]): boolean {
  if (plan.shape?.result !== "page" || rows.length > 0 || plan.offset === null) return false;
  const offset = plan.offset.kind === "arg" ? args[plan.offset.index] : plan.offset.kind === "literal" ? plan.offset.value : 0;
  return Number(offset) > 0;
}

/** The query's result from its rows; `total` is the separate count when pageNeedsCount said so. */
export function selectResult(plan: SelectPlan, rows: Row[], total?: number, args: readonly unknown[] = []): unknown {
  const result = plan.shape?.result ?? "rows";
  switch (result) {
    case "rows":
      return plan.single ? (rows[0] ?? null) : rows;
    case "row":
      return rows[0] ?? null;
    case "value": {
      const row = rows[0];
      return row === undefined ? null : row[plan.shape!.columns[0].name];
    }
    case "page": {
      const count = rows.length > 0 ? Number(rows[0][TOTAL_COLUMN]) : (total ?? 0);
      for (const row of rows) delete row[TOTAL_COLUMN];
      return { items: rows, total: count };
    }
    case "cursor": {
      // A full page may have more after it: its last row's keys are the next cursor.
      const keys = plan.shape!.after!.keys.length;
      const limit = plan.limit === null ? undefined : Number(plan.limit.kind === "arg" ? args[plan.limit.index] : plan.limit.kind === "literal" ? plan.limit.value : undefined);
      const last = rows[rows.length - 1];
      const next = last !== undefined && rows.length === limit ? encodeCursor(Array.from({ length: keys }, (_, i) => last[keyColumn(i)])) : null;
      for (const row of rows) for (let i = 0; i < keys; i++) delete row[keyColumn(i)];
      return { items: rows, next };
    }
  }
}
