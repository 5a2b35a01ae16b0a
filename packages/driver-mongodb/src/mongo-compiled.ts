/**
 * The JSON shape of a query compiled by the MongoDB dialect. `kova build` writes it into the
 * generated app, so it is plain data: command documents (filter, projection, sort, pipeline) in
 * which every value position is null, plus `slots` saying which JSON path receives which value at
 * run time. Values are put into the document at those paths, never spliced into text, and every
 * slot sits under `$eq`/`$ne`/`$in`/`$lt`… or `$literal`, so a value that looks like an operator
 * (`{"$gt": ""}`) is compared as the literal value it is.
 */
import type { CompiledQuery, EntitySchema, QueryPlan, ResultColumn, ScalarType } from "@kova/query";

/** How a run-time value is converted before it is put into the command document. */
export type Encoding =
  /** Compared with a field of this type (a "42" path parameter against an int field becomes 42). */
  | { kind: "scalar"; type: ScalarType | "id" }
  /** Compared with a history entry's `at` (a BSON date): ISO string, epoch ms or Date → Date. */
  | { kind: "instant" }
  /** The list of an IN, each item encoded for `type`; nulls dropped (NULL IN (…) is never true). */
  | { kind: "list"; type: ScalarType | "id" | "instant" | "any" }
  /** LIMIT / OFFSET: a non-negative integer. */
  | { kind: "count"; clause: "LIMIT" | "OFFSET" }
  /** AS OF: ISO string, epoch ms (number or digits) or Date → Date; anything else is a 400. */
  | { kind: "asOf" }
  /** A LIKE pattern → an anchored regular expression source (see likeToRegex). */
  | { kind: "like" }
  /** A value compared with another non-field value. */
  | { kind: "any" };

export type Source =
  | { from: "arg"; index: number; encoding: Encoding }
  /** A constant from the source; still a slot, so it is encoded exactly like an argument. */
  | { from: "literal"; value: string | number | boolean | null; encoding: Encoding };

/** A path into the command document (object keys and array indexes) and the value to put there. */
export interface Slot {
  path: Array<string | number>;
  source: Source;
}

/** A column of the result (the same for every dialect). */
export type { ResultColumn } from "@kova/query";

/** find(): a filter document plus options. */
export interface FindCommand {
  op: "find";
  collection: string;
  filter: Record<string, unknown>;
  projection: Record<string, 0 | 1>;
  sort: Record<string, 1 | -1>;
  /** Present when the plan has OFFSET / LIMIT; filled from a slot. */
  skip?: number | null;
  limit?: number | null;
}

/** aggregate(): a pipeline (AS OF reads). */
export interface AggregateCommand {
  op: "aggregate";
  collection: string;
  pipeline: Array<Record<string, unknown>>;
}

interface CompiledBase extends CompiledQuery {
  dialect: "mongodb";
  plan: QueryPlan;
  // No entity schema: the plan names the entity and the driver knows its schema from migrate(),
  // so a generated app holds each schema once (in its data source), not once per query.
  collection: string;
  historyCollection: string;
  /** Result columns in order, `id` first. */
  columns: ResultColumn[];
  slots: Slot[];
  single: boolean;
}

export interface CompiledRead extends CompiledBase {
  kind: "select" | "history";
  command: FindCommand | AggregateCommand;
}

export interface CompiledWrite extends CompiledBase {
  kind: "insert" | "update" | "delete" | "save";
  /** update / delete: which live documents the write touches. */
  command?: { op: "match"; collection: string; filter: Record<string, unknown> };
  /**
   * update: fields the database computes from the document (`SET hits = hits + 1`), as aggregation
   * expressions run in a pipeline update, so the change is atomic. `{ $kovaArg: n }` stands for
   * argument n (filled in at run time as a `$literal`).
   */
  computed?: Record<string, unknown>;
}

export type MongoCompiledQuery = CompiledRead | CompiledWrite;

export const HISTORY_SUFFIX = "__history";
export const COUNTERS_COLLECTION = "_kova_counters";
export const SCHEMA_COLLECTION = "_kova_schema";

export function historyCollection(entity: EntitySchema): string {
  return entity.table + HISTORY_SUFFIX;
}
