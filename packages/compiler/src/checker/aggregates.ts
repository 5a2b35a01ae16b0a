/**
 * Aggregates and shaped SELECTs: `COUNT(*)`, `SUM/AVG/MIN/MAX(field)`, `DISTINCT`, column aliases,
 * computed columns, `GROUP_BY … HAVING …` and `WITH TOTAL`. The checker decides each column's name
 * and type and what the query returns (rows, one row, one value, a page), and records it for
 * lowering in `model.selectShapes`.
 */
import { checkRichOrder } from "./rich-fields.js";
import type { AggregateExpr, Expression, SelectQuery } from "../ast/nodes.js";
import { checkListGroup } from "./list-fields.js";
import { checkJsonOrder, namesJsonField } from "./json-shapes.js";
import { closestName } from "../diagnostics/suggest.js";
import { report, resolve, type CheckContext } from "./context.js";
import { checkExpression } from "./expressions.js";
import { isRelatedPath, jsonPathOf } from "./queries.js";
import { relationsOf } from "./relations.js";
import { constantValue } from "./fold.js";
import type { EntityInfo, SelectShapeInfo } from "./model.js";
import { selectRelations } from "./view-relations.js";
import { describe, intType, numberType, unknownType, type KovaType, type ShapeField } from "./types.js";

export const AGGREGATE_NAMES = ["COUNT", "SUM", "AVG", "MIN", "MAX"] as const;

/** The type of an aggregate, and the errors of one where it cannot go or over the wrong field. */
export function checkAggregate(ctx: CheckContext, expr: AggregateExpr): KovaType {
  const written = `${expr.function}(${expr.distinct ? "DISTINCT " : ""}${expr.field?.name ?? "*"})`;
  if (ctx.aggregates !== "allowed") {
    if (ctx.aggregates === "where") {
      ctx.diagnostics.report("MisplacedAggregate", expr.span, `${written} cannot go in a WHERE, which tests each row before any counting`, {
        suggestion: `test it in HAVING, after GROUP_BY: GROUP_BY <field> HAVING ${written} > …`,
      });
    } else {
      ctx.diagnostics.report("MisplacedAggregate", expr.span, `${written} computes over a query's rows, and there is no query here`, {
        suggestion: `write it in a SELECT, as in n = SELECT ${written} FROM <Entity> WHERE …`,
      });
    }
  }
  const entity = ctx.entity;
  if (expr.field === null) return intType;
  if (!entity) return expr.function === "COUNT" ? intType : unknownType;
  const field = entity.rowType.kind === "object" ? entity.rowType.fields?.get(expr.field.name) : undefined;
  if (!field) {
    if (expr.function === "COUNT" && relationsOf(ctx, entity).has(expr.field.name)) {
      // COUNT(relation) beside plain fields is a relation count (the parser reads it so); here it is in a shaped SELECT.
      ctx.diagnostics.report("ShapedSelectWithRelations", expr.span, `${written} counts related rows, which a grouped, DISTINCT, aliased, computed or paged SELECT cannot do yet`, {
        suggestion: `read the count in a separate query (SELECT <fields>, ${written} FROM ${entity.decl.name.name}), or drop the grouping, DISTINCT, paging and computed columns from this one`,
      });
      return intType;
    }
    if (expr.field.name !== "") {
      const fields = entity.rowType.kind === "object" && entity.rowType.fields ? [...entity.rowType.fields.keys()] : [];
      report(ctx, "UnknownField", expr.field.span, `entity ${entity.decl.name.name} has no field '${expr.field.name}'`, fields, expr.field.name);
    }
    return expr.function === "COUNT" ? intType : unknownType;
  }
  const decl = entity.decl.fields.find((f) => f.name.name === expr.field!.name);
  resolve(ctx, expr.field, decl ?? entity.decl);
  const type = field.type;
  switch (expr.function) {
    case "COUNT":
      return intType;
    case "SUM":
    case "AVG":
      if (type.kind !== "number") {
        ctx.diagnostics.report("AggregateType", expr.span, `${expr.function} adds numbers, and '${expr.field.name}' is ${describe(type)}`, {
          suggestion: `count it instead, as in COUNT(${expr.field.name})`,
        });
        return numberType;
      }
      return expr.function === "AVG" ? numberType : type;
    default:
      if (type.kind === "boolean" || type.kind === "object" || type.kind === "array" || type.kind === "unknown") {
        ctx.diagnostics.report("AggregateType", expr.span, `${expr.function} needs a field with an order (number, text, date, time), and '${expr.field.name}' is ${describe(type)}`, {
          suggestion: type.kind === "boolean" ? `count the true ones instead: SELECT COUNT(*) … WHERE ${expr.field.name}` : `pick a number, text or time field`,
        });
      }
      checkRichOrder(ctx, entity, expr.field, expr.function);
      return type;
  }
}

