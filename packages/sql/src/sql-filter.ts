/**
 * WHERE, ORDER BY and LIMIT for every SQL flavour. Every operand that is not a column becomes a
 * placeholder and a `Param` telling the driver where its value comes from; only quoted identifiers
 * and the compiler's own keywords reach the SQL text.
 */
import { isValueOperand, type EntitySchema, type Filter, type Operand, type OrderTerm, type RichTypeRef, type ScalarType, type ValueOperand } from "@kova/query";
import { historyColumn, type Encoding, type Param } from "./sql-compiled.js";
import type { PlaceholderType, Side, SqlFlavour } from "./sql-flavour.js";

export type ColumnType = ScalarType | "id" | "instant";

export interface ResolvedColumn {
  sql: string;
  type: ColumnType;
  /** The column can never be null (id, version, at), so `==` may use plain `=`. */
  notNull: boolean;
  /** A rich field's type: a flavour may store it natively (PostgreSQL inet) and cast values to it. */
  rich?: RichTypeRef;
}

/**
 * Where names resolve: the live table (or a subquery shaped like it) or the history table, whose
 * `version` and `at` are the entry's own (as HistoryPlan documents) unless the entity declares a
 * field of that name, which then wins.
 */
export interface Scope {
  entity: EntitySchema;
  /** The table alias; null names columns unqualified. */
  alias: string | null;
  history: boolean;
}

/**
 * What a builder asks when a filter or an order follows a relation (see sql-graph.ts): set only
 * for selects that read related rows.
 */
export interface RelatedRows {
  exists(b: SqlBuilder, filter: Filter & { kind: "related" }): string;
  followed(b: SqlBuilder, term: OrderTerm): string;
}

export class SqlBuilder {
  readonly params: Param[];
  /** A counter flavours use for aliases that must be unique within the statement. */
  aliases = 0;

  constructor(
    readonly scope: Scope,
    readonly flavour: SqlFlavour,
    readonly related?: RelatedRows,
    /** A subquery's builder shares its statement's parameters. */
    parent?: SqlBuilder,
  ) {
    this.params = parent?.params ?? [];
    this.root = parent?.root ?? this;
  }

  /** The statement's outermost builder, which numbers aliases for every subquery. */
  readonly root: SqlBuilder;

  /** A builder for a subquery over another entity (or table alias), writing into the same statement. */
  child(scope: Scope): SqlBuilder {
    return new SqlBuilder(scope, this.flavour, this.related, this);
  }

  /** An alias no other part of the statement uses. */
  uniqueAlias(prefix: string): string {
    return `${prefix}${++this.root.aliases}`;
  }

  qualified(column: string): string {
    const q = this.flavour.quoteIdent(column);
    return this.scope.alias === null ? q : `${this.flavour.quoteIdent(this.scope.alias)}.${q}`;
  }

  /** The history entry's own column (`version`, `at`), whatever fields the entity declares. */
  entryColumn(name: "version" | "at"): ResolvedColumn {
    return { sql: this.qualified(name), type: name === "at" ? "instant" : "id", notNull: true };
  }

  resolveColumn(name: string): ResolvedColumn {
    const { entity, history } = this.scope;
    if (name === "id") return { sql: this.qualified("id"), type: "id", notNull: true };
    const field = entity.fields.find((f) => f.name === name);
    if (field === undefined) {
      if (history && (name === "version" || name === "at")) return this.entryColumn(name);
      const known = ["id", ...entity.fields.map((f) => f.name), ...(history ? ["version", "at"] : [])];
      throw new Error(`entity ${entity.name} has no field "${name}" (it has: ${known.join(", ")})`);
    }
    const rich = field.rich === undefined ? {} : { rich: field.rich };
    if (!history) return { sql: this.qualified(name), type: field.type, notNull: false, ...rich };
    const alias = this.scope.alias ?? "";
    const sql = this.flavour.historyField?.(alias, name, field.type, field.items, field.rich) ?? this.qualified(historyColumn(name));
    return { sql, type: field.type, notNull: false, ...rich };
  }

  /** Adds a parameter and returns its placeholder. */
  push(param: Param, type: PlaceholderType = { kind: "any" }): string {
    this.params.push(param);
    return this.flavour.placeholder(this.params.length, type);
  }

  /** A placeholder for a non-column operand: literals are encoded now, arguments at run time. */
  value(operand: ValueOperand, encoding: Encoding, type: PlaceholderType): string {
    if (operand.kind === "arg") return this.push({ from: "arg", index: operand.index, encoding }, type);
    return this.push({ from: "literal", value: this.flavour.encodeParam(encoding, operand.value) }, type);
  }

