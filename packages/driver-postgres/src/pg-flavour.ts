/**
 * How PostgreSQL (and CockroachDB, through its SqlFlavor) spells what the SQL kernel (@kova/sql)
 * writes: `$n` placeholders cast to the type they meet (PostgreSQL cannot always infer one),
 * index-friendly null-safe equality, IN as `= ANY($n)`, LIKE with its escape neutralised, NULLS
 * FIRST/LAST so NULLs sort as the smallest value, history fields read out of the `data` jsonb.
 */
import type { ListItemType, RichTypeRef, ScalarType } from "@kova/query";
import { derivedList, sqlString, type GraphFlavour, type PlaceholderType, type SqlFlavour } from "@kova/sql";
import type { EntitySchema } from "@kova/query";
import { historyTable, quoteIdent, quoteLiteral, type SqlFlavor } from "./pg-compiled.js";
import { castFor, encodeParam, pgColumnType } from "./pg-values.js";

function cast(type: PlaceholderType, flavor: SqlFlavor): string | undefined {
  switch (type.kind) {
    case "column":
      return flavor.nativeType(type.rich) ?? castFor(type.type);
    case "array":
      return pgColumnType("json", type.items);
    case "list":
      return `${flavor.nativeType(type.rich) ?? castFor(type.type === "any" ? "string" : type.type)}[]`;
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

/**
 * A field read out of a history row's `data` jsonb, typed like the live column: a list field's JSON
 * array becomes the native array again (null stays null), so it reads and compares as the live one.
 */
export function historyField(alias: string, name: string, type: ScalarType, flavor: SqlFlavor, items?: ListItemType, rich?: RichTypeRef): string {
  const data = `${quoteIdent(alias)}."data"`;
  const key = quoteLiteral(name);
  const native = flavor.nativeType(rich);
  if (native !== undefined) return `(${data}->>${key})::${native}`;
  if (items !== undefined) {
    return `(CASE WHEN jsonb_typeof(${data}->${key}) = 'array' THEN ARRAY(SELECT jsonb_array_elements_text(${data}->${key}))::${pgColumnType(type, items)} END)`;
  }
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
    placeholder: (position, type) => `$${position}::${cast(type, flavor)}`,
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
      const rich = b.richOf(left);
      return `(${l} = ANY(${b.value(right, { kind: "list", type: listType }, rich === undefined ? { kind: "list", type: listType } : { kind: "list", type: listType, rich })}))`;
    },
    like(b, left, right) {
      const text = (operand: typeof left): string => {
        if (operand.kind === "jsonPath") return b.operand(operand, undefined).sql;
        if (operand.kind === "arith" || operand.kind === "concat" || operand.kind === "aggregate") return `(${b.operand(operand, undefined).sql})::text`;
        if (operand.kind !== "field") return b.value(operand, { kind: "scalar", type: "string" }, { kind: "text" });
        const column = b.resolveColumn(operand.field);
        return column.type === "string" && flavor.nativeType(column.rich) === undefined ? column.sql : `(${column.sql})::text`;
      };
      // LIKE is case-sensitive with `%` and `_`; `\` makes the next character literal (Kova's escape,
      // which like_escape puts before a request value's % and _), on every back end.
      return `(${text(left)} LIKE ${text(right)} ESCAPE '\\')`;
    },
    concat: (parts) => `(${parts.join(" || ")})`,
    asText: (sql) => `(${sql})::text`,
    asFloat: (sql) => `(${sql})::float8`,
    // Path keys are source identifiers ([A-Za-z_][A-Za-z0-9_]*), never values.
    jsonText: (sql, path) => `(${sql} #>> '{${path.join(",")}}')`,
    jsonValue: (sql, path) => `NULLIF(${sql} #> '{${path.join(",")}}', 'null'::jsonb)`,
    jsonNumber: (sql, path) => `(CASE WHEN jsonb_typeof(${sql} #> '{${path.join(",")}}') = 'number' THEN (${sql} #>> '{${path.join(",")}}')::float8 END)`,
    truthy: (sql) => `(${sql})`,
    nulls: { asc: "NULLS FIRST", desc: "NULLS LAST" },
    noLimit: null,
    historyField: (alias, name, type, items, rich) => historyField(alias, name, type, flavor, items, rich),
    // A null list gives null from ANY, hence the COALESCE (NOT contains(…) holds for it).
    contains: (column, item) => `COALESCE(${item} = ANY(${column}), FALSE)`,
  };
}

/** json_build_object takes at most 100 arguments: 50 pairs per call, merged as jsonb beyond that. */
const PAIRS_PER_OBJECT = 50;

/**
 * JSON building for selects with related rows: json_build_object, json_agg ordered by its keys
 * (`[]` when there are none). AS OF reads each id's newest version at or before the instant
 * (DISTINCT ON), its fields typed out of `data`, unless that version is a delete.
 */
export function pgGraph(flavor: SqlFlavor): GraphFlavour {
  return {
    jsonObject(pairs) {
      const chunks: string[] = [];
      for (let i = 0; i < pairs.length; i += PAIRS_PER_OBJECT) {
        chunks.push(`json_build_object(${pairs.slice(i, i + PAIRS_PER_OBJECT).map(([k, v]) => `${sqlString(k)}, ${v}`).join(", ")})`);
      }
      return chunks.length === 1 ? chunks[0] : `(${chunks.map((c) => `${c}::jsonb`).join(" || ")})::json`;
    },
    jsonValue: (sql) => sql,
    embed: (sql) => sql,
    jsonList: (rows) => derivedList(rows, (value, order) => `COALESCE(json_agg(${value} ORDER BY ${order}), '[]'::json)`),
    asOfSource(b, entity: EntitySchema, instant) {
      const h = b.uniqueAlias("kova_h");
      const fields = entity.fields.map((f) => `, ${historyField(h, f.name, f.type, flavor, f.items, f.rich)} AS ${quoteIdent(f.name)}`).join("");
      const inner =
        `SELECT DISTINCT ON (${quoteIdent(h)}."id") ${quoteIdent(h)}."id" AS "id", ${quoteIdent(h)}."op" AS "kova_op"${fields} ` +
        `FROM ${quoteIdent(historyTable(entity))} AS ${quoteIdent(h)} WHERE ${quoteIdent(h)}."at" <= ${instant()} ORDER BY ${quoteIdent(h)}."id", ${quoteIdent(h)}."version" DESC`;
      const l = quoteIdent(b.uniqueAlias("kova_l"));
      return `(SELECT ${l}.* FROM (${inner}) AS ${l} WHERE ${l}."kova_op" <> 'delete')`;
    },
  };
}