/** Whether the SELECT needs the shaped path (anything beyond rows of plain fields). */
export function isShapedSelect(query: SelectQuery): boolean {
  return query.columns !== null || query.distinct || query.groupBy !== null || query.having !== null || query.withTotal || query.after !== null;
}

/**
 * Checks a shaped SELECT's columns, grouping, HAVING and ORDER_BY (WHERE, LIMIT and OFFSET are
 * checked as for any SELECT) and returns the query's result type.
 */
export function checkShapedSelect(
  ctx: CheckContext,
  inEntity: CheckContext,
  query: SelectQuery,
  entity: EntityInfo,
  /** The result's related selections (`author { name }`, `COUNT(comments)`), typed as in a plain SELECT. */
  related?: () => Map<string, ShapeField>,
): KovaType {
  const entityName = entity.decl.name.name;
  const grouped = new Set<string>();
  checkListGroup(ctx, entity, query.groupBy?.fields ?? []);
  for (const name of query.groupBy?.fields ?? []) {
    if (name.name === "") continue;
    if (fieldType(entity, name.name) === undefined) {
      report(ctx, "UnknownField", name.span, `entity ${entityName} has no field '${name.name}'`, fieldNames(entity), name.name);
      continue;
    }
    resolve(ctx, name, entity.decl.fields.find((f) => f.name.name === name.name) ?? entity.decl);
    grouped.add(name.name);
  }
  const inColumns: CheckContext = { ...inEntity, aggregates: "allowed" };
  const columns: SelectShapeInfo["columns"] = [];
  const fields = new Map<string, ShapeField>();
  const add = (name: string, value: Expression, type: KovaType, optional: boolean, at: Expression | { span: Expression["span"] }) => {
    if (fields.has(name)) {
      ctx.diagnostics.report("DuplicateColumn", at.span, `two columns of this SELECT are named '${name}'`, { suggestion: `name one of them with AS, as in … AS ${name}_2` });
      return;
    }
    fields.set(name, { type, optional });
    columns.push({ name, value });
  };
  if (query.columns) {
    for (const column of query.columns) {
      const meant = column.value.kind === "Call" ? aggregateMeant(column.value.callee.name) : undefined;
      if (column.value.kind === "Call" && meant !== undefined) {
        const written = column.value.callee.name;
        ctx.diagnostics.report("UnknownAggregate", column.value.callee.span, `${written}() is not an aggregate`, {
          suggestion: `did you mean ${meant}? (the aggregates are ${AGGREGATE_NAMES.join(", ")}, in upper case)`,
          replacement: meant,
        });
        continue;
      }
      const type = checkExpression(inColumns, column.value);
      checkColumnShape(ctx, entity, column.value);
      const name = column.alias?.name ?? (jsonPathOf(entity, column.value)?.path.at(-1) ?? defaultName(column.value));
      if (name === null) {
        ctx.diagnostics.report("UnsupportedColumn", column.span, "a computed column needs a name", { suggestion: "name it with AS, as in price * quantity AS cost" });
        continue;
      }
      const optional = column.value.kind === "Aggregate" ? column.value.function !== "COUNT" : column.value.kind === "Name" ? fieldOptional(entity, column.value.name) : true;
      add(name, column.value, type, optional, column.alias ?? column);
    }
  } else {
    // `*` or bare fields: DISTINCT keeps just those; otherwise each row's id leads, as in any SELECT.
    const names = query.fields === null ? fieldNames(entity) : query.fields.map((f) => f.name);
    if (query.fields !== null) for (const f of query.fields) checkExpression(inColumns, { kind: "Name", span: f.span, name: f.name });
    const withId = !query.distinct && grouped.size === 0 && !names.includes("id");
    for (const name of withId ? ["id", ...names] : names) {
      const type = fieldType(entity, name);
      if (type !== undefined) add(name, { kind: "Name", span: query.entity.span, name }, type, name !== "id" && fieldOptional(entity, name), query.entity);
    }
  }
  const aggregated = columns.some((c) => containsAggregate(c.value));
  // Every field read outside an aggregate must be grouped when the rows are grouped or aggregated.
  if (grouped.size > 0 || aggregated) {
    for (const column of query.columns ?? []) reportUngrouped(ctx, entity, column.value, grouped, aggregated);
    if (!query.columns && query.fields !== null) {
      for (const f of query.fields) if (!grouped.has(f.name)) reportUngrouped(ctx, entity, { kind: "Name", span: f.span, name: f.name }, grouped, aggregated);
    }
    if (!query.columns && query.fields === null) {
      ctx.diagnostics.report("InvalidShape", query.groupBy?.span ?? query.span, "GROUP_BY needs the grouped fields and aggregates listed, not *", {
        suggestion: `list them, as in SELECT ${[...grouped][0] ?? "field"}, COUNT(*) AS n FROM ${entityName} GROUP_BY ${[...grouped][0] ?? "field"}`,
      });
    }
  }
  if (query.having) {
    if (grouped.size === 0 && !aggregated) {
      ctx.diagnostics.report("InvalidShape", query.having.span, "HAVING tests groups, and this query has none", { suggestion: "test the rows in WHERE, or add GROUP_BY" });
      checkExpression({ ...inEntity, aggregates: "allowed" }, query.having.expression);
    } else {
      checkHaving(ctx, { ...inEntity, aggregates: "allowed" }, entity, query.having.expression, grouped);
    }
  }
  checkShapedOrder(ctx, entity, query, fields, grouped.size > 0 || aggregated || query.distinct === true);
  if (selectRelations(ctx.model, query).length > 0 && related !== undefined && grouped.size === 0 && !aggregated && !query.distinct) {
    for (const [name, field] of related()) {
      if (fields.has(name)) ctx.diagnostics.report("DuplicateColumn", query.span, `two columns of this SELECT are named '${name}'`, { suggestion: `name one with AS, as in COUNT(${name}) AS ${name}_total` });
      else fields.set(name, field);
    }
  }
  const row: KovaType = { kind: "object", fields, ...(query.columns ? {} : { entity: entityName }) };
  let result: SelectShapeInfo["result"] = "rows";
  let type: KovaType = { kind: "array", element: row };
  if (aggregated && grouped.size === 0) {
    if (query.withTotal) {
      ctx.diagnostics.report("InvalidShape", query.span, "WITH TOTAL counts the rows of a list, and this SELECT returns one row of aggregates", { suggestion: "drop WITH TOTAL, or add GROUP_BY" });
    }
    const only = query.columns?.length === 1 && query.columns[0].alias === null && query.columns[0].value.kind === "Aggregate" ? columns[0] : undefined;
    result = only ? "value" : "row";
    type = only ? fields.get(only.name)!.type : row;
  } else if (query.after !== null) {
    checkAfter(ctx, entity, query, grouped.size > 0 || aggregated);
    result = "cursor";
    const next: KovaType = { kind: "string" };
    type = { kind: "object", fields: new Map<string, ShapeField>([["items", { type, optional: false }], ["next", { type: next, optional: true }]]), shape: "keyset page" };
  } else if (query.withTotal) {
    result = "page";
    type = { kind: "object", fields: new Map<string, ShapeField>([["items", { type, optional: false }], ["total", { type: intType, optional: false }]]), shape: "page" };
  }
  ctx.model.selectShapes.set(query, { columns, groupBy: [...grouped], result });
  return type;
}

