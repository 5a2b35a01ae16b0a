import { isIdentifierField } from "@kova/query";
import { checkListCondition, checkListOrder } from "./list-fields.js";
import { checkJsonOrder, namesJsonField } from "./json-shapes.js";
import type { Condition, Expression, Identifier, Limit, Offset, OrderBy, Query } from "../ast/nodes.js";
import { report, resolve, type CheckContext } from "./context.js";
import { checkExpression } from "./expressions.js";
import { selectedView } from "./functions.js";
import { checkHistoryControl, publicRowType } from "./history-control.js";
import { refuseAuditWrite } from "./audit.js";
import { checkDeletedRows, refuseSoftDeleteWrite } from "./soft-delete.js";
import { checkTenantCaller, refuseTenantWrite } from "./tenant.js";
import { refuseIdentifierWrite, refuseVersionedIdentifierSave } from "./identifier.js";
import { refusePublicIdSave } from "./public-id.js";
import { isReadModel, refuseReadModelWrite } from "./read-models.js";
import { refuseAbstract } from "./extends.js";
import { checkShapedSelect, isShapedSelect, refuseShapedRelations } from "./aggregates.js";
import { constantValue } from "./fold.js";
import type { EntityInfo } from "./model.js";
import { checkRichOrder } from "./rich-fields.js";
import { checkRelationSelects, relationOf, relationsOf } from "./relations.js";
import {
  assignable,
  datetimeType,
  describe,
  intType,
  unknownType,
  type KovaType,
  type ShapeField,
} from "./types.js";

