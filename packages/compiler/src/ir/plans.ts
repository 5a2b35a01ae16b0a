import type { AggregateFn, EntitySchema, Filter, NestedSelection, Operand, OrderTerm, QueryPlan, RelationStep, RichTypeRef, ScalarType, WriteValues } from "@kova/query";
import { rewriteIdentifier, rewritePublicId, starFields } from "@kova/query";
import { publicIdInput } from "../checker/public-id.js";
import type { Condition, Expression, Limit, Offset, OrderBy, Query, RelationSelect, Span } from "../ast/nodes.js";
import { constantValue } from "../checker/fold.js";
import { jsonPathOf } from "../checker/queries.js";
import { containsCall, inListField } from "../checker/list-fields.js";
import { isNumericPath } from "../checker/json-shapes.js";
import type { EntityInfo, SemanticModel } from "../checker/model.js";
import { selectRelations } from "../checker/view-relations.js";
import { softDeletePlan } from "./soft-delete.js";
import { scopePlanToTenant } from "./tenant.js";

/**
 * A value the handler computes and passes to the query: the expression, and how to coerce it
 * (request query strings arrive as text; an int field compared with `$query.min` needs a number).
 */
export interface PlanArg {
  expression: Expression;
  coerce: ScalarType | "count" | null;
  /** Names the value in a 400 response when coercion fails, e.g. "query parameter min_age". */
  label: string;
  /** The right side of IN: a list whose elements have the `coerce` type. */
  list: boolean;
  /** The pattern of a LIKE: a request value in it is escaped (see HandlerLowering.likePattern). */
  likePattern?: boolean;
  /** Compared with a rich field (email, phone, …): put in that type's canonical form first. */
  canonical?: RichTypeRef;
}

export interface PlannedQuery {
  plan: QueryPlan;
  args: PlanArg[];
  entity: EntityInfo;
}

/**
/**
 * `AUTH owner(author)`: every query that filters rows of an entity with this field (SELECT, HISTORY,
 * UPDATE, DELETE) also requires `field = value` (`$auth.sub`), in the statement itself — so a
 * row another caller owns is never read or changed, whatever the handler's own WHERE says.
 */
export interface OwnerGuard {
  field: string;
  value: Expression;
}

/** `$auth.sub`, the caller an AUDIT entity's writes are stamped with (null when anonymous). */
export function callerSub(span: Span): Expression {
  return { kind: "Member", span, object: { kind: "Param", span, name: "auth" }, property: { kind: "Identifier", span, name: "sub" }, optional: false };
}

/**
 * Turns a checked query into a dialect-neutral plan plus the argument expressions it needs. For an
 * ORDER_BY whose field the request chooses (`$query.sort IN [title, year]`), `chosen` is the field
 * this plan sorts by (one plan per listed field); by default the first.
 */
export function planQuery(query: Query, model: SemanticModel, owner: OwnerGuard | null = null, chosen?: string, caller: Expression | null = null): PlannedQuery {
  const entity = model.entities.get(query.entity.name);
  if (!entity) throw new Error(`internal: unchecked query on unknown entity ${query.entity.name}`);
  const planner = new Planner(entity, model, [], chosen, owner);
  // SOFT DELETE (ir/soft-delete.ts): a DELETE becomes a stamping update (audited below like any), reads hide deleted rows.
  const plan = softDeletePlan(planner.plan(query), query, model, () => (caller === null ? { kind: "literal", value: null } : planner.callerArg(caller)));
  // The one rewrite AUDIT needs (checker/audit.ts): every write of an audited entity carries the
  // caller, and every driver's record codec stamps the audit fields from it.
  if ((plan.kind === "insert" || plan.kind === "save" || plan.kind === "update") && entity.decl.audit) {
    plan.values = { ...plan.values, audit: { by: caller === null ? { kind: "literal", value: null } : planner.callerArg(caller) } };
  }
  // TENANT BY (ir/tenant.ts): every plan touching a tenant entity is scoped to the caller's tenant.
  const scoped = scopePlanToTenant(plan, model, planner.args, query.span);
  // PUBLIC ID (checker/public-id.ts): `id` means the public id, and the runtime answers it as `id`.
  // IDENTIFIER (checker/identifier.ts): writes ignore a client's identifier, inserts make it.
  const schemaOf = (name: string) => model.entities.get(name)?.schema;
  return { plan: readModelRows(rewriteIdentifier(rewritePublicId(scoped, schemaOf), schemaOf), entity.schema), args: planner.args, entity };
}

