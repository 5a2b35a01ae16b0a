/**
 * WHERE, ORDER BY and LIMIT for PostgreSQL. Every operand that is not a column becomes a `$n`
 * placeholder (cast to the column type it is compared with) and a `Param` telling the driver where
 * its value comes from; only quoted identifiers and the compiler's own keywords reach the SQL text.
 */
import type { EntitySchema, Filter, Operand, OrderTerm, ScalarType } from "@kova/query";
import { quoteIdent, quoteLiteral, type Encoding, type Param, type SqlFlavor } from "./pg-compiled.js";
import { castFor, encodeParam } from "./pg-values.js";

/**
 * Where names resolve. `columns`: a table (or subquery) with one column per field. `history`: the
 * history table, whose fields live in its `data` jsonb and whose `version` and `at` are the entry's
 * own (as HistoryPlan documents).
 */
export interface Scope {
  entity: EntitySchema;
  alias: string;
  history: boolean;
  flavor: SqlFlavor;
}

export type ColumnType = ScalarType | "id" | "instant";

export interface ResolvedColumn {
  sql: string;
  type: ColumnType;
  /** The column can never be null (id, version, at), so `==` may use plain `=`. */
  notNull: boolean;
}

/** A field read out of a history row's `data` jsonb, typed like the live column. */
export function historyField(alias: string, name: string, type: ScalarType, flavor: SqlFlavor): string {
  const data = `${quoteIdent(alias)}."data"`;
  const key = quoteLiteral(name);
  switch (type) {
    case "json":
      // A JSON null inside `data` is a null field, as in the live table.
      return `NULLIF(${data}->${key}, 'null'::jsonb)`;
    case "string":
      return flavor.textCollation === null ? `(${data}->>${key})` : `((${data}->>${key}) COLLATE ${quoteIdent(flavor.textCollation)})`;
    default:
      return `(${data}->>${key})::${castFor(type)}`;
  }
}

export function resolveColumn(scope: Scope, name: string): ResolvedColumn {
  const qualified = `${quoteIdent(scope.alias)}.${quoteIdent(name)}`;
  if (name === "id") return { sql: qualified, type: "id", notNull: true };
  if (scope.history && name === "version") return { sql: qualified, type: "id", notNull: true };
  if (scope.history && name === "at") return { sql: qualified, type: "instant", notNull: true };
  const field = scope.entity.fields.find((f) => f.name === name);
  if (field === undefined) {
    const known = ["id", ...scope.entity.fields.map((f) => f.name), ...(scope.history ? ["version", "at"] : [])];
    throw new Error(`entity ${scope.entity.name} has no field "${name}" (it has: ${known.join(", ")})`);
  }
  const sql = scope.history ? historyField(scope.alias, name, field.type, scope.flavor) : qualified;
  return { sql, type: field.type, notNull: false };
}

export class SqlBuilder {
  readonly params: Param[] = [];

  constructor(private readonly scope: Scope) {}

  /** Adds a parameter and returns its placeholder. */
  push(param: Param, cast?: string): string {
    this.params.push(param);
    return cast === undefined ? `$${this.params.length}` : `$${this.params.length}::${cast}`;
  }

  /** A placeholder for a non-column operand, encoded and cast for the column it meets. */
  private value(operand: Exclude<Operand, { kind: "field" }>, encoding: Encoding, cast?: string): string {
    if (operand.kind === "arg") return this.push({ from: "arg", index: operand.index, encoding }, cast);
    return this.push({ from: "literal", value: encodeParam(encoding, operand.value) }, cast);
  }

  private operand(operand: Operand, against: ColumnType | undefined): { sql: string; column?: ResolvedColumn } {
    if (operand.kind === "field") {
      const column = resolveColumn(this.scope, operand.field);
      return { sql: column.sql, column };
    }
    if (against === undefined) return { sql: this.value(operand, { kind: "any" }) };
    const encoding: Encoding = against === "instant" ? { kind: "instant" } : { kind: "scalar", type: against };
    return { sql: this.value(operand, encoding, castFor(against)) };
  }

  private typeOf(operand: Operand): ColumnType | undefined {
    return operand.kind === "field" ? resolveColumn(this.scope, operand.field).type : undefined;
  }