/** Checks a query against the declared entities and returns the type of its result. */
export function checkQuery(ctx: CheckContext, query: Query): KovaType {
  const entity = lookupEntity(ctx, query.entity);
  const inEntity: CheckContext = { ...ctx, entity: entity ?? null, entityUnresolved: entity === undefined, ambiguousNames: new Set() };
  // `*` and a write's result leave SECRET fields out; HISTORY/AS OF of what history does not keep is refused.
  const rows = entity ? publicRowType(entity) : unknownType;
  // `SELECT ViewName`: known before the history rules, which read the view's nested selections too.
  const view = query.kind === "SelectQuery" && !isShapedSelect(query) && entity ? selectedView(ctx, query, entity) : undefined;
  checkHistoryControl(ctx, query, entity);
  checkDeletedRows(ctx, query, entity);
  if (entity) checkTenantCaller(ctx, entity, query.span);
  refusePublicIdSave(ctx, query, entity);
  refuseVersionedIdentifierSave(ctx, query, entity);
  refuseReadModelWrite(ctx, query, entity);

  switch (query.kind) {
    case "SelectQuery": {
      if (query.asOf) checkAsOf(ctx, query.asOf);
      if (isShapedSelect(query)) {
        refuseShapedRelations(ctx, inEntity, query);
        // Orders through a reference are checked as in any SELECT; the others against the columns.
        const through = query.orderBy?.items.filter((item) => item.via.length > 0 && !(entity && namesJsonField(entity, item.via[0].name))) ?? [];
        checkFilters(ctx, inEntity, { ...query, orderBy: query.orderBy && through.length > 0 ? { ...query.orderBy, items: through } : null });
        const related = () =>
          checkRelationSelects(inEntity, entity!, query.relations, [], (target, select) =>
            checkFilters(ctx, { ...inEntity, entity: target, ambiguousNames: new Set() }, { where: select.where, orderBy: select.orderBy, limit: select.limit, offset: null }),
          );
        return entity ? checkShapedSelect(ctx, inEntity, query, entity, related) : unknownType;
      }
      let rowType = rows;
      // A view's nested selections were checked once with the view (checkView) and are in its row type;
      // related selections beside a view are refused (KV2343, selectedView); a plain SELECT's are checked here.
      if (view) rowType = view.rowType;
      else if (query.fields && entity) {
        const fields = new Map<string, ShapeField>();
        for (const f of query.fields) {
          const type = fieldOf(inEntity, entity, f);
          if (type) fields.set(f.name, { type, optional: false });
        }
        // The row's own id: the integer key, or the UUID of a PUBLIC ID entity (checker/public-id.ts).
        if (!isReadModel(entity)) fields.set("id", (entity.rowType as { fields: Map<string, ShapeField> }).fields.get("id") ?? { type: intType, optional: false });
        rowType = { kind: "object", fields, entity: entity.decl.name.name };
      }
      if (query.relations.length > 0 && entity && !view) {
        const nested = checkRelationSelects(inEntity, entity, query.relations, [], (target, select) =>
          checkFilters(ctx, { ...inEntity, entity: target, ambiguousNames: new Set() }, { where: select.where, orderBy: select.orderBy, limit: select.limit, offset: null }),
        );
        const own = rowType.kind === "object" && rowType.fields ? rowType.fields : new Map<string, ShapeField>();
        for (const [name] of nested) {
          if (own.has(name)) ctx.diagnostics.report("DuplicateField", query.span, `the result has two values named '${name}'`, { suggestion: `name one with AS, as in COUNT(${name}) AS ${name}_total` });
        }
        rowType = { kind: "object", fields: new Map([...own, ...nested]), entity: entity.decl.name.name };
      }
      checkFilters(ctx, inEntity, query);
      if (query.where && entity && pinsOneRow(entity, query.where)) {
        ctx.model.singleRow.add(query);
        return rowType;
      }
      return { kind: "array", element: rowType };
    }
    case "HistoryQuery": {
      refuseRelations(inEntity, query.where, "HISTORY");
      checkFilters(ctx, inEntity, query, ["version", "at"]);
      return { kind: "array", element: historyEntryType(rows) };
    }
    case "InsertQuery":
      checkWriteValue(ctx, entity, query.value, true);
      return rows;
    case "SaveQuery":
      checkWriteValue(ctx, entity, query.value, false);
      return rows;
    case "UpdateQuery": {
      if (Array.isArray(query.set)) {
        for (const assignment of query.set) {
          if (entity && (refuseAuditWrite(ctx, entity, assignment.field) || refuseSoftDeleteWrite(ctx, entity, assignment.field) || refuseTenantWrite(ctx, entity, assignment.field) || refuseIdentifierWrite(ctx, entity, assignment.field))) continue;
          const target = entity ? fieldOf(inEntity, entity, assignment.field, true) : undefined;
          const value = checkExpression(inEntity, assignment.value);
          if (target && !assignable(value, target)) {
            ctx.diagnostics.report("TypeMismatch", assignment.value.span, `field '${assignment.field.name}' is ${describe(target)}, not ${describe(value)}`);
          }
        }
      } else {
        checkWriteValue(ctx, entity, query.set, false);
      }
      refuseRelations(inEntity, query.where, "UPDATE");
      if (query.where) checkCondition(inEntity, query.where);
      return singleOrList(ctx, query, entity, query.where, rows);
    }
    case "RestoreQuery":
      refuseRelations(inEntity, query.where, "RESTORE");
      if (query.where) checkCondition(inEntity, query.where);
      return singleOrList(ctx, query, entity, query.where, rows);
    case "DeleteQuery":
      refuseRelations(inEntity, query.where, "DELETE");
      if (query.where) checkCondition(inEntity, query.where);
      return singleOrList(ctx, query, entity, query.where, rows);
  }
}

function singleOrList(ctx: CheckContext, query: Query, entity: EntityInfo | undefined, where: Condition | null, rows: KovaType): KovaType {
  if (entity && where && pinsOneRow(entity, where)) {
    ctx.model.singleRow.add(query);
    return rows;
  }
  return { kind: "array", element: rows };
}

function lookupEntity(ctx: CheckContext, name: Identifier): EntityInfo | undefined {
  if (name.name === "") return undefined;
  const entity = ctx.model.entities.get(name.name);
  if (entity) {
    resolve(ctx, name, entity.decl);
    return entity;
  }
  if (refuseAbstract(ctx, name)) return undefined;
  const shape = ctx.model.validators.has(name.name) ? ` (${name.name} is a VALIDATE shape, not an ENTITY)` : "";
  report(ctx, "UnknownEntity", name.span, `no entity named '${name.name}'${shape}`, ctx.model.entities.keys(), name.name);
  return undefined;
}