/**
 * READ MODEL (checker/read-models.ts): a row is its group's key and aggregates, with no id (the
 * stored row's id is renewed whenever its group is recomputed), so a SELECT of one reads exactly
 * the columns it names (all of them for `*`), as a shaped SELECT does.
 */
function readModelRows(plan: QueryPlan, schema: EntitySchema): QueryPlan {
  if (plan.kind !== "select" || schema.readModel === undefined || plan.shape !== undefined || plan.single) return plan;
  const fields = plan.fields ?? schema.fields.map((f) => f.name);
  return { ...plan, shape: { columns: fields.map((name) => ({ name, value: { kind: "field", field: name } })), distinct: false, groupBy: [], having: null, result: "rows" } };
}

/**
 * A VIEW's nested items as the nested selections a `SELECT View FROM …` plans (no WHERE, ORDER_BY or
 * LIMIT, so no arguments): the IR keeps them on the view for the response schemas of its rows.
 */
export function planViewRelations(entity: EntityInfo, relations: readonly RelationSelect[], model: SemanticModel): NestedSelection[] {
  const planner = new Planner(entity, model);
  return relations.map((r) => planner.nestedSelection(r));
}

class Planner {
  constructor(
    private readonly entity: EntityInfo,
    private readonly model: SemanticModel,
    /** Shared with the planners of related entities: one query, one argument list. */
    readonly args: PlanArg[] = [],
    private readonly chosen?: string,
    private readonly owner: OwnerGuard | null = null,
  ) {}

  /** The caller's `$auth.sub` as an argument of the write (an AUDIT entity's created_by/updated_by). */
  callerArg(caller: Expression): Operand {
    return this.value(caller, null, "the caller's sub claim");
  }

  /** The planner of a related entity's conditions, writing into the same argument list. */
  private related(name: string): { planner: Planner; step: RelationStep } {
    const step = relationStep(this.entity, name);
    const target = this.model.entities.get(step.entity);
    if (!target) throw new Error(`internal: relation ${name} leads to unknown entity ${step.entity}`);
    return { planner: new Planner(target, this.model, this.args), step };
  }

  nestedSelection(select: RelationSelect): NestedSelection {
    return this.nested(select);
  }

  private nested(select: RelationSelect): NestedSelection {
    const { planner, step } = this.related(select.relation.name);
    const shape = select.count ? "count" : step.kind === "one" ? "object" : "list";
    return {
      name: select.alias?.name ?? (select.count ? `${select.relation.name}_count` : select.relation.name),
      relation: step,
      shape,
      fields: select.count ? [] : select.fields ? select.fields.map((f) => f.name) : starFields(planner.entity.schema),
      nested: (select.relations ?? []).map((r) => planner.nested(r)),
      where: planner.where(select.where),
      orderBy: planner.orderBy(select.orderBy),
      limit: planner.count(select.limit, "LIMIT"),
    };
  }

  /** `author.name` → the Name `name` within the related row, and the steps that lead there. */
  private relatedMember(e: Expression): string | undefined {
    if (e.kind !== "Member") return undefined;
    let root: Expression = e;
    while (root.kind === "Member") root = root.object;
    if (root.kind !== "Name") return undefined;
    const field = this.entity.schema.fields.find((f) => f.name === (root as { name: string }).name);
    return field?.references !== undefined ? field.name : undefined;
  }

