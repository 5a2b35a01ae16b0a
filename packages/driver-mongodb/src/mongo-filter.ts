/**
 * WHERE → MongoDB filter documents, with SQL's three-valued logic.
 *
 * In SQL (and so in the embedded store) a comparison with NULL is unknown, and NOT unknown is still
 * unknown: `NOT (age > 5)` does not match a row whose age is null. MongoDB's `$nor` / `$not` are
 * two-valued and would match it. So each condition compiles to two documents: `truthy` (the
 * condition is TRUE) and `falsy` (it is FALSE); NOT swaps them, AND/OR combine them by De Morgan.
 * Range comparisons carry a `$ne: null` guard, which is what makes "unknown" match neither.
 *
 * Every value is a slot marker (see `marker`) under an operator that takes it literally (`$eq`,
 * `$ne`, `$lt`…, `$in`, `$regex`, or `$literal` inside `$expr`), never a key of the document.
 */
import type { CompareOp, EntitySchema, Filter, ListItemType, Operand, OrderTerm, ScalarType } from "@kova/query";
import type { Encoding, Slot, Source } from "./mongo-compiled.js";

/** Where a name lives in the documents being filtered, and its type. */
export interface ResolvedField {
  path: string;
  type: ScalarType | "id" | "instant";
  /** A list field's element type (it is stored as a native array). */
  items?: ListItemType;
}

/** Maps a plan's field names to document paths (live rows, history entries, AS OF data). */
export type Scope = (name: string) => ResolvedField;

function unknownField(entity: EntitySchema, name: string, extra: string[]): never {
  const known = ["id", ...entity.fields.map((f) => f.name), ...extra];
  throw new Error(`entity ${entity.name} has no field "${name}" (it has: ${known.join(", ")})`);
}

function fieldType(entity: EntitySchema, name: string, extra: string[]): Pick<ResolvedField, "type" | "items"> {
  const field = entity.fields.find((f) => f.name === name);
  if (field === undefined) unknownField(entity, name, extra);
  return field.items === undefined ? { type: field.type } : { type: field.type, items: field.items };
}

/** Live documents: `id` is the document's `_id`. */
export function liveScope(entity: EntitySchema): Scope {
  return (name) => (name === "id" ? { path: "_id", type: "id" } : { path: name, ...fieldType(entity, name, []) });
}

/** AS OF rows: a history entry's `data` promoted to the root, where `id` is a plain field. */
export function dataScope(entity: EntitySchema): Scope {
  return (name) => (name === "id" ? { path: "id", type: "id" } : { path: name, ...fieldType(entity, name, []) });
}

/** History entries `{ version, operation, at, data }`: `version` and `at` are the entry's own. */
export function historyScope(entity: EntitySchema): Scope {
  return (name) => {
    if (name === "version") return { path: "version", type: "id" };
    if (name === "at") return { path: "at", type: "instant" };
    if (name === "id") return { path: "data.id", type: "id" };
    return { path: `data.${name}`, ...fieldType(entity, name, ["version", "at"]) };
  };
}

/** The key of a slot marker: `{ "$kovaSlot": n }` stands where the value of source n goes. */
const MARK = "$kovaSlot";
const NEVER = { $expr: { $literal: false } };
const ALWAYS = {};

type Doc = Record<string, unknown>;

const RANGE: Record<"<" | "<=" | ">" | ">=", string> = { "<": "$lt", "<=": "$lte", ">": "$gt", ">=": "$gte" };
const FLIPPED: Record<CompareOp, CompareOp> = { "==": "==", "!=": "!=", "<": ">", "<=": ">=", ">": "<", ">=": "<=" };
const NEGATED: Record<CompareOp, CompareOp> = { "==": "!=", "!=": "==", "<": ">=", "<=": ">", ">": "<=", ">=": "<" };

export class FilterBuilder {
  readonly sources: Source[] = [];

  constructor(readonly scope: Scope) {}