/**
 * `AFTER cursor` pages through rows by their ORDER_BY keys: it needs an ORDER_BY of fields that are
 * never null and a LIMIT, and it replaces OFFSET and WITH TOTAL (which count rows, and shift under
 * inserts). The cursor comes from the request.
 */
function checkAfter(ctx: CheckContext, entity: EntityInfo, query: SelectQuery, grouped: boolean): void {
  const after = query.after!;
  const type = checkExpression(ctx, after);
  const fail = (message: string, suggestion: string) => ctx.diagnostics.report("InvalidShape", after.span, message, { suggestion });
  if (type.kind !== "string" && type.kind !== "unknown" && type.kind !== "null") fail(`AFTER takes the cursor text a previous page returned as next, not ${describe(type)}`, "write AFTER $query.cursor");
  else if (constantValue(after) !== undefined) fail("AFTER takes the cursor from the request, not a constant", "write AFTER $query.cursor");
  if (grouped || query.distinct) fail("AFTER pages through rows, not groups or DISTINCT rows", "use LIMIT and OFFSET for grouped results");
  if (query.offset !== null || query.withTotal) fail("AFTER replaces OFFSET and WITH TOTAL: the cursor says where the page starts", "drop OFFSET / WITH TOTAL");
  if (query.limit === null) fail("AFTER needs a LIMIT: the page size", "add LIMIT $query.limit ?? 20");
  if (query.orderBy === null) fail("AFTER needs an ORDER_BY: the cursor holds the last row's keys in that order", "add ORDER_BY, as in ORDER_BY id");
  // A PUBLIC ID entity's page is keyed by its public id, never the integer key it keeps inside
  // (@kova/query public-id.ts): a random UUID has no order to stand in for ORDER_BY id.
  const publicKind = entity.schema.fields.find((f) => f.publicId !== undefined)?.publicId;
  for (const named of query.orderBy?.items.flatMap((item) => (item.choice ? item.choice.fields : [item.field])) ?? []) {
    if (named.name === "id" && publicKind === "uuid") {
      ctx.diagnostics.report("PublicIdCursorByKey", named.span, `an AFTER page of ${entity.decl.name.name} (PUBLIC ID uuid) cannot be ordered by id: its cursor would carry the integer key, and a random UUID has no order of its own`, {
        suggestion: "order by another field (a time the record was made: AUDIT's created_at), or use PUBLIC ID uuid7 or ulid, whose ids sort in the order records were made",
      });
    }
    const field = entity.schema.fields.find((f) => f.name === named.name);
    if (field?.optional) {
      ctx.diagnostics.report("InvalidShape", named.span, `AFTER orders by keys that are never null, and '${field.name}' is optional`, {
        suggestion: "order by required fields (the id breaks ties by itself)",
      });
    }
  }
}