  /** A comparison (or IN, LIKE, IS NULL, a boolean) whose field is a related row's: EXISTS that row with the condition. */
  private throughRelation(e: Expression): Filter | undefined {
    const sides = e.kind === "Binary" ? [e.left, e.right] : e.kind === "IsNull" ? [e.operand] : [e];
    const index = sides.findIndex((side) => this.relatedMember(side) !== undefined);
    if (index < 0) return undefined;
    const member = sides[index] as Expression & { kind: "Member" };
    const { planner, step } = this.related(this.relatedMember(member)!);
    const inner = stripFirst(member);
    const rewritten: Expression =
      e.kind === "Binary" ? { ...e, [index === 0 ? "left" : "right"]: inner } : e.kind === "IsNull" ? { ...e, operand: inner } : inner;
    // `author.bio IS NULL` also holds for a post without an author: IS NULL is about the value.
    const related: Filter = { kind: "related", relation: step, filter: planner.filter(rewritten) };
    if (e.kind === "IsNull" && !e.negated) return { kind: "or", items: [{ kind: "isNull", operand: { kind: "field", field: step.field }, negated: false }, related] };
    return related;
  }

  plan(query: Query): QueryPlan {
    const entity = this.entity.schema.name;
    const single = this.model.singleRow.has(query);
    switch (query.kind) {
      case "SelectQuery": {
        const shaped = this.model.selectShapes.get(query);
        // The columns' values come first: their arguments are numbered before the WHERE's.
        const columns = shaped?.columns.map((c) => ({ name: c.name, value: this.column(c.value) }));
        // Its own nested selections and, for `SELECT ViewName`, the view's (checker/view-relations.ts).
        const relations = selectRelations(this.model, query);
        return {
          kind: "select",
          entity,
          fields: this.selectedFields(query),
          ...(relations.length > 0 ? { nested: relations.map((r) => this.nested(r)) } : {}),
          ...(shaped && columns
            ? { shape: { columns, distinct: query.distinct, groupBy: shaped.groupBy, having: query.having ? this.filter(query.having.expression) : null, result: shaped.result, ...this.after(query) } }
            : {}),
          where: this.where(query.where),
          orderBy: this.orderBy(query.orderBy),
          limit: this.count(query.limit, "LIMIT"),
          offset: this.count(query.offset, "OFFSET"),
          asOf: query.asOf ? this.value(query.asOf, null, "AS OF") : null,
          single: shaped ? false : single,
        };
      }
      case "HistoryQuery":
        return {
          kind: "history",
          entity,
          where: this.where(query.where),
          orderBy: this.orderBy(query.orderBy),
          limit: this.count(query.limit, "LIMIT"),
          offset: this.count(query.offset, "OFFSET"),
        };
      case "InsertQuery":
        return { kind: "insert", entity, values: this.values(query.value) };
      case "SaveQuery":
        return { kind: "save", entity, values: this.values(query.value) };
      case "UpdateQuery":
        return {
          kind: "update",
          entity,
          values: Array.isArray(query.set)
            ? { kind: "fields", fields: query.set.map((a) => ({ field: a.field.name, value: this.setValue(a.value, this.fieldType(a.field.name), a.field.name) })) }
            : this.values(query.set),
          where: this.where(query.where),
          single,
        };
      case "DeleteQuery":
        return { kind: "delete", entity, where: this.where(query.where), single };
      case "RestoreQuery":
        // Clears deleted_at/deleted_by; the soft-delete rewrite keeps it to deleted records.
        return { kind: "update", entity, values: { kind: "fields", fields: [], softDelete: { action: "restore" } }, where: this.where(query.where), single };
    }
  }

  /** `SELECT a, b`, `SELECT *` (null), or `SELECT ViewName`: the VIEW's fields (the id too, as every SELECT). */
  private selectedFields(query: Extract<Query, { kind: "SelectQuery" }>): string[] | null {
    const view = this.model.selectViews.get(query);
    if (view !== undefined) return this.model.views.get(view)?.fields ?? [];
    // `*` leaves SECRET fields out (they are read only when named): @kova/query history-control.ts.
    return query.fields ? query.fields.map((f) => f.name) : starFields(this.entity.schema);
  }

  /** An object literal writes field by field (each value typed); anything else is one object argument. */
  private values(expr: Expression): WriteValues {
    if (expr.kind === "Object" && expr.entries.every((e) => e.kind === "Property")) {
      return {
        kind: "fields",
        fields: expr.entries.map((e) => {
          const p = e as Extract<typeof e, { kind: "Property" }>;
          return { field: p.key.name, value: this.value(p.value, null, p.key.name) };
        }),
      };
    }
    return { kind: "object", operand: this.value(expr, null, "body") };
  }