  /** A marker for a value taken from an argument or a constant. */
  marker(operand: Exclude<Operand, { kind: "field" }>, encoding: Encoding): Doc {
    // The planner writes arithmetic on fields only as SET values (see mongo-query-compiler.ts).
    if (operand.kind !== "arg" && operand.kind !== "literal") throw new Error("MongoDB filters cannot compare with values computed from fields");
    this.sources.push(operand.kind === "arg" ? { from: "arg", index: operand.index, encoding } : { from: "literal", value: operand.value, encoding });
    return { [MARK]: this.sources.length - 1 };
  }

  private encodingFor(type: ResolvedField["type"] | undefined): Encoding {
    return type === undefined ? { kind: "any" } : type === "instant" ? { kind: "instant" } : { kind: "scalar", type };
  }

  /** An aggregation expression for an operand: `"$path"` or `{ $literal: <slot> }`. */
  private expression(operand: Operand, against: ResolvedField["type"] | undefined): unknown {
    if (operand.kind === "field") return `$${this.scope(operand.field).path}`;
    return { $literal: this.marker(operand, this.encodingFor(against)) };
  }

  private compare(op: CompareOp, left: Operand, right: Operand): Doc {
    if (left.kind === "jsonPath" || right.kind === "jsonPath") {
      throw new Error("the mongodb driver does not compare json sub-fields (meta.kind) yet; they run on SQL data sources (embedded, postgres, mysql)");
    }
    if (left.kind !== "field" && right.kind === "field") return this.compare(FLIPPED[op], right, left);
    if (left.kind === "field" && right.kind !== "field") {
      const field = this.scope(left.field);
      const value = this.marker(right, this.encodingFor(field.type));
      if (op === "==") return { [field.path]: { $eq: value } };
      if (op === "!=") return { [field.path]: { $ne: value } };
      return { [field.path]: { [RANGE[op]]: value, $ne: null } };
    }
    // Two fields, or two values: an aggregation expression, where $eq / $ne on null are null-safe.
    const leftType = left.kind === "field" ? this.scope(left.field).type : undefined;
    const rightType = right.kind === "field" ? this.scope(right.field).type : undefined;
    const a = this.expression(left, rightType);
    const b = this.expression(right, leftType);
    if (op === "==") return { $expr: { $eq: [a, b] } };
    if (op === "!=") return { $expr: { $ne: [a, b] } };
    return { $expr: { $and: [{ [RANGE[op]]: [a, b] }, { $ne: [a, null] }, { $ne: [b, null] }] } };
  }

  private fieldOf(operand: Operand, what: string): ResolvedField {
    if (operand.kind !== "field") throw new Error(`MongoDB filters need a field on the left of ${what}`);
    return this.scope(operand.field);
  }

  /** The document matching rows where `filter` is TRUE (`want` = true) or FALSE (`want` = false). */
  build(filter: Filter, want: boolean): Doc {
    switch (filter.kind) {
      case "and":
      case "or": {
        // AND is TRUE when all items are; FALSE when any is. OR the other way round.
        const all = (filter.kind === "and") === want;
        const docs = filter.items.map((item) => this.build(item, want));
        return all ? combine("$and", docs) : combine("$or", docs);
      }
      case "not":
        return this.build(filter.item, !want);
      case "compare":
        return this.compare(want ? filter.op : NEGATED[filter.op], filter.left, filter.right);
      case "in": {
        const field = this.fieldOf(filter.left, "IN");
        if (filter.right.kind === "field") throw new Error("the right side of IN must be a list argument or literal, not a field");
        const list = this.marker(filter.right, { kind: "list", type: field.type });
        return { [field.path]: { [want ? "$in" : "$nin"]: list, $ne: null } };
      }
      case "like": {
        const field = this.fieldOf(filter.left, "LIKE");
        if (filter.right.kind === "field") throw new Error("MongoDB cannot use a field as a LIKE pattern; the pattern must be a value");
        const regex = { $regex: this.marker(filter.right, { kind: "like" }), $options: "s" };
        return { [field.path]: want ? regex : { $not: regex, $ne: null } };
      }
      case "isNull": {
        const isNull = filter.negated !== want;
        if (filter.operand.kind === "field") return { [this.scope(filter.operand.field).path]: { [isNull ? "$eq" : "$ne"]: null } };
        return { $expr: { [isNull ? "$eq" : "$ne"]: [this.expression(filter.operand, undefined), null] } };
      }
      case "truthy": {
        if (filter.operand.kind === "field") return { [this.scope(filter.operand.field).path]: { $eq: want } };
        return { $expr: { $eq: [this.expression(filter.operand, "boolean"), want] } };
      }
      case "related":
        throw new Error(RELATIONS_REFUSED);
      case "contains": {
        // A list is a native array: `{ tags: v }` matches an element equal to v, `$ne` none (a
        // missing or null list contains nothing, as in SQL).
        const field = this.scope(filter.field);
        if (field.items === undefined) throw new Error(`contains(${filter.field}, …) needs a list field`);
        if (filter.item.kind === "field") throw new Error(`contains(${filter.field}, …) tests for a value or an argument, not a field`);
        const item = this.marker(filter.item, { kind: "scalar", type: field.items });
        return { [field.path]: want ? { $eq: item } : { $ne: item } };
      }
    }
  }

