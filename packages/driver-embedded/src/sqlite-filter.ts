/**
 * WHERE and ORDER BY for SQLite. Every operand that is not a column becomes a `?` placeholder with
 * a `Param` telling the driver where its value comes from; only quoted identifiers and the
 * compiler's own keywords reach the SQL text.
 */
import type { EntitySchema, Filter, Operand, OrderTerm, ScalarType } from "@kova/query";
import { quoteIdent, type Encoding, type Param } from "./sqlite-compiled.js";
import { encodeParam } from "./sqlite-values.js";

/** Where names resolve: the live table or the history table (which adds `version` and `at`). */
export interface Scope {
  entity: EntitySchema;
  alias: string;
  history: boolean;
}

type ColumnType = ScalarType | "id" | "instant";

interface ResolvedColumn {
  sql: string;
  type: ColumnType;
}

export function resolveColumn(scope: Scope, name: string): ResolvedColumn {
  const qualified = `${quoteIdent(scope.alias)}.${quoteIdent(name)}`;
  if (name === "id") return { sql: qualified, type: "id" };
  // In a history query `version` and `at` are the entry's own (as HistoryPlan documents).
  if (scope.history && name === "version") return { sql: qualified, type: "id" };
  if (scope.history && name === "at") return { sql: qualified, type: "instant" };
  const field = scope.entity.fields.find((f) => f.name === name);
  if (field === undefined) {
    const known = ["id", ...scope.entity.fields.map((f) => f.name), ...(scope.history ? ["version", "at"] : [])];
    throw new Error(`entity ${scope.entity.name} has no field "${name}" (it has: ${known.join(", ")})`);
  }
  return { sql: qualified, type: field.type };
}

export class SqlBuilder {
  readonly params: Param[] = [];

  constructor(private readonly scope: Scope) {}

  /** A placeholder for a non-column operand, encoded to match `against` (the other side's type). */
  private value(operand: Exclude<Operand, { kind: "field" }>, encoding: Encoding): string {
    if (operand.kind === "arg") {
      this.params.push({ from: "arg", index: operand.index, encoding });
    } else {
      const encoded = encodeParam(encoding, operand.value);
      this.params.push({ from: "literal", value: encoded as string | number | boolean | null });
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
        return filter.items.length === 0 ? "1" : `(${filter.items.map((f) => this.filter(f)).join(" AND ")})`;
      case "or":
        return filter.items.length === 0 ? "0" : `(${filter.items.map((f) => this.filter(f)).join(" OR ")})`;
      case "not":
        return `(NOT ${this.filter(filter.item)})`;
      case "compare": {
        const [left, right] = this.pair(filter.left, filter.right);
        // `==` / `!=` are null-safe: SQLite's IS / IS NOT (which still use indexes).
        const op = filter.op === "==" ? "IS" : filter.op === "!=" ? "IS NOT" : filter.op;
        return `(${left} ${op} ${right})`;
      }
      case "in": {
        const left = this.operand(filter.left, undefined);
        if (filter.right.kind === "field") throw new Error("the right side of IN must be a list argument or literal, not a field");
        const type = left.type ?? "any";
        const list = this.value(filter.right, { kind: "list", type });
        // One placeholder for the whole list: a JSON array unpacked by json_each, so the SQL text
        // does not depend on the list's length.
        return `(${left.sql} IN (SELECT value FROM json_each(${list})))`;
      }
      case "like": {
        const [left, right] = this.pair(filter.left, filter.right);
        // LIKE is case-sensitive in Kova; SQLite's LIKE is not, its GLOB is. The LIKE pattern is
        // rewritten to GLOB in SQL: GLOB's own wildcards are escaped first, then % → * and _ → ?.
        const glob = `replace(replace(replace(replace(replace(${right}, '[', '[[]'), '*', '[*]'), '?', '[?]'), '%', '*'), '_', '?')`;
        return `(${left} GLOB ${glob})`;
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

  /** ORDER BY the plan's terms, then by `tiebreak` so pages of equal keys are stable. */
  orderBy(terms: readonly OrderTerm[], tiebreak: string): string {
    const parts = terms.map((t) => `${resolveColumn(this.scope, t.field).sql} ${t.direction === "DESC" ? "DESC" : "ASC"}`);
    if (!terms.some((t) => t.field === tiebreak)) parts.push(`${resolveColumn(this.scope, tiebreak).sql} ASC`);
    return ` ORDER BY ${parts.join(", ")}`;
  }

  limitOffset(limit: Operand | null, offset: Operand | null): string {
    if (limit === null && offset === null) return "";
    let sql = " LIMIT ";
    if (limit === null) sql += "-1";
    else sql += this.countParam(limit, "LIMIT");
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