  /** An operand; a value is encoded (and typed) for the column type it meets, when there is one. */
  operand(operand: Operand, against: ColumnType | undefined, rich?: RichTypeRef): Side {
    if (operand.kind === "field") {
      const column = this.resolveColumn(operand.field);
      return { sql: column.sql, column, nonNullLiteral: false };
    }
    if (operand.kind === "arith") {
      // `hits + 1`: both sides typed like the field the arithmetic reads (or the column it meets).
      const type = against ?? this.typeOf(operand);
      return { sql: `(${this.operand(operand.left, type).sql} ${operand.op} ${this.operand(operand.right, type).sql})`, nonNullLiteral: false };
    }
    if (operand.kind === "aggregate") return { sql: this.aggregate(operand), nonNullLiteral: false };
    if (operand.kind === "jsonPath") {
      const column = this.resolveColumn(operand.field).sql;
      const sql = operand.as === "text" ? this.flavour.jsonText(column, operand.path) : operand.as === "number" ? this.flavour.jsonNumber(column, operand.path) : this.flavour.jsonValue(column, operand.path);
      return { sql, nonNullLiteral: false };
    }
    if (operand.kind === "concat") {
      // Each part as text: a field of another type is cast, a value is bound as text.
      const parts = operand.parts.map((part) => {
        if (part.kind === "arg" || part.kind === "literal") return this.value(part, { kind: "scalar", type: "string" }, { kind: "text" });
        const sql = this.operand(part, undefined).sql;
        return this.typeOf(part) === "string" ? sql : this.flavour.asText(sql);
      });
      return { sql: this.flavour.concat(parts), nonNullLiteral: false };
    }
    const nonNullLiteral = operand.kind === "literal" && operand.value !== null;
    if (against === undefined) return { sql: this.value(operand, { kind: "any" }, { kind: "any" }), nonNullLiteral };
    const encoding: Encoding = against === "instant" ? { kind: "instant" } : { kind: "scalar", type: against };
    return { sql: this.value(operand, encoding, rich === undefined ? { kind: "column", type: against } : { kind: "column", type: against, rich }), nonNullLiteral };
  }

  /** `COUNT(*)`, `SUM(DISTINCT "r"."x")`, …: AVG is always a float, whatever the field's type. */
  private aggregate(operand: Extract<Operand, { kind: "aggregate" }>): string {
    const argument = operand.field === null ? "*" : `${operand.distinct ? "DISTINCT " : ""}${this.resolveColumn(operand.field).sql}`;
    const sql = `${operand.fn.toUpperCase()}(${argument})`;
    return operand.fn === "avg" ? this.flavour.asFloat(sql) : sql;
  }

  typeOf(operand: Operand): ColumnType | undefined {
    if (operand.kind === "field") return this.resolveColumn(operand.field).type;
    if (operand.kind === "concat") return "string";
    if (operand.kind === "jsonPath") return operand.as === "text" ? "string" : operand.as === "number" ? "float" : "json";
    if (operand.kind === "aggregate") {
      if (operand.fn === "count") return "int";
      if (operand.fn === "avg") return "float";
      const type = this.resolveColumn(operand.field!).type;
      return type === "id" ? "int" : type;
    }
    if (operand.kind === "arith") return this.typeOf(operand.left) ?? this.typeOf(operand.right);
    return undefined;
  }

  /** Both sides of a binary condition, each encoded for the other's column type. */
  pair(left: Operand, right: Operand): [Side, Side] {
    const leftType = this.typeOf(left);
    const rightType = this.typeOf(right);
    return [this.operand(left, rightType, this.richOf(right)), this.operand(right, leftType, this.richOf(left))];
  }

  /** The rich type of a field operand (a value compared with it is typed as its column). */
  richOf(operand: Operand): RichTypeRef | undefined {
    return operand.kind === "field" ? this.resolveColumn(operand.field).rich : undefined;
  }

  private compare(op: Filter & { kind: "compare" }): string {
    if (op.op === "==" || op.op === "!=") {
      // Anything against a constant null: IS [NOT] NULL, with no parameter whose type the database
      // would have to guess (PostgreSQL cannot type `$1 IS NOT DISTINCT FROM $2`).
      for (const [side, other] of [[op.left, op.right], [op.right, op.left]] as const) {
        if (other.kind === "literal" && other.value === null) return this.isNull(side, op.op === "!=");
      }
      const [left, right] = this.pair(op.left, op.right);
      return this.flavour.nullSafe(op.op, left, right);
    }
    const [left, right] = this.pair(op.left, op.right);
    return `(${left.sql} ${op.op} ${right.sql})`;
  }