function checkHaving(ctx: CheckContext, inHaving: CheckContext, entity: EntityInfo, e: Expression, grouped: ReadonlySet<string>): void {
  const type = checkExpression(inHaving, e);
  if (type.kind !== "boolean" && type.kind !== "unknown") {
    ctx.diagnostics.report("TypeMismatch", e.span, `HAVING must be true or false, but this is ${describe(type)}`, { suggestion: "compare it, as in COUNT(*) > 1" });
  }
  reportUngrouped(ctx, entity, e, grouped, true);
}

/** ORDER_BY in a grouped, aggregated or DISTINCT result names its columns; otherwise fields too. */
function checkShapedOrder(ctx: CheckContext, entity: EntityInfo, query: SelectQuery, columns: ReadonlyMap<string, ShapeField>, onlyColumns: boolean): void {
  // `ORDER_BY $query.sort IN [a, b]`: the request picks one of the listed names, so each must be one.
  for (const choice of query.orderBy?.items.flatMap((item) => (item.choice ? [item.choice] : [])) ?? []) {
    const type = checkExpression(ctx, choice.value);
    if (type.kind !== "string" && type.kind !== "unknown") {
      ctx.diagnostics.report("TypeMismatch", choice.value.span, `the sort field is chosen by text naming it, not ${describe(type)}`);
    }
  }
  // `ORDER_BY meta.size.w` sorts rows by a json sub-field (not in a grouped or DISTINCT result).
  const byJson = new Set(query.orderBy?.items.filter((item) => item.via.length > 0 && !onlyColumns && checkJsonOrder(ctx, entity, item.via, item.field)) ?? []);
  // `ORDER_BY author.name` is checked with the query's filters (and refused where it cannot go).
  const throughRelation = (item: { via: readonly unknown[] }) => item.via.length > 0;
  for (const named of query.orderBy?.items.filter((item) => !byJson.has(item) && !throughRelation(item)).flatMap((item) => (item.choice ? item.choice.fields : [item.field])) ?? []) {
    const name = named.name;
    if (name === "" || columns.has(name)) continue;
    if (!onlyColumns && fieldType(entity, name) !== undefined) {
      resolve(ctx, named, entity.decl.fields.find((f) => f.name.name === name) ?? entity.decl);
      continue;
    }
    const candidates = onlyColumns ? [...columns.keys()] : [...columns.keys(), ...fieldNames(entity)];
    const suggestion = closestName(name, candidates);
    ctx.diagnostics.report("UnknownColumn", named.span, `'${name}' is not a column of this ${onlyColumns ? "grouped or DISTINCT " : ""}result (its columns: ${[...columns.keys()].join(", ")})`, {
      suggestion: suggestion ? `did you mean '${suggestion}'?` : "order by a column's name; name an aggregate with AS to order by it (COUNT(*) AS n … ORDER_BY n DESC)",
      ...(suggestion ? { replacement: suggestion } : {}),
    });
  }
}

