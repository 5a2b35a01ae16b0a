/**
 * Pure pieces of running a compiled query: filling value slots into a command document, and the
 * shapes of the documents the driver writes and reads (rows, history entries, id counters).
 */
import type { HistoryEntry } from "@kova/query";
import { COUNTERS_COLLECTION, type ResultColumn, type Slot } from "./mongo-compiled.js";
import { decodeValue, encodeSlotValue, type StoredValue } from "./mongo-values.js";

type Doc = Record<string, unknown>;

/**
 * A copy of `document` with each slot's value (an argument or constant, encoded) put at its path.
 * Values are placed as values: a string or object argument can never become a key or an operator.
 */
export function fillSlots<T>(document: T, slots: readonly Slot[], args: readonly unknown[]): T {
  if (slots.length === 0) return document;
  const copy = structuredClone(document) as unknown as Doc;
  for (const { path, source } of slots) {
    const raw = source.from === "arg" ? args[source.index] : source.value;
    let node = copy as Record<string | number, unknown>;
    for (let i = 0; i < path.length - 1; i++) node = node[path[i]] as Record<string | number, unknown>;
    node[path[path.length - 1]] = encodeSlotValue(source.encoding, raw);
  }
  return copy as unknown as T;
}

/** A live document (`_id` = id) → a row with `id` first, then the columns in order. */
export function rowFromDocument(doc: Doc, columns: readonly ResultColumn[]): Doc {
  const row: Doc = {};
  for (const column of columns) row[column.name] = decodeValue(column.type, column.name === "id" ? doc._id : doc[column.name]);
  return row;
}

/** An AS OF row (a history entry's data, `id` a plain field) → a row in column order. */
export function rowFromData(data: Doc, columns: readonly ResultColumn[]): Doc {
  const row: Doc = {};
  for (const column of columns) row[column.name] = decodeValue(column.type, data[column.name]);
  return row;
}

/** The live document for a row: `_id` is the Kova id, then every field (null when unset). */
export function liveDocument(id: number, fieldNames: readonly string[], values: readonly StoredValue[]): Doc {
  const doc: Doc = { _id: id };
  fieldNames.forEach((name, i) => (doc[name] = values[i] ?? null));
  return doc;
}

/** One version in `<table>__history`; `_id` is the version so versions are unique and ordered. */
export function historyDocument(version: number, operation: HistoryEntry["operation"], at: number, live: Doc, secret: readonly string[] = []): Doc {
  const { _id, ...fields } = live;
  for (const name of secret) delete fields[name];
  return { _id: version, version, operation, at: new Date(at), data: { id: _id, ...fields } };
}

export function historyEntryFrom(doc: Doc, columns: readonly ResultColumn[]): HistoryEntry {
  return {
    version: doc.version as number,
    operation: doc.operation as HistoryEntry["operation"],
    at: (doc.at as Date).toISOString(),
    data: rowFromData(doc.data as Doc, columns),
  };
}

/** The `findOneAndUpdate` that takes the next number of a sequence (ids of `<table>`, versions of its history). */
export function counterCommand(sequence: string): { collection: string; filter: Doc; update: Doc; options: Doc } {
  return {
    collection: COUNTERS_COLLECTION,
    filter: { _id: sequence },
    update: { $inc: { seq: 1 } },
    options: { upsert: true, returnDocument: "after" },
  };
}
