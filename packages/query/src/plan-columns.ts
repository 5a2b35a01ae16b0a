/**
 * What every dialect's compiler reads off a plan before writing its own statements: the entity
 * the plan names and the columns its result has. The statements differ per database; these do not.
 */
import type { EntitySchema, FieldSchema, Filter, NestedSelection, Operand, QueryPlan, ScalarType, SelectPlan, WriteValues } from "./plan.js";

/** A column of a result: the row's `id`, or a field with the type that decides how it is read back. */
export interface ResultColumn {
  name: string;
  type: ScalarType | "id";
  /**
   * A related selection, read back as JSON (`type` is then `json`): one object or a list of
   * objects with these columns. The JSON a database builds loses types (booleans as 0/1, its own
   * datetime text), so drivers decode each value by the column's declared type.
   */
  nested?: { list: boolean; columns: ResultColumn[] };
}

/** The entity a plan names; a plan naming an undeclared one is a compiler bug, not a user error. */
export function entityOf(plan: QueryPlan, entities: ReadonlyMap<string, EntitySchema>): EntitySchema {
  const entity = entities.get(plan.entity);
  if (entity === undefined) {
    throw new Error(`the query names entity ${plan.entity}, which is not declared (known: ${[...entities.keys()].join(", ") || "none"})`);
  }
  return entity;
}

/** `id`, then every field in declaration order. */
export function fullColumns(entity: EntitySchema): ResultColumn[] {
  return [{ name: "id", type: "id" }, ...entity.fields.map((f) => ({ name: f.name, type: f.type }))];
}

/** `id` first, then the selected fields (all of them, in declaration order, for `*`). */
export function selectedColumns(entity: EntitySchema, fields: string[] | null): ResultColumn[] {
  if (fields === null) return fullColumns(entity);
  const columns: ResultColumn[] = [{ name: "id", type: "id" }];
  for (const name of fields) {
    if (name === "id" || columns.some((c) => c.name === name)) continue;
    const field = entity.fields.find((f) => f.name === name);
    if (field === undefined) throw new Error(`entity ${entity.name} has no field "${name}"`);
    columns.push({ name, type: field.type });
  }
  return columns;
}

/** `WHERE id == <value>` and nothing else (no OFFSET): the common "this record as of t" read. */
export function pinsOneId(plan: SelectPlan): boolean {
  const w = plan.where;
  if (w === null || w.kind !== "compare" || w.op !== "==" || plan.offset !== null) return false;
  const isId = (o: Operand) => o.kind === "field" && o.field === "id";
  const isValue = (o: Operand) => o.kind !== "field";
  return (isId(w.left) && isValue(w.right)) || (isId(w.right) && isValue(w.left));
}

/**
 * The fields a write sets when the plan lists them (`id` left out: the store assigns it), or null
 * when they come from one object argument and are known only at run time.
 */
export function writtenFields(values: WriteValues, entity: EntitySchema): FieldSchema[] | null {
  if (values.kind === "object") return null;
  const listed: FieldSchema[] = [];
  for (const { field } of values.fields) {
    if (field === "id") continue;
    const schema = entity.fields.find((f) => f.name === field);
    if (schema === undefined) throw new Error(`entity ${entity.name} has no field "${field}"`);
    listed.push(schema);
  }
  return listed;
}

/** Whether a select reads related rows: nested selections, filters through relations, ordering by a related field. */
export function usesRelations(plan: SelectPlan): boolean {
  return (plan.nested?.length ?? 0) > 0 || plan.orderBy.some((t) => (t.via?.length ?? 0) > 0) || (plan.where !== null && filterUsesRelations(plan.where));
}

export function filterUsesRelations(filter: Filter): boolean {
  switch (filter.kind) {
    case "and":
    case "or":
      return filter.items.some(filterUsesRelations);
    case "not":
      return filterUsesRelations(filter.item);
    case "related":
      return true;
    default:
      return false;
  }
}

/** The result columns of a select with related selections: its own, then one per nested selection. */
export function graphColumns(plan: { fields: string[] | null; nested?: NestedSelection[] }, entity: EntitySchema, entities: ReadonlyMap<string, EntitySchema>): ResultColumn[] {
  const columns = selectedColumns(entity, plan.fields);
  for (const n of plan.nested ?? []) {
    if (n.shape === "count") {
      columns.push({ name: n.name, type: "int" });
      continue;
    }
    const target = entities.get(n.relation.entity);
    if (target === undefined) throw new Error(`the query names entity ${n.relation.entity}, which is not declared`);
    columns.push({ name: n.name, type: "json", nested: { list: n.shape === "list", columns: graphColumns(n, target, entities) } });
  }
  return columns;
}