/** A field named in a query (SELECT list, ORDER_BY, SET). */
function fieldOf(ctx: CheckContext, entity: EntityInfo, name: Identifier, forWrite = false, extra: string[] = []): KovaType | undefined {
  if (name.name === "") return undefined;
  if (forWrite && name.name === "id") {
    ctx.diagnostics.report("ReservedField", name.span, "the id is assigned by the store and cannot be set", { suggestion: "choose the row with WHERE id = … instead" });
    return undefined;
  }
  if (extra.includes(name.name)) return unknownType;
  const type = entity.rowType.kind === "object" ? entity.rowType.fields?.get(name.name)?.type : undefined;
  if (type) {
    const decl = entity.decl.fields.find((f) => f.name.name === name.name);
    resolve(ctx, name, decl ?? entity.decl);
    return type;
  }
  const fields = entity.rowType.kind === "object" && entity.rowType.fields ? [...entity.rowType.fields.keys()] : [];
  report(ctx, "UnknownField", name.span, `entity ${entity.decl.name.name} has no field '${name.name}'`, [...fields, ...extra], name.name);
  return undefined;
}

function checkFilters(
  outer: CheckContext,
  inEntity: CheckContext,
  query: { where: Condition | null; orderBy: OrderBy | null; limit: Limit | null; offset: Offset | null },
  extraOrderFields: string[] = [],
): void {
  if (query.where) checkCondition(inEntity, query.where);
  if (query.orderBy && inEntity.entity) {
    checkListOrder(inEntity, inEntity.entity, query.orderBy);
    let choices = 0;
    for (const item of query.orderBy.items) {
      if (item.via.length === 0) for (const name of item.choice ? item.choice.fields : [item.field]) checkRichOrder(inEntity, inEntity.entity, name, "ORDER_BY");
      if (item.choice === null) {
        if (item.via.length > 0 && checkJsonOrder(inEntity, inEntity.entity, item.via, item.field)) continue;
        if (item.via.length > 0) orderThrough(inEntity, inEntity.entity, item.via, item.field);
        else fieldOf(inEntity, inEntity.entity, item.field, false, extraOrderFields);
        continue;
      }
      // The value is the request's (like LIMIT); the listed names are fields of the entity.
      const type = checkExpression(outer, item.choice.value);
      if (type.kind !== "string" && type.kind !== "unknown") {
        outer.diagnostics.report("TypeMismatch", item.choice.value.span, `the sort field is chosen by text naming it, not ${describe(type)}`);
      }
      for (const name of item.choice.fields) fieldOf(inEntity, inEntity.entity, name, false, extraOrderFields);
      if (++choices === 2) {
        outer.diagnostics.report("InvalidOrderChoice", item.choice.span, "one ORDER_BY may let the request choose one field, not several", {
          suggestion: "choose the first field from the request and make the others fixed, e.g. ORDER_BY $query.sort IN [title, year], id",
        });
      }
    }
  }
  // LIMIT and OFFSET are about the request, not the rows: they see variables and $params, not fields.
  for (const [clause, name] of [[query.limit, "LIMIT"], [query.offset, "OFFSET"]] as const) {
    if (!clause) continue;
    const type = checkExpression(outer, clause.count);
    const constant = constantValue(clause.count);
    if (constant !== undefined) {
      const v = constant.value;
      if (typeof v !== "number" || !Number.isInteger(v) || v < 0) {
        outer.diagnostics.report("InvalidLimit", clause.count.span, `${name} must be a whole number ≥ 0, not ${JSON.stringify(v)}`);
      }
    } else if (type.kind !== "number" && type.kind !== "unknown") {
      outer.diagnostics.report("InvalidLimit", clause.count.span, `${name} must be a number, not a ${describe(type)}`);
    }
  }
}

