/**
 * WHERE, ORDER BY and LIMIT for MySQL/MariaDB. Every operand that is not a column becomes a `?`
 * placeholder with a `Param` telling the driver where its value comes from; only quoted identifiers
 * and the compiler's own keywords reach the SQL text.
 */
import type { EntitySchema, Filter, Operand, OrderTerm, ScalarType } from "@kova/query";
import { quoteIdent, type Encoding, type ListType, type Param } from "./mysql-compiled.js";
import { encodeParam, listColumnType } from "./mysql-values.js";

/** Where names resolve: the live table or the history table (which adds `version` and `at`). */
export interface Scope {
  entity: EntitySchema;
  /** The table alias; null to name columns unqualified. */
  alias: string | null;
  history: boolean;
}

type ColumnType = ScalarType | "id" | "instant";

interface ResolvedColumn {
  sql: string;
  type: ColumnType;
}

/** MySQL has no "no limit": the largest unsigned BIGINT stands for it (as its manual suggests). */
const NO_LIMIT = "18446744073709551615";

export function resolveColumn(scope: Scope, name: string): ResolvedColumn {
  const sql = scope.alias === null ? quoteIdent(name) : `${quoteIdent(scope.alias)}.${quoteIdent(name)}`;
  if (name === "id") return { sql, type: "id" };
  // In a history query `version` and `at` are the entry's own (as HistoryPlan documents).
  if (scope.history && name === "version") return { sql, type: "id" };
  if (scope.history && name === "at") return { sql, type: "instant" };
  const field = scope.entity.fields.find((f) => f.name === name);
  if (field === undefined) {
    const known = ["id", ...scope.entity.fields.map((f) => f.name), ...(scope.history ? ["version", "at"] : [])];
    throw new Error(`entity ${scope.entity.name} has no field "${name}" (it has: ${known.join(", ")})`);
  }
  return { sql, type: field.type };
}

export class SqlBuilder {
  readonly params: Param[] = [];
  private lists = 0;

  constructor(private readonly scope: Scope) {}

  /** A placeholder for a non-column operand. Literals are encoded now, arguments at run time. */
  private value(operand: Exclude<Operand, { kind: "field" }>, encoding: Encoding): string {
    if (operand.kind === "arg") {
      this.params.push({ from: "arg", index: operand.index, encoding });
    } else {
      this.params.push({ from: "literal", value: encodeParam(encoding, operand.value) });
    }
    return "?";
  }

  operand(operand: Operand, against: ColumnType | undefined): { sql: string; type: ColumnType | undefined } {
    if (operand.kind === "field") return resolveColumn(this.scope, operand.field);
    const encoding: Encoding =
      against === undefined ? { kind: "any" } : against === "instant" ? { kind: "instant" } : { kind: "scalar", type: against };
    return { sql: this.value(operand, encoding), type: undefined };
  }

  /** Both sides of a binary condition, each encoded for the other's column type. */
  private pair(left: Operand, right: Operand): [string, string] {
    const leftType = left.kind === "field" ? resolveColumn(this.scope, left.field).type : undefined;
    const rightType = right.kind === "field" ? resolveColumn(this.scope, right.field).type : undefined;
    return [this.operand(left, rightType).sql, this.operand(right, leftType).sql];
  }

  filter(filter: Filter): string {
    switch (filter.kind) {
      case "and":
        return filter.items.length === 0 ? "TRUE" : `(${filter.items.map((f) => this.filter(f)).join(" AND ")})`;
      case "or":
        return filter.items.length === 0 ? "FALSE" : `(${filter.items.map((f) => this.filter(f)).join(" OR ")})`;
      case "not":
        return `(NOT ${this.filter(filter.item)})`;
      case "compare": {
        const [left, right] = this.pair(filter.left, filter.right);
        // `==` / `!=` are null-safe: MySQL's <=> (which still uses indexes), negated for `!=`.
        if (filter.op === "==") return `(${left} <=> ${right})`;
        if (filter.op === "!=") return `(NOT (${left} <=> ${right}))`;
        return `(${left} ${filter.op} ${right})`;
      }
      case "in": {
        const left = this.operand(filter.left, undefined);
        if (filter.right.kind === "field") throw new Error("the right side of IN must be a list argument or literal, not a field");
        const type: ListType = left.type ?? "any";
        const list = this.value(filter.right, { kind: "list", type });
        // One placeholder for the whole list: a JSON array unpacked by JSON_TABLE, so the SQL text
        // (and the server's prepared statement) does not depend on the list's length.
        const alias = `kova_list_${this.lists++}`;
        return `(${left.sql} IN (SELECT ${alias}.v FROM JSON_TABLE(${list}, '$[*]' COLUMNS (v ${listColumnType(type)} PATH '$')) AS ${alias}))`;
      }
      case "like": {
        const [left, right] = this.pair(filter.left, filter.right);
        // Kova's LIKE knows only % and _ (as SQLite's does); MySQL's also treats backslash as an
        // escape. With `!` as the escape character and every `!` in the pattern doubled, neither
        // character is special. Case-sensitivity comes from the binary collation of the columns
        // and of the connection.
        return `(${left} LIKE REPLACE(${right}, '!', '!!') ESCAPE '!')`;
      }
      case "isNull":
        return `(${this.operand(filter.operand, undefined).sql} IS ${filter.negated ? "NOT " : ""}NULL)`;
      case "truthy":
        return `(${this.operand(filter.operand, "boolean").sql} <=> 1)`;
    }
  }

  where(filter: Filter | null): string {
    return filter === null ? "" : ` WHERE ${this.filter(filter)}`;
  }

  /**
   * ORDER BY the plan's terms, then by `tiebreak` so pages of equal keys are stable. NULLs sort
   * first ascending and last descending, in MySQL as in SQLite, so no NULLS FIRST/LAST is needed.
   */
  orderBy(terms: readonly OrderTerm[], tiebreak: string): string {
    const parts = terms.map((t) => `${resolveColumn(this.scope, t.field).sql} ${t.direction === "DESC" ? "DESC" : "ASC"}`);
    if (!terms.some((t) => t.field === tiebreak)) parts.push(`${resolveColumn(this.scope, tiebreak).sql} ASC`);
    return ` ORDER BY ${parts.join(", ")}`;
  }

  limitOffset(limit: Operand | null, offset: Operand | null): string {
    if (limit === null && offset === null) return "";
    let sql = " LIMIT ";
    sql += limit === null ? NO_LIMIT : this.countParam(limit, "LIMIT");
    if (offset !== null) sql += ` OFFSET ${this.countParam(offset, "OFFSET")}`;
    return sql;
  }

  private countParam(operand: Operand, clause: "LIMIT" | "OFFSET"): string {
    if (operand.kind === "field") throw new Error(`${clause} must be a number or an argument, not a field`);
    return this.value(operand, { kind: "count", clause });
  }

  /** A placeholder for an instant (AS OF). */
  asOf(operand: Operand): string {
    if (operand.kind === "field") throw new Error("AS OF must be an instant or an argument, not a field");
    return this.value(operand, { kind: "asOf" });
  }

  push(param: Param): string {
    this.params.push(param);
    return "?";
  }
}