  private orderBy(orderBy: OrderBy | null): OrderTerm[] {
    if (!orderBy) return [];
    return orderBy.items.map((i) => {
      if (i.choice !== null && this.chosen !== undefined) return { field: this.chosen, direction: i.direction };
      if (!i.via || i.via.length === 0) return { field: i.field.name, direction: i.direction };
      const json = this.entity.schema.fields.find((f) => f.name === i.via[0].name && f.type === "json" && f.items === undefined);
      if (json !== undefined) {
        const path = [...i.via.slice(1).map((v) => v.name), i.field.name];
        return { field: json.name, path, as: isNumericPath(this.entity, json.name, path) ? ("number" as const) : ("text" as const), direction: i.direction };
      }
      const via: RelationStep[] = [];
      let entity = this.entity;
      for (const step of i.via) {
        const relation = relationStep(entity, step.name);
        via.push(relation);
        entity = this.model.entities.get(relation.entity)!;
      }
      return { field: i.field.name, direction: i.direction, via };
    });
  }

  private count(clause: Limit | Offset | null, label: string): Operand | null {
    if (!clause) return null;
    const named = labelOf(clause.count);
    return this.value(clause.count, "count", named === "value" ? label : named);
  }

  private where(condition: Condition | null): Filter | null {
    const filter = condition ? this.filter(condition.expression) : null;
    const owner = this.owner;
    if (owner === null || this.fieldType(owner.field) === null) return filter;
    const guard: Filter = { kind: "compare", op: "==", left: { kind: "field", field: owner.field }, right: this.value(owner.value, this.fieldType(owner.field), "the caller's sub claim") };
    if (filter === null) return guard;
    return { kind: "and", items: filter.kind === "and" ? [...filter.items, guard] : [filter, guard] };
  }

  private filter(e: Expression): Filter {
    if (e.kind === "Exists") {
      const { planner, step } = this.related(e.relation.name);
      return { kind: "related", relation: step, filter: e.condition ? planner.filter(e.condition) : null };
    }
    const list = containsCall(this.entity, e) ?? inListField(this.entity, e);
    if (list !== undefined) {
      const items = this.entity.schema.fields.find((f) => f.name === list.field)!.items!;
      return { kind: "contains", field: list.field, item: this.value(list.item, items, labelOf(list.item)) };
    }
    if (!(e.kind === "Binary" && (e.operator === "AND" || e.operator === "OR"))) {
      const through = this.throughRelation(e);
      if (through) return through;
    }
    if (e.kind === "Binary") {
      switch (e.operator) {
        case "AND":
        case "OR": {
          const kind = e.operator === "AND" ? "and" : "or";
          const items: Filter[] = [];
          for (const side of [e.left, e.right]) {
            const f = this.filter(side);
            if (f.kind === kind) items.push(...f.items);
            else items.push(f);
          }
          return { kind, items };
        }
        case "==":
        case "!=":
        case "<":
        case "<=":
        case ">":
        case ">=": {
          const [left, right] = this.pair(e.left, e.right);
          return { kind: "compare", op: e.operator, left, right };
        }
        case "IN": {
          const left = this.operand(e.left, null);
          const fieldType = this.readType(e.left);
          const right = this.value(e.right, null, `IN list`, fieldType);
          const rich = e.left.kind === "Name" ? this.entity.schema.fields.find((f) => f.name === (e.left as { name: string }).name)?.rich : undefined;
          if (right.kind === "arg" && rich !== undefined) this.args[right.index]!.canonical = rich;
          return { kind: "in", left, right };
        }
        case "LIKE": {
          const [left, right] = this.pair(e.left, e.right);
          if (right.kind === "arg") {
            this.args[right.index].likePattern = true;
            // A pattern is no value of the field's type: it is matched as written.
            delete this.args[right.index].canonical;
          }
          return { kind: "like", left, right };
        }
        default:
          break;
      }
    }
    if (e.kind === "Unary" && e.operator === "NOT") return { kind: "not", item: this.filter(e.operand) };
    if (e.kind === "Between") {
      // `x BETWEEN a AND b` is `x >= a AND x <= b` on every back end (bounds included).
      const [lowLeft, low] = this.pair(e.operand, e.low);
      const [highLeft, high] = this.pair(e.operand, e.high);
      const range: Filter = { kind: "and", items: [{ kind: "compare", op: ">=", left: lowLeft, right: low }, { kind: "compare", op: "<=", left: highLeft, right: high }] };
      return e.negated ? { kind: "not", item: range } : range;
    }
    if (e.kind === "IsNull") return { kind: "isNull", operand: this.operand(e.operand, null), negated: e.negated };
    // `WHERE meta.flag`: a json value is true when it is JSON true (compared as text, like every json path).
    if (jsonPathOf(this.entity, e)) return { kind: "compare", op: "==", left: this.operand(e, null), right: { kind: "literal", value: "true" } };
    return { kind: "truthy", operand: this.operand(e, "boolean") };
  }

