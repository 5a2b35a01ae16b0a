/**
 * Moving an app's data out of and into a database (`kova db export` / `kova db import`), the same
 * way on every driver that has it: rows and versions as Kova values (what the API returns: JSON
 * numbers, strings, booleans, ISO-8601 instants, `YYYY-MM-DD` dates, parsed JSON), so a file
 * written from one driver loads into another.
 */
import type { EntitySchema } from "./plan.js";

/** A live row: its id and its fields. */
export interface TransferRow {
  id: number;
  fields: Record<string, unknown>;
}

/** One version from an entity's history. `at` in epoch milliseconds. */
export interface TransferVersion {
  version: number;
  id: number;
  op: "insert" | "update" | "delete";
  at: number;
  fields: Record<string, unknown>;
}

export interface TransferBatch {
  entity: EntitySchema;
  rows: TransferRow[];
  /**
   * The entity's versions, as exported. Undefined: the file has no history, and each row gets one
   * `insert` version written now (as a bulk insert would), so the history agrees with the rows.
   */
  versions?: TransferVersion[];
}

/** Where an import stands: recorded in the same transaction as each batch, so a rerun resumes. */
export interface ImportMark {
  /** Identifies the file (a hash of its header line). */
  id: string;
  /** The last line whose data is committed. */
  line: number;
  done: boolean;
}

export interface DataTransfer {
  /** The entities the database records (its `_kova_schema`), with their fields. */
  storedEntities(): Promise<EntitySchema[]>;
  /** The live rows by id; with `asOf`, the rows as they were at that instant, from the history. */
  rows(entity: EntitySchema, asOf?: number): AsyncIterable<TransferRow>;
  /** The versions in order; with `upTo`, only those written at or before it. */
  versions(entity: EntitySchema, upTo?: number): AsyncIterable<TransferVersion>;
  /** Writes the batches and the mark in one transaction: all of it, or none. */
  load(batches: readonly TransferBatch[], mark: ImportMark): Promise<void>;
  /** The mark recorded for an import file, if any. */
  mark(id: string): Promise<ImportMark | undefined>;
  /** After an import: id and version counters continue after the largest imported ones. */
  finish(entities: readonly EntitySchema[]): Promise<void>;
}

/** The table where imports record how far they got. */
export const IMPORT_TABLE = "_kova_imports";