  private compare(op: string, left: Operand, right: Operand): string {
    // A column against a constant null: IS [NOT] NULL (and no parameter at all).
    for (const [column, other] of [[left, right], [right, left]] as const) {
      if (column.kind === "field" && other.kind === "literal" && other.value === null && (op === "==" || op === "!=")) {
        return `(${resolveColumn(this.scope, column.field).sql} IS ${op === "!=" ? "NOT " : ""}NULL)`;
      }
    }
    const l = this.operand(left, this.typeOf(right));
    const r = this.operand(right, this.typeOf(left));
    if (op === "!=") return `(${l.sql} IS DISTINCT FROM ${r.sql})`;
    if (op !== "==") return `(${l.sql} ${op} ${r.sql})`;
    // `==` is null-safe. IS NOT DISTINCT FROM cannot use an index, so a column against a value is
    // written `col = v OR (col IS NULL AND v IS NULL)` (both halves index-friendly; the planner
    // drops the second when v is known not null), and plain `=` when the column is never null.
    const [column, value] = l.column !== undefined && r.column === undefined ? [l, r] : r.column !== undefined && l.column === undefined ? [r, l] : [undefined, undefined];
    if (column === undefined || value === undefined) return `(${l.sql} IS NOT DISTINCT FROM ${r.sql})`;
    const isNonNullLiteral = (left.kind === "literal" && left.value !== null) || (right.kind === "literal" && right.value !== null);
    if (column.column!.notNull || isNonNullLiteral) return `(${column.sql} = ${value.sql})`;
    return `(${column.sql} = ${value.sql} OR (${column.sql} IS NULL AND ${value.sql} IS NULL))`;
  }

  filter(filter: Filter): string {
    switch (filter.kind) {
      case "and":
        return filter.items.length === 0 ? "TRUE" : `(${filter.items.map((f) => this.filter(f)).join(" AND ")})`;
      case "or":
        return filter.items.length === 0 ? "FALSE" : `(${filter.items.map((f) => this.filter(f)).join(" OR ")})`;
      case "not":
        return `(NOT ${this.filter(filter.item)})`;
      case "compare":
        return this.compare(filter.op, filter.left, filter.right);
      case "in": {
        if (filter.right.kind === "field") throw new Error("the right side of IN must be a list argument or literal, not a field");
        const type = this.typeOf(filter.left);
        const left = type === undefined ? `${this.operand(filter.left, "string").sql}` : this.operand(filter.left, undefined).sql;
        // One array parameter for the whole list, so the SQL text does not depend on its length.
        const list = this.value(filter.right, { kind: "list", type: type ?? "string" }, `${castFor(type ?? "string")}[]`);
        return `(${left} = ANY(${list}))`;
      }
      case "like": {
        const text = (operand: Operand): string => {
          if (operand.kind !== "field") return this.value(operand, { kind: "scalar", type: "string" }, "text");
          const column = resolveColumn(this.scope, operand.field);
          return column.type === "string" ? column.sql : `(${column.sql})::text`;
        };
        const left = text(filter.left);
        const right = text(filter.right);
        // LIKE is case-sensitive with `%` and `_` only; a backslash in the pattern is an ordinary
        // character (as in the embedded store), so PostgreSQL's default escape is neutralised.
        return `(${left} LIKE replace(${right}, '\\', '\\\\'))`;
      }
      case "isNull":
        return `(${this.operand(filter.operand, undefined).sql} IS ${filter.negated ? "NOT " : ""}NULL)`;
      case "truthy":
        return `(${this.operand(filter.operand, "boolean").sql})`;
    }
  }

  where(filter: Filter | null): string {
    return filter === null ? "" : ` WHERE ${this.filter(filter)}`;
  }

  /**
   * ORDER BY the plan's terms, then by `tiebreak` so pages of equal keys are stable. Nulls sort as
   * the smallest value (first ascending, last descending), as in the embedded store.
   */
  orderBy(terms: readonly OrderTerm[], tiebreak: string): string {
    const parts = terms.map((t) => `${resolveColumn(this.scope, t.field).sql} ${t.direction === "DESC" ? "DESC NULLS LAST" : "ASC NULLS FIRST"}`);
    if (!terms.some((t) => t.field === tiebreak)) parts.push(`${resolveColumn(this.scope, tiebreak).sql} ASC`);
    return ` ORDER BY ${parts.join(", ")}`;
  }

  limitOffset(limit: Operand | null, offset: Operand | null): string {
    let sql = "";
    if (limit !== null) sql += ` LIMIT ${this.countParam(limit, "LIMIT")}`;
    if (offset !== null) sql += ` OFFSET ${this.countParam(offset, "OFFSET")}`;
    return sql;
  }

  private countParam(operand: Operand, clause: "LIMIT" | "OFFSET"): string {
    if (operand.kind === "field") throw new Error(`${clause} must be a number or an argument, not a field`);
    return this.value(operand, { kind: "count", clause }, "bigint");
  }

  /** A placeholder for an instant (AS OF). */
  asOf(operand: Operand): string {
    if (operand.kind === "field") throw new Error("AS OF must be an instant or an argument, not a field");
    return this.value(operand, { kind: "asOf" }, "timestamptz");
  }
}