export function checkCondition(outer: CheckContext, condition: Condition): void {
  // An aggregate in a WHERE is an error that points to HAVING.
  const ctx: CheckContext = { ...outer, aggregates: outer.entity ? "where" : outer.aggregates };
  const type = checkExpression(ctx, condition.expression);
  if (ctx.entity) checkFilterShape(ctx, ctx.entity, condition.expression);
  if (type.kind !== "boolean" && type.kind !== "unknown" && type.kind !== "null") {
    ctx.diagnostics.report("TypeMismatch", condition.span, `a condition must be true or false, but this is a ${describe(type)}`, {
      suggestion: "compare it, as in count > 0",
    });
  }
}

/** `AS OF` takes an ISO-8601 timestamp or epoch milliseconds. */
function checkAsOf(ctx: CheckContext, expr: Expression): void {
  const type = checkExpression(ctx, expr);
  const constant = constantValue(expr);
  if (constant !== undefined) {
    const v = constant.value;
    const ok = (typeof v === "number" && Number.isFinite(v)) || (typeof v === "string" && isTimestamp(v));
    if (!ok) {
      ctx.diagnostics.report("InvalidTimestamp", expr.span, `AS OF needs a timestamp, and ${JSON.stringify(v)} is not one`, {
        suggestion: 'write an ISO-8601 time such as "2026-01-31T12:00:00Z", or epoch milliseconds',
      });
    }
    return;
  }
  if (type.kind !== "unknown" && type.kind !== "string" && type.kind !== "datetime" && type.kind !== "number") {
    ctx.diagnostics.report("InvalidTimestamp", expr.span, `AS OF needs a timestamp, not a ${describe(type)}`);
  }
}

export function isTimestamp(text: string): boolean {
  return /^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/.test(text) && !Number.isNaN(Date.parse(text));
}

/** INSERT / SAVE / UPDATE … SET value: keys must be fields, values must fit them. */
function checkWriteValue(ctx: CheckContext, entity: EntityInfo | undefined, value: Expression, requireAll: boolean): void {
  const type = checkExpression(ctx, value);
  if (!entity) return;
  const entityName = entity.decl.name.name;
  const columns = entity.rowType.kind === "object" && entity.rowType.fields ? entity.rowType.fields : new Map<string, ShapeField>();
  if (value.kind === "Object") {
    for (const entry of value.entries) {
      if (entry.kind === "Spread") {
        checkSpreadFields(ctx, entry.argument, columns, entityName);
        continue;
      }
      if (entry.kind === "Removal") continue; // `{ ...$body, -id }`: takes a field away, writes none
      const key = entry.key;
      if (key.name === "id") {
        if (requireAll) ctx.diagnostics.report("ReservedField", key.span, "the id is assigned by the store and cannot be set", { suggestion: "leave id out" });
        continue;
      }
      if (refuseAuditWrite(ctx, entity, key) || refuseSoftDeleteWrite(ctx, entity, key) || refuseTenantWrite(ctx, entity, key) || refuseIdentifierWrite(ctx, entity, key)) continue;
      const column = columns.get(key.name);
      if (!column) {
        report(ctx, "UnknownField", key.span, `entity ${entityName} has no field '${key.name}'`, columns.keys(), key.name);
        continue;
      }
      const decl = entity.decl.fields.find((f) => f.name.name === key.name);
      if (decl) resolve(ctx, key, decl);
      const valueType = ctx.model.types.get(entry.value) ?? unknownType;
      if (!assignable(valueType, column.type)) {
        ctx.diagnostics.report("TypeMismatch", entry.value.span, `field '${key.name}' of ${entityName} is ${describe(column.type)}, not ${describe(valueType)}`);
      }
    }
  } else if (type.kind === "object" && type.fields && type.shape) {
    for (const name of type.fields.keys()) {
      if (name !== "id" && !columns.has(name)) {
        report(ctx, "UnknownField", value.span, `field '${name}' of shape ${type.shape} is not a field of entity ${entityName}`, columns.keys(), name);
      }
    }
  } else if (type.kind !== "object" && type.kind !== "unknown") {
    ctx.diagnostics.report("TypeMismatch", value.span, `a row to write must be an object, not a ${describe(type)}`);
    return;
  }
  if (!requireAll || type.kind !== "object" || !type.fields) return;
  // A TENANT BY entity's tenant_id is stamped by every insert, never given (checker/tenant.ts).
  const missing = entity.schema.fields.filter((f) => !f.optional && f.default === undefined && f.computed === undefined && f.tenant === undefined && !type.fields!.has(f.name));
  if (missing.length > 0) {
    const names = missing.map((f) => `'${f.name}'`).join(", ");
    ctx.diagnostics.report("TypeMismatch", value.span, `INSERT INTO ${entityName} is missing required field${missing.length > 1 ? "s" : ""} ${names}`, {
      suggestion: "give every field that is not optional (?) and has no DEFAULT",
    });
  }
}