  /** Both sides of a comparison; a value compared with a field is coerced to the field's type. */
  private pair(a: Expression, b: Expression): [Operand, Operand] {
    const aType = this.readType(a);
    const bType = this.readType(b);
    const pair: [Operand, Operand] = [this.operand(a, bType), this.operand(b, aType)];
    // A value compared with a rich field is compared in that field's canonical form, as stored.
    for (const [side, other] of [[pair[0], b], [pair[1], a]] as const) {
      const rich = other.kind === "Name" ? this.entity.schema.fields.find((f) => f.name === other.name)?.rich : undefined;
      if (side.kind === "arg" && rich !== undefined) this.args[side.index]!.canonical = rich;
    }
    return pair;
  }

  /** AFTER: the cursor argument and the keys it holds (the ORDER_BY, then the id). */
  private after(query: Extract<Query, { kind: "SelectQuery" }>): { after?: { cursor: Operand; keys: OrderTerm[]; label: string } } {
    if (query.after === null) return {};
    const keys = this.orderBy(query.orderBy);
    if (!keys.some((k) => k.field === "id")) keys.push({ field: "id", direction: "ASC" });
    const named = labelOf(query.after);
    const label = named.replace(/^(path|query) parameter |^header |^body field /, "");
    return { after: { cursor: this.value(query.after, null, named), keys, label } };
  }

  /**
   * A column of a shaped SELECT: a field, an aggregate, a value, or `+ - *` over them (`+` on text
   * is joined text), all computed by the database.
   */
  private column(e: Expression): Operand {
    const json = jsonPathOf(this.entity, e);
    if (json) return { kind: "jsonPath", field: json.field, path: json.path, as: "json" };
    if (e.kind === "Name" || e.kind === "Aggregate") return this.operand(e, null);
    if (e.kind === "Binary" && (e.operator === "+" || e.operator === "-" || e.operator === "*")) {
      if (e.operator === "+" && this.model.types.get(e)?.kind === "string") {
        const parts = [this.column(e.left), this.column(e.right)].flatMap((p) => (p.kind === "concat" ? p.parts : [p]));
        return { kind: "concat", parts };
      }
      return { kind: "arith", op: e.operator, left: this.column(e.left), right: this.column(e.right) };
    }
    if (e.kind === "Unary" && e.operator === "-" && constantValue(e) === undefined) {
      return { kind: "arith", op: "-", left: { kind: "literal", value: 0 }, right: this.column(e.operand) };
    }
    return this.value(e, null, labelOf(e));
  }

  private operand(e: Expression, coerce: ScalarType | null): Operand {
    if (e.kind === "Name" && this.fieldType(e.name) !== null) return { kind: "field", field: e.name };
    const json = jsonPathOf(this.entity, e);
    if (json) return { kind: "jsonPath", field: json.field, path: json.path, as: isNumericPath(this.entity, json.field, json.path) ? "number" : "text" };
    if (e.kind === "Aggregate") return { kind: "aggregate", fn: e.function.toLowerCase() as AggregateFn, field: e.field?.name ?? null, distinct: e.distinct };
    return this.value(e, coerce, labelOf(e));
  }

