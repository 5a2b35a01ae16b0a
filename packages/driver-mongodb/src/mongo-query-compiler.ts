/**
 * Compiles query plans to MongoDB command documents (see mongo-compiled.ts for the output's shape).
 *
 * Each entity has a live collection `<table>` (documents `{ _id: id, …fields }`) and a history
 * collection `<table>__history` (`{ _id: version, version, operation, at, data: { id, …fields } }`).
 * Present-time reads are `find` on the live collection; HISTORY reads are `find` on the history
 * collection; AS OF reads aggregate the history: the newest version of each id at or before the
 * instant, unless that version is a delete.
 */
import { entityOf, fullColumns, historyEntity, readsRow, selectedColumns, usesRelations } from "@kova/query";
import type { ArithOp, EntitySchema, HistoryPlan, Operand, QueryPlan, SelectPlan, WriteValues } from "@kova/query";
import { dataScope, extractSlots, FilterBuilder, historyScope, liveScope, RELATIONS_REFUSED } from "./mongo-filter.js";
import {
  historyCollection,
  type AggregateCommand,
  type CompiledRead,
  type CompiledWrite,
  type FindCommand,
  type MongoCompiledQuery,
  type ResultColumn,
} from "./mongo-compiled.js";

function countMarker(b: FilterBuilder, operand: Operand | null, clause: "LIMIT" | "OFFSET"): unknown {
  if (operand === null) return undefined;
  if (operand.kind === "field") throw new Error(`${clause} must be a number or an argument, not a field`);
  return b.marker(operand, { kind: "count", clause });
}

function compileSelect(plan: SelectPlan, entity: EntitySchema): CompiledRead {
  if (usesRelations(plan)) throw new Error(RELATIONS_REFUSED);
  if (plan.shape !== undefined) {
    // An aggregation pipeline could do it; until it does, the build refuses rather than differ.
    throw new Error(
      `the mongodb driver cannot run this SELECT on ${entity.name} yet: aggregates (COUNT, SUM, AVG, MIN, MAX), GROUP_BY, DISTINCT, column aliases, ` +
        `computed columns and WITH TOTAL run on SQL data sources (embedded, postgres, mysql); select the fields themselves here, or keep ${entity.name} on a SQL data source`,
    );
  }
  const columns = selectedColumns(entity, plan.fields);
  const base = { dialect: "mongodb" as const, plan, kind: "select" as const, collection: entity.table, historyCollection: historyCollection(entity), columns, single: plan.single };
  if (plan.asOf === null) {
    const b = new FilterBuilder(liveScope(entity));
    const command: FindCommand = {
      op: "find",
      collection: entity.table,
      filter: b.where(plan.where),
      projection: Object.fromEntries(columns.filter((c) => c.name !== "id").map((c) => [c.name, 1 as const])),
      sort: b.sort(plan.orderBy, "id"),
    };
    const skip = countMarker(b, plan.offset, "OFFSET");
    const limit = countMarker(b, plan.limit, "LIMIT");
    if (skip !== undefined) (command as unknown as Record<string, unknown>).skip = skip;
    if (limit !== undefined) (command as unknown as Record<string, unknown>).limit = limit;
    const { document, slots } = extractSlots(command, b.sources);
    return { ...base, command: document, slots };
  }
  if (plan.asOf.kind === "field") throw new Error("AS OF must be an instant or an argument, not a field");
  const b = new FilterBuilder(dataScope(entity));
  const instant = b.marker(plan.asOf, { kind: "asOf" });
  const pipeline: Array<Record<string, unknown>> = [
    { $match: { at: { $lte: instant } } },
    // Versions grow with `at`, so the highest version at or before t is the row as of t.
    { $sort: { version: -1 } },
    { $group: { _id: "$data.id", entry: { $first: "$$ROOT" } } },
    { $match: { "entry.operation": { $ne: "delete" } } },
    { $replaceRoot: { newRoot: "$entry.data" } },
  ];
  if (plan.where !== null) pipeline.push({ $match: b.where(plan.where) });
  pipeline.push({ $sort: b.sort(plan.orderBy, "id") });
  const skip = countMarker(b, plan.offset, "OFFSET");
  const limit = countMarker(b, plan.limit, "LIMIT");
  if (skip !== undefined) pipeline.push({ $skip: skip });
  if (limit !== undefined) pipeline.push({ $limit: limit });
  pipeline.push({ $project: { _id: 0, ...Object.fromEntries(columns.map((c) => [c.name, 1])) } });
  const command: AggregateCommand = { op: "aggregate", collection: historyCollection(entity), pipeline };
  const { document, slots } = extractSlots(command, b.sources);
  return { ...base, command: document, slots };
}

