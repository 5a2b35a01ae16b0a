import type { Filter, Operand, OrderTerm, QueryPlan, ScalarType, WriteValues } from "@kova/query";
import type { Condition, Expression, Limit, Offset, OrderBy, Query } from "../ast/nodes.js";
import { constantValue } from "../checker/fold.js";
import type { EntityInfo, SemanticModel } from "../checker/model.js";

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
}

export interface PlannedQuery {
  plan: QueryPlan;
  args: PlanArg[];
  entity: EntityInfo;
}

/**
 * Turns a checked query into a dialect-neutral plan plus the argument expressions it needs. For an
 * ORDER_BY whose field the request chooses (`$query.sort IN [title, year]`), `chosen` is the field
 * this plan sorts by (one plan per listed field); by default the first.
 */
export function planQuery(query: Query, model: SemanticModel, chosen?: string): PlannedQuery {
  const entity = model.entities.get(query.entity.name);
  if (!entity) throw new Error(`internal: unchecked query on unknown entity ${query.entity.name}`);
  const planner = new Planner(entity, model, chosen);
  return { plan: planner.plan(query), args: planner.args, entity };
}

class Planner {
  readonly args: PlanArg[] = [];

  constructor(
    private readonly entity: EntityInfo,
    private readonly model: SemanticModel,
    private readonly chosen?: string,
  ) {}

  plan(query: Query): QueryPlan {
    const entity = this.entity.schema.name;
    const single = this.model.singleRow.has(query);
    switch (query.kind) {
      case "SelectQuery":
        return {
          kind: "select",
          entity,
          fields: query.fields ? query.fields.map((f) => f.name) : null,
          where: this.where(query.where),
          orderBy: this.orderBy(query.orderBy),
          limit: this.count(query.limit, "LIMIT"),
          offset: this.count(query.offset, "OFFSET"),
          asOf: query.asOf ? this.value(query.asOf, null, "AS OF") : null,
          single,
        };
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
    }
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
    return orderBy ? orderBy.items.map((i) => ({ field: i.choice !== null && this.chosen !== undefined ? this.chosen : i.field.name, direction: i.direction })) : [];
  }

  private count(clause: Limit | Offset | null, label: string): Operand | null {
    if (!clause) return null;
    const named = labelOf(clause.count);
    return this.value(clause.count, "count", named === "value" ? label : named);
  }

  private where(condition: Condition | null): Filter | null {
    return condition ? this.filter(condition.expression) : null;
  }

  private filter(e: Expression): Filter {
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
          const fieldType = e.left.kind === "Name" ? this.fieldType(e.left.name) : null;
          return { kind: "in", left, right: this.value(e.right, null, `IN list`, fieldType) };
        }
        case "LIKE": {
          const [left, right] = this.pair(e.left, e.right);
          return { kind: "like", left, right };
        }
        default:
          break;
      }
    }
    if (e.kind === "Unary" && e.operator === "NOT") return { kind: "not", item: this.filter(e.operand) };
    if (e.kind === "IsNull") return { kind: "isNull", operand: this.operand(e.operand, null), negated: e.negated };
    return { kind: "truthy", operand: this.operand(e, "boolean") };
  }

  /** Both sides of a comparison; a value compared with a field is coerced to the field's type. */
  private pair(a: Expression, b: Expression): [Operand, Operand] {
    const aType = a.kind === "Name" ? this.fieldType(a.name) : null;
    const bType = b.kind === "Name" ? this.fieldType(b.name) : null;
    return [this.operand(a, bType), this.operand(b, aType)];
  }

  private operand(e: Expression, coerce: ScalarType | null): Operand {
    if (e.kind === "Name" && this.fieldType(e.name) !== null) return { kind: "field", field: e.name };
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

  private fieldType(name: string): ScalarType | null {
    if (name === "id") return "int";
    return this.entity.schema.fields.find((f) => f.name === name)?.type ?? null;
  }
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