  /**
   * A SET value. One that reads the row (`hits + 1`, a bare name in SET being the field) is
   * computed by the database in the UPDATE itself, so concurrent updates never lose a write.
   */
  private setValue(e: Expression, coerce: ScalarType | null, label: string): Operand {
    if (!this.readsField(e)) return this.value(e, coerce, label);
    if (e.kind === "Name") return { kind: "field", field: e.name };
    if (e.kind === "Binary" && (e.operator === "+" || e.operator === "-" || e.operator === "*")) {
      return { kind: "arith", op: e.operator, left: this.setValue(e.left, coerce, label), right: this.setValue(e.right, coerce, label) };
    }
    throw new Error(`SET ${label} = …: a value computed from the row's fields may use + - * only`);
  }

  private readsField(e: Expression): boolean {
    if (e.kind === "Name") return this.fieldType(e.name) !== null && e.name !== "id";
    return e.kind === "Binary" && (this.readsField(e.left) || this.readsField(e.right));
  }

  /** A constant becomes a literal; anything else an argument computed by the handler. */
  private value(e: Expression, coerce: PlanArg["coerce"], label: string, elementType: ScalarType | null = null): Operand {
    const constant = constantValue(e);
    if (constant !== undefined) return { kind: "literal", value: constant.value };
    this.args.push({ expression: e, coerce: coerce ?? elementType, label, list: elementType !== null });
    return { kind: "arg", index: this.args.length - 1 };
  }

  /** The type of a field or an aggregate the database reads, so a value compared with it is converted to match. */
  private readType(e: Expression): ScalarType | null {
    if (e.kind === "Name") return this.fieldType(e.name);
    // A json sub-field is compared as text, so the value is sent as text (a number where the shape declares one).
    const json = jsonPathOf(this.entity, e);
    if (json) return isNumericPath(this.entity, json.field, json.path) ? "float" : "string";
    if (e.kind !== "Aggregate") return null;
    if (e.function === "COUNT") return "int";
    if (e.function === "AVG") return "float";
    return e.field === null ? null : this.fieldType(e.field.name);
  }

  private fieldType(name: string): ScalarType | null {
    // A PUBLIC ID entity's `id` is its UUID (checker/public-id.ts); the integer key otherwise.
    // A reference to a PUBLIC ID entity is written and compared as that entity's public id (a ULID is text).
    const publicId = publicIdInput(this.model, this.entity, name);
    if (publicId !== undefined) return publicId === "ulid" ? "string" : "uuid";
    if (name === "id") return "int";
    return this.entity.schema.fields.find((f) => f.name === name)?.type ?? null;
  }
}

/** The step a relation name takes from an entity: a reference field (one row) or an inverse relation (rows). */
function relationStep(entity: EntityInfo, name: string): RelationStep {
  const field = entity.schema.fields.find((f) => f.name === name);
  if (field?.references !== undefined) return { kind: "one", name, entity: field.references, field: field.name };
  const inverse = entity.schema.relations?.find((r) => r.name === name);
  if (inverse) return { kind: "many", name, entity: inverse.entity, field: inverse.by };
  throw new Error(`internal: ${entity.schema.name} has no relation ${name}`);
}

/** `author.team.name` → `team.name` (within the author), `author.name` → `name`. */
function stripFirst(member: Expression & { kind: "Member" }): Expression {
  if (member.object.kind === "Name") return { kind: "Name", span: member.property.span, name: member.property.name };
  return { ...member, object: stripFirst(member.object as Expression & { kind: "Member" }) };
}

/** How a 400 response names a value that failed coercion. */
function labelOf(e: Expression): string {
  if (e.kind === "Param") return `path parameter ${e.name}`;
  if (e.kind === "Member" && e.object.kind === "Param") {
    const part = e.object.name === "query" ? "query parameter" : e.object.name === "headers" ? "header" : e.object.name === "cookies" ? "cookie" : "body field";
    return `${part} ${e.property.name}`;
  }
  if (e.kind === "Name") return e.name;
  if (e.kind === "Binary" && e.operator === "??") return labelOf(e.left);
  return "value";
}