  where(filter: Filter | null): Doc {
    return filter === null ? {} : this.build(filter, true);
  }

  /** A sort document: the plan's terms, then `tiebreak` so pages of equal keys are stable. */
  sort(terms: readonly OrderTerm[], tiebreak: string): Record<string, 1 | -1> {
    const sort: Record<string, 1 | -1> = {};
    for (const term of terms) {
      if (term.path !== undefined) throw new Error("the mongodb driver keeps a json field as JSON text, so it cannot sort by a json sub-field (ORDER_BY meta.kind); that runs on SQL data sources (embedded, postgres, mysql)");
      sort[this.scope(term.field).path] = term.direction === "DESC" ? -1 : 1;
    }
    const last = this.scope(tiebreak).path;
    if (!(last in sort)) sort[last] = 1;
    return sort;
  }
}

function combine(op: "$and" | "$or", docs: Doc[]): Doc {
  const neutral = op === "$and" ? ALWAYS : NEVER;
  const parts = docs.filter((d) => !isEmpty(d) || op === "$or");
  if (op === "$or" && parts.some(isEmpty)) return ALWAYS;
  if (parts.length === 0) return neutral;
  return parts.length === 1 ? parts[0] : { [op]: parts };
}

function isEmpty(doc: Doc): boolean {
  return Object.keys(doc).length === 0;
}

/**
 * Replaces every slot marker in `template` by null and returns the path of each with its source,
 * so the compiled document is plain JSON and the driver knows where each value goes. The template
 * is copied first: a marker used twice (a value guarded against null) gets a slot at each place.
 */
export function extractSlots<T>(template: T, sources: readonly Source[]): { document: T; slots: Slot[] } {
  const document = JSON.parse(JSON.stringify(template)) as T;
  const slots: Slot[] = [];
  const walk = (node: unknown, path: Array<string | number>): void => {
    if (node === null || typeof node !== "object") return;
    const container = node as Record<string | number, unknown>;
    for (const key of Array.isArray(node) ? node.keys() : Object.keys(node)) {
      const child = container[key];
      if (isMarker(child)) {
        slots.push({ path: [...path, key], source: sources[child[MARK]] });
        container[key] = null;
      } else {
        walk(child, [...path, key]);
      }
    }
  };
  walk(document, []);
  return { document, slots };
}

function isMarker(node: unknown): node is Record<typeof MARK, number> {
  return node !== null && typeof node === "object" && !Array.isArray(node) && Object.keys(node).length === 1 && MARK in node;
}

/** Why MongoDB refuses reading related rows (a build-time KV9006 at the query). */
export const RELATIONS_REFUSED =
  "MongoDB cannot read related rows (nested selections, filters or orders through a relation) in one command here: " +
  "Kova compiles them to one statement on SQL databases only; read the related entity with a second query, or keep these entities in a SQL data source";