/**
 * `{ ...$body, id: $id }`: every field the spread brings must be a field of the entity, or the
 * store refuses the row at run time ("unknown field"). Only a spread whose fields are known (a
 * VALIDATE shape, a row, an object literal) can be checked; an open one (`$query`) is left alone.
 */
function checkSpreadFields(ctx: CheckContext, argument: Expression, columns: ReadonlyMap<string, ShapeField>, entityName: string): void {
  const type = ctx.model.types.get(argument);
  if (type?.kind !== "object" || !type.fields) return;
  const extra = [...type.fields.keys()].filter((name) => name !== "id" && !columns.has(name));
  if (extra.length === 0) return;
  const names = extra.map((n) => `'${n}'`).join(", ");
  const what = type.shape ? `shape ${type.shape}` : type.entity ? `a ${type.entity} row` : "this object";
  const source = argument.kind === "Param" ? `$${argument.name}` : "value";
  const example = [...columns.keys()].filter((c) => c !== "id").slice(0, 2).map((c) => `${c}: ${source}.${c}`).join(", ");
  ctx.diagnostics.report("UnknownField", argument.span, `the spread writes ${what}'s field${extra.length > 1 ? "s" : ""} ${names}, which entity ${entityName} does not have`, {
    suggestion: `name the fields to write instead of spreading (as in { ${example} }), or add ${names} to ENTITY ${entityName}`,
  });
}

/**
 * Does the WHERE pin one row: `id = x` or `<unique field> = x`, alone or ANDed with more? An
 * identifier is unique (per tenant on a TENANT BY entity, whose every query is the tenant's).
 */
function pinsOneRow(entity: EntityInfo, where: Condition): boolean {
  const unique = new Set(["id", ...entity.schema.fields.filter((f) => f.unique || isIdentifierField(f)).map((f) => f.name)]);
  const conjuncts: Expression[] = [];
  const collect = (e: Expression) => {
    if (e.kind === "Binary" && e.operator === "AND") {
      collect(e.left);
      collect(e.right);
    } else {
      conjuncts.push(e);
    }
  };
  collect(where.expression);
  return conjuncts.some(
    (e) =>
      e.kind === "Binary" &&
      e.operator === "==" &&
      ((e.left.kind === "Name" && unique.has(e.left.name) && !mentionsField(e.right, entity)) ||
        (e.right.kind === "Name" && unique.has(e.right.name) && !mentionsField(e.left, entity))),
  );
}

function mentionsField(e: Expression, entity: EntityInfo): boolean {
  if (e.kind === "Name") return e.name === "id" || entity.schema.fields.some((f) => f.name === e.name);
  if (e.kind === "Binary") return mentionsField(e.left, entity) || mentionsField(e.right, entity);
  if (e.kind === "Unary") return mentionsField(e.operand, entity);
  return false;
}

function historyEntryType(row: KovaType): KovaType {
  return {
    kind: "object",
    fields: new Map<string, ShapeField>([
      ["version", { type: intType, optional: false }],
      ["operation", { type: { kind: "string", enumValues: ["insert", "update", "delete"] }, optional: false }],
      ["at", { type: datetimeType, optional: false }],
      ["data", { type: row, optional: false }],
    ]),
    shape: "history entry",
  };
}