/** A field read outside an aggregate in a grouped or aggregated SELECT must be one of the groups. */
function reportUngrouped(ctx: CheckContext, entity: EntityInfo, e: Expression, grouped: ReadonlySet<string>, aggregated: boolean): void {
  walkOutsideAggregates(e, (name) => {
    if (fieldType(entity, name.name) === undefined || grouped.has(name.name)) return;
    ctx.diagnostics.report("UngroupedField", name.span, `'${name.name}' is neither grouped nor aggregated, so it has no one value per ${grouped.size > 0 ? "group" : "result"}`, {
      suggestion: grouped.size > 0 || !aggregated ? `add it to GROUP_BY, or aggregate it (MIN(${name.name}), COUNT(DISTINCT ${name.name}))` : `group by it (GROUP_BY ${name.name}), or aggregate it (MIN(${name.name}))`,
    });
  });
}

function walkOutsideAggregates(e: Expression, visit: (name: Extract<Expression, { kind: "Name" }>) => void): void {
  switch (e.kind) {
    case "Name":
      visit(e);
      return;
    case "Binary":
      walkOutsideAggregates(e.left, visit);
      walkOutsideAggregates(e.right, visit);
      return;
    case "Unary":
    case "IsNull":
      walkOutsideAggregates(e.operand, visit);
      return;
    default:
      return;
  }
}

/**
 * A column is computed by the database: a field, an aggregate, a value, or `+ - *` over them
 * (`+` on text joins it). Anything else (a call, a member read, a template) it cannot compute.
 */
function checkColumnShape(ctx: CheckContext, entity: EntityInfo, e: Expression): void {
  const ok = (x: Expression): boolean => {
    switch (x.kind) {
      case "Name":
      case "Aggregate":
      case "String":
      case "Number":
      case "Boolean":
      case "Param":
        return true;
      case "Member":
        return x.object.kind === "Param" || jsonPathOf(entity, x) !== undefined;
      case "Binary":
        return (x.operator === "+" || x.operator === "-" || x.operator === "*") && ok(x.left) && ok(x.right);
      case "Unary":
        return x.operator === "-" && ok(x.operand);
      default:
        return false;
    }
  };
  if (ok(e)) return;
  const call = e.kind === "Call" ? e.callee.name : undefined;
  ctx.diagnostics.report("UnsupportedColumn", e.span, "the database computes a column from fields, aggregates and values with + - * only", {
    suggestion: call ? `compute ${call}() in the handler on the query's result, or store the value in a field of its own` : "select the fields and compute the rest in the handler",
  });
}