  private isNull(operand: Operand, negated: boolean): string {
    const sql = !isValueOperand(operand) ? this.operand(operand, undefined).sql : this.value(operand, { kind: "any" }, { kind: "text" });
    return `(${sql} IS ${negated ? "NOT " : ""}NULL)`;
  }

  filter(filter: Filter): string {
    switch (filter.kind) {
      case "and":
        return filter.items.length === 0 ? this.flavour.true : `(${filter.items.map((f) => this.filter(f)).join(" AND ")})`;
      case "or":
        return filter.items.length === 0 ? this.flavour.false : `(${filter.items.map((f) => this.filter(f)).join(" OR ")})`;
      case "not":
        return `(NOT ${this.filter(filter.item)})`;
      case "compare":
        return this.compare(filter);
      case "in":
        if (!isValueOperand(filter.right)) throw new Error("the right side of IN must be a list argument or literal, not a field");
        return this.flavour.inList(this, filter.left, filter.right);
      case "like":
        return this.flavour.like(this, filter.left, filter.right);
      case "isNull":
        return this.isNull(filter.operand, filter.negated);
      case "truthy":
        return this.flavour.truthy(this.operand(filter.operand, "boolean").sql);
      case "contains":
        return this.contains(filter);
      case "related":
        if (this.related === undefined) throw new Error("a filter through a relation needs the statement's related-rows compiler");
        return this.related.exists(this, filter);
    }
  }

  /** `contains(tags, $tag)`: the flavour tests the list column for an element equal to the value. */
  private contains(filter: Filter & { kind: "contains" }): string {
    const field = this.scope.entity.fields.find((f) => f.name === filter.field);
    if (field?.items === undefined) throw new Error(`contains(${filter.field}, …) needs a list field, and ${this.scope.entity.name}.${filter.field} is not one`);
    if (!isValueOperand(filter.item)) throw new Error(`contains(${filter.field}, …) tests for a value or an argument, not a field`);
    const column = this.resolveColumn(filter.field);
    const item = this.value(filter.item, { kind: "scalar", type: field.items }, { kind: "column", type: field.items });
    return this.flavour.contains(column.sql, item, field.items);
  }

  where(filter: Filter | null): string {
    return filter === null ? "" : ` WHERE ${this.filter(filter)}`;
  }

  /**
   * ORDER BY the plan's terms, then by `tiebreak` (the id, or a history entry's version) so pages
   * of equal keys are stable.
   */
  orderBy(terms: readonly OrderTerm[], tiebreak: { name: string; sql: string }): string {
    const nulls = this.flavour.nulls;
    const parts = terms.map((t) => {
      const direction = t.direction === "DESC" ? "DESC" : "ASC";
      const suffix = nulls === undefined ? "" : ` ${direction === "DESC" ? nulls.desc : nulls.asc}`;
      return `${this.orderKey(t)} ${direction}${suffix}`;
    });
    if (!terms.some((t) => t.field === tiebreak.name)) parts.push(`${tiebreak.sql} ASC`);
    return ` ORDER BY ${parts.join(", ")}`;
  }

  /** The value an ORDER BY term sorts by: a column, or a related row's column (`author.name`). */
  orderKey(term: OrderTerm): string {
    if (term.via === undefined || term.via.length === 0) {
      if (term.path === undefined) return this.resolveColumn(term.field).sql;
      // `ORDER_BY meta.size.w`: the value inside the json field, as a number where the shape says so.
      const column = this.resolveColumn(term.field).sql;
      return term.as === "number" ? this.flavour.jsonNumber(column, term.path) : this.flavour.jsonText(column, term.path);
    }
    if (this.related === undefined) throw new Error("ordering through a relation needs the statement's related-rows compiler");
    return this.related.followed(this, term);
  }

  limitOffset(limit: Operand | null, offset: Operand | null): string {
    if (limit === null && offset === null) return "";
    const noLimit = this.flavour.noLimit;
    let sql = "";
    if (limit !== null) sql += ` LIMIT ${this.countParam(limit, "LIMIT")}`;
    else if (noLimit !== null) sql += ` LIMIT ${noLimit}`;
    if (offset !== null) sql += ` OFFSET ${this.countParam(offset, "OFFSET")}`;
    return sql;
  }

  private countParam(operand: Operand, clause: "LIMIT" | "OFFSET"): string {
    if (!isValueOperand(operand)) throw new Error(`${clause} must be a number or an argument, not a field`);
    return this.value(operand, { kind: "count", clause }, { kind: "count" });
  }

  /** A placeholder for an instant (AS OF). */
  asOf(operand: Operand): string {
    if (!isValueOperand(operand)) throw new Error("AS OF must be an instant or an argument, not a field");
    return this.value(operand, { kind: "asOf" }, { kind: "column", type: "instant" });
  }
}