/**
 * A WHERE is compiled into the database's own condition, so fields may only be compared, tested
 * for null or used as booleans; any other computation must be on values (`age > $query.min + 1`
 * is fine, `age + 1 > 5` is not).
 */
function checkFilterShape(ctx: CheckContext, entity: EntityInfo, e: Expression): void {
  const isField = (x: Expression) => (x.kind === "Name" && entityHasField(entity, x.name)) || (x.kind === "Member" && isRelatedPath(ctx, entity, x)) || jsonPathOf(entity, x) !== undefined;
  const fieldFree = (x: Expression) => !mentionsFieldDeep(x, entity);
  const logical = (e.kind === "Binary" && (e.operator === "AND" || e.operator === "OR")) || (e.kind === "Unary" && e.operator === "NOT");
  if (!logical && checkListCondition(ctx, entity, e, (x) => !fieldFree(x))) return;
  const fail = (x: Expression) =>
    ctx.diagnostics.report("UnsupportedCondition", x.span, "a WHERE can compare fields with values, but not compute with fields", {
      suggestion: unsupportedConditionHelp(ctx, entity, x),
    });
  switch (e.kind) {
    case "Binary":
      if (e.operator === "AND" || e.operator === "OR") {
        checkFilterShape(ctx, entity, e.left);
        checkFilterShape(ctx, entity, e.right);
      } else if (["==", "!=", "<", "<=", ">", ">=", "IN", "LIKE"].includes(e.operator)) {
        for (const side of [e.left, e.right]) if (!isField(side) && !fieldFree(side)) fail(side);
        if (["<", "<=", ">", ">="].includes(e.operator)) for (const side of [e.left, e.right]) checkRichOrder(ctx, entity, side, `'${e.operator}'`);
      } else if (!fieldFree(e)) {
        fail(e);
      }
      return;
    case "Unary":
      if (e.operator === "NOT") checkFilterShape(ctx, entity, e.operand);
      else if (!fieldFree(e)) fail(e);
      return;
    case "IsNull":
      if (!isField(e.operand) && !fieldFree(e.operand)) fail(e.operand);
      return;
    case "Between":
      for (const side of [e.operand, e.low, e.high]) if (!isField(side) && !fieldFree(side)) fail(side);
      checkRichOrder(ctx, entity, e.operand, "BETWEEN");
      return;
    default:
      if (!isField(e) && !fieldFree(e)) fail(e);
  }
}

/** KV3010's help names what the condition does with the field: arithmetic, a member read, a call. */
function unsupportedConditionHelp(ctx: CheckContext, entity: EntityInfo, x: Expression): string {
  if (x.kind === "Binary" && ["+", "-", "*", "/", "%"].includes(x.operator)) {
    return "move the arithmetic to the value side, as in age > $query.min - 1";
  }
  if (x.kind === "Member" && x.object.kind === "Name" && entityHasField(entity, x.object.name)) {
    const name = x.object.name;
    const shadowed = ctx.scope?.lookup(name) !== undefined;
    return shadowed
      ? `in a query '${name}' is the field ${entity.decl.name.name}.${name}, not the variable '${name}': rename the variable and write ${"`"}${name} = renamed.${x.property.name}${"`"}`
      : `a WHERE compares the field '${name}' itself, not a part of it: compare ${name} with a value`;
  }
  if (x.kind === "Call") return `a WHERE cannot call ${x.callee.name}() on a field; call it on the value side, or store the computed value in a field of its own`;
  return "compare the field itself with a value, and compute on the value side";
}

/** `author.name` (a reference followed to a field), without reporting anything. */
export function isRelatedPath(ctx: CheckContext, entity: EntityInfo, x: Expression & { kind: "Member" }): boolean {
  let root: Expression = x;
  while (root.kind === "Member") root = root.object;
  return root.kind === "Name" && relationsOf(ctx, entity).get(root.name)?.step.kind === "one";
}