const AGGREGATE_SYNONYMS: Readonly<Record<string, string>> = { AVERAGE: "AVG", MEAN: "AVG", TOTAL: "SUM", MINIMUM: "MIN", MAXIMUM: "MAX", CNT: "COUNT" };

/** The aggregate a call's name was likely meant to be (`count`, `AVERAGE`, `COUNTS`), if any. */
export function aggregateMeant(name: string): string | undefined {
  const upper = name.toUpperCase();
  if ((AGGREGATE_NAMES as readonly string[]).includes(upper)) return upper;
  return AGGREGATE_SYNONYMS[upper] ?? closestName(upper, [...AGGREGATE_NAMES]);
}

/**
 * A column's name when it has no AS: the field's own, or `count` for COUNT(*) and
 * `<field>_<function>` otherwise (`qty_sum`, `score_avg`), as a relation count is `<relation>_count`.
 */
function defaultName(e: Expression): string | null {
  if (e.kind === "Name") return e.name;
  if (e.kind === "Aggregate") return e.field === null ? "count" : `${e.field.name}_${e.function.toLowerCase()}`;
  return null;
}

function containsAggregate(e: Expression): boolean {
  if (e.kind === "Aggregate") return true;
  if (e.kind === "Binary") return containsAggregate(e.left) || containsAggregate(e.right);
  if (e.kind === "Unary") return containsAggregate(e.operand);
  return false;
}

function fieldType(entity: EntityInfo, name: string): KovaType | undefined {
  return entity.rowType.kind === "object" ? entity.rowType.fields?.get(name)?.type : undefined;
}

function fieldOptional(entity: EntityInfo, name: string): boolean {
  return entity.schema.fields.find((f) => f.name === name)?.optional ?? false;
}

function fieldNames(entity: EntityInfo): string[] {
  return entity.rowType.kind === "object" && entity.rowType.fields ? [...entity.rowType.fields.keys()] : [];
}

/**
 * A shaped SELECT (columns, aggregates, DISTINCT, GROUP_BY, WITH TOTAL, AFTER) is written by one
 * statement writer and a select reading related rows (nested selections, counts, conditions and
 * orders through relations) by another; a query needing both is refused (KV2123) rather than
 * answered half right.
 */
export function refuseShapedRelations(ctx: CheckContext, inEntity: CheckContext, query: SelectQuery): void {
  const entity = inEntity.entity;
  // Filters through relations (`WHERE author.name = …`, `EXISTS comments(…)`) choose rows before
  // any shaping, so every shaped SELECT takes them. Related rows in the result and orders through a
  // reference need one row per entity row: a plain list, a page WITH TOTAL (orders also in AFTER
  // pages' keys are the entity's own), not groups, aggregates or DISTINCT rows.
  const aggregated = (query.columns ?? []).some((c) => containsAggregate(c.value));
  const plain = query.groupBy === null && query.having === null && !query.distinct && !aggregated;
  const first = selectRelations(ctx.model, query)[0];
  let found: { span: Expression["span"]; what: string } | undefined =
    first && !plain ? { span: first.span, what: first.count ? `COUNT(${first.relation.name})` : `${first.relation.name} { … }` } : undefined;
  const through = query.orderBy?.items.find((item) => item.via.length > 0 && !(entity && namesJsonField(entity, item.via[0].name)));
  if (!found && through && (!plain || query.after !== null)) found = { span: through.span, what: "an ORDER_BY through a reference" };
  if (!found) return;
  const clause = query.groupBy ? "GROUP_BY" : query.having ? "HAVING" : query.distinct ? "DISTINCT" : aggregated ? "aggregates" : "AFTER";
  ctx.diagnostics.report("ShapedSelectWithRelations", found.span, `${found.what} reads related rows, which a SELECT with ${clause} cannot do yet`, {
    suggestion: "read the related rows in a separate query, or drop the grouping, DISTINCT and aggregates from this one",
  });
}