function compileHistory(plan: HistoryPlan, entity: EntitySchema): CompiledRead {
  const b = new FilterBuilder(historyScope(entity));
  const command: FindCommand = {
    op: "find",
    collection: historyCollection(entity),
    filter: b.where(plan.where),
    projection: { _id: 0 },
    sort: b.sort(plan.orderBy, "version"),
  };
  const skip = countMarker(b, plan.offset, "OFFSET");
  const limit = countMarker(b, plan.limit, "LIMIT");
  if (skip !== undefined) (command as unknown as Record<string, unknown>).skip = skip;
  if (limit !== undefined) (command as unknown as Record<string, unknown>).limit = limit;
  const { document, slots } = extractSlots(command, b.sources);
  return {
    dialect: "mongodb",
    plan,
    kind: "history",
    collection: entity.table,
    historyCollection: historyCollection(entity),
    columns: fullColumns(entity),
    single: false,
    command: document,
    slots,
  };
}

/** Checks at build time that listed write fields exist (object arguments are checked at run time). */
function checkListedFields(values: WriteValues, entity: EntitySchema): void {
  if (values.kind === "object") return;
  for (const { field } of values.fields) {
    if (field !== "id" && !entity.fields.some((f) => f.name === field)) throw new Error(`entity ${entity.name} has no field "${field}"`);
  }
}

function compileWrite(plan: Exclude<QueryPlan, SelectPlan | HistoryPlan>, entity: EntitySchema): CompiledWrite {
  const compiled: CompiledWrite = {
    dialect: "mongodb",
    plan,
    kind: plan.kind,
    collection: entity.table,
    historyCollection: historyCollection(entity),
    columns: fullColumns(entity),
    slots: [],
    single: plan.kind === "update" || plan.kind === "delete" ? plan.single : true,
  };
  if (plan.kind !== "delete") checkListedFields(plan.values, entity);
  if (plan.kind === "update" && plan.values.kind === "fields") {
    const computed = plan.values.fields.filter((f) => readsRow(f.value));
    if (computed.length > 0) compiled.computed = Object.fromEntries(computed.map((f) => [f.field, aggregateExpression(f.value)]));
  }
  if (plan.kind === "update" || plan.kind === "delete") {
    const b = new FilterBuilder(liveScope(entity));
    const { document, slots } = extractSlots({ op: "match" as const, collection: entity.table, filter: b.where(plan.where) }, b.sources);
    compiled.command = document;
    compiled.slots = slots;
  }
  return compiled;
}

const ARITH: Record<ArithOp, string> = { "+": "$add", "-": "$subtract", "*": "$multiply" };

/** An operand as an aggregation expression (`hits + 1` → { $add: ["$hits", { $literal: 1 }] }). */
function aggregateExpression(operand: Operand): unknown {
  switch (operand.kind) {
    case "field":
      return `$${operand.field === "id" ? "_id" : operand.field}`;
    case "literal":
      return { $literal: operand.value };
    case "arg":
      return { $kovaArg: operand.index };
    case "arith":
      return { [ARITH[operand.op]]: [aggregateExpression(operand.left), aggregateExpression(operand.right)] };
    case "concat":
      return { $concat: operand.parts.map(aggregateExpression) };
    case "aggregate":
      throw new Error("the mongodb driver cannot compute an aggregate (COUNT, SUM, …) in a write");
    case "jsonPath":
      throw new Error("the mongodb driver cannot read a json field's sub-field in a write");
  }
}

export function compileMongo(plan: QueryPlan, entities: ReadonlyMap<string, EntitySchema>): MongoCompiledQuery {
  const entity = entityOf(plan, entities);
  switch (plan.kind) {
    // Reads of the past see the entity as its history keeps it: no SECRET fields (@kova/query history-control).
    case "select":
      return compileSelect(plan, plan.asOf === null ? entity : historyEntity(entity));
    case "history":
      return compileHistory(plan, historyEntity(entity));
    default:
      return compileWrite(plan, entity);
  }
}