/** `ORDER_BY author.name`: each step a reference (one row), then a field of the last entity. */
function orderThrough(ctx: CheckContext, entity: EntityInfo, via: Identifier[], field: Identifier): void {
  let current = entity;
  for (const step of via) {
    const related = relationOf(ctx, current, step);
    if (!related) return;
    if (related.step.kind !== "one") {
      ctx.diagnostics.report("RelationShape", step.span, `'${step.name}' is a list of ${related.target.decl.name.name} rows: rows cannot be ordered by a field of many others`, {
        suggestion: `order by a count instead (COUNT(${step.name}) in the SELECT), or by a field of a reference`,
      });
      return;
    }
    current = related.target;
  }
  fieldOf(ctx, current, field);
}

/** Only a SELECT reads related rows: a WHERE of UPDATE, DELETE or HISTORY that follows a relation is KV9010. */
function refuseRelations(ctx: CheckContext, where: Condition | null, what: string): void {
  const entity = ctx.entity;
  if (!where || !entity) return;
  const visit = (e: Expression): void => {
    if (e.kind === "Exists" || (e.kind === "Member" && isRelatedPath(ctx, entity, e))) {
      ctx.diagnostics.report("RelationOutsideSelect", e.span, `${what} cannot test related rows yet: only a SELECT reads them`, {
        suggestion: `find the row with a SELECT first (row = SELECT id FROM ${entity.decl.name.name} WHERE …), then ${what} it by its id`,
      });
      return;
    }
    if (e.kind === "Binary") {
      visit(e.left);
      visit(e.right);
    } else if (e.kind === "Unary" || e.kind === "IsNull") {
      visit(e.operand);
    }
  };
  visit(where.expression);
}

/**
 * `meta.kind`, `meta.size.w`: a path into a `json` field, which the database reads (null when a key
 * is missing). Undefined for anything else.
 */
export function jsonPathOf(entity: EntityInfo, e: Expression): { field: string; path: string[] } | undefined {
  const path: string[] = [];
  let at = e;
  while (at.kind === "Member") {
    if (at.property.name === "") return undefined;
    path.unshift(at.property.name);
    at = at.object;
  }
  if (at.kind !== "Name" || path.length === 0) return undefined;
  const field = entity.schema.fields.find((f) => f.name === at.name);
  // A list field is json-typed too, but has elements, not sub-fields.
  return field?.type === "json" && field.items === undefined ? { field: field.name, path } : undefined;
}

function entityHasField(entity: EntityInfo, name: string): boolean {
  return name === "id" || entity.schema.fields.some((f) => f.name === name);
}

function mentionsFieldDeep(e: Expression, entity: EntityInfo): boolean {
  switch (e.kind) {
    case "Name":
      return entityHasField(entity, e.name);
    case "Binary":
      return mentionsFieldDeep(e.left, entity) || mentionsFieldDeep(e.right, entity);
    case "Unary":
    case "IsNull":
      return mentionsFieldDeep(e.operand, entity);
    case "Between":
      return [e.operand, e.low, e.high].some((x) => mentionsFieldDeep(x, entity));
    case "Conditional":
      return [e.test, e.then, e.otherwise].some((x) => mentionsFieldDeep(x, entity));
    case "Has":
      return mentionsFieldDeep(e.target, entity);
    case "Member":
      return mentionsFieldDeep(e.object, entity);
    case "Index":
      return mentionsFieldDeep(e.object, entity) || mentionsFieldDeep(e.index, entity);
    case "Call":
      return e.args.some((a) => mentionsFieldDeep(a, entity));
    case "Template":
      return e.parts.some((p) => mentionsFieldDeep(p, entity));
    case "Array":
      return e.elements.some((x) => mentionsFieldDeep(x.kind === "Spread" ? x.argument : x, entity));
    case "Object":
      return e.entries.some((x) => x.kind !== "Removal" && mentionsFieldDeep(x.kind === "Spread" ? x.argument : x.value, entity));
    default:
      return false;
  }
}
