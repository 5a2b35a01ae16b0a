/**
 * How PostgreSQL (and CockroachDB, through its SqlFlavor) spells what the SQL kernel (@kova/sql)
 * writes: `$n` placeholders cast to the type they meet (PostgreSQL cannot always infer one),
 * index-friendly null-safe equality, IN as `= ANY($n)`, LIKE with its escape neutralised, NULLS
 * FIRST/LAST so NULLs sort as the smallest value, history fields read out of the `data` jsonb.
 */
import type { ScalarType } from "@kova/query";
import type { PlaceholderType, SqlFlavour } from "@kova/sql";
import { quoteIdent, quoteLiteral, type SqlFlavor } from "./pg-compiled.js";
import { castFor, encodeParam } from "./pg-values.js";

function cast(type: PlaceholderType): string | undefined {
  switch (type.kind) {
    case "column":
      return castFor(type.type);
    case "list":
      return `${castFor(type.type === "any" ? "string" : type.type)}[]`;
    case "count":
      return "bigint";
    case "boolean":
      return "boolean";
    // A value met by no column (`$1 IS NULL`, `$1 = $2`) is typed as text, or PostgreSQL answers
    // "could not determine data type of parameter $1".
    case "text":
    case "any":
      return "text";
  }
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

export function pgSqlFlavour(flavor: SqlFlavor): SqlFlavour {
  return {
    dialect: flavor.dialect,
    quoteIdent,
    placeholder: (position, type) => `$${position}::${cast(type)}`,
    encodeParam,
    true: "TRUE",
    false: "FALSE",
    nullSafe(op, left, right) {
      if (op === "!=") return `(${left.sql} IS DISTINCT FROM ${right.sql})`;
      // IS NOT DISTINCT FROM cannot use an index, so a column against a value is written
      // `col = v OR (col IS NULL AND v IS NULL)` (both halves index-friendly; the planner drops
      // the second when v is known not null), and plain `=` when the column is never null.
      const [column, value] = left.column !== undefined && right.column === undefined ? [left, right] : right.column !== undefined && left.column === undefined ? [right, left] : [];
      if (column === undefined || value === undefined) return `(${left.sql} IS NOT DISTINCT FROM ${right.sql})`;
      if (column.column!.notNull || value.nonNullLiteral) return `(${column.sql} = ${value.sql})`;
      return `(${column.sql} = ${value.sql} OR (${column.sql} IS NULL AND ${value.sql} IS NULL))`;
    },
    inList(b, left, right) {
      const type = b.typeOf(left);
      const l = b.operand(left, type === undefined ? "string" : undefined).sql;
      // One array parameter for the whole list, so the SQL text does not depend on its length.
      const listType = type ?? "string";
      return `(${l} = ANY(${b.value(right, { kind: "list", type: listType }, { kind: "list", type: listType })}))`;
    },
    like(b, left, right) {
      const text = (operand: typeof left): string => {
        if (operand.kind === "arith") return `(${b.operand(operand, undefined).sql})::text`;
        if (operand.kind !== "field") return b.value(operand, { kind: "scalar", type: "string" }, { kind: "text" });
        const column = b.resolveColumn(operand.field);
        return column.type === "string" ? column.sql : `(${column.sql})::text`;
      };
      // LIKE is case-sensitive with `%` and `_`; `\` makes the next character literal (Kova's escape,
      // which like_escape puts before a request value's % and _), on every back end.
      return `(${text(left)} LIKE ${text(right)} ESCAPE '\\')`;
    },
    truthy: (sql) => `(${sql})`,
    nulls: { asc: "NULLS FIRST", desc: "NULLS LAST" },
    noLimit: null,
    historyField: (alias, name, type) => historyField(alias, name, type, flavor),
  };
}
