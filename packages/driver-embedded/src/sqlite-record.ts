/**
 * The row being written, checked against the entity by the shared rules of @kova/query
 * (EntityWriteCodec) and turned into SQLite's stored values, in field declaration order.
 */
import { EntityWriteCodec, QueryError, type EntitySchema, type WriteRecord as AnyWriteRecord } from "@kova/query";
import { defaultValue, encodeFieldValue, encodeParam, type SqliteValue } from "./sqlite-values.js";

export type WriteRecord = AnyWriteRecord<SqliteValue>;

/** An entity's fields indexed for checking writes into SQLite (built once per entity, reused per row). */
export class EntityCodec extends EntityWriteCodec<SqliteValue> {
  constructor(entity: EntitySchema) {
    super(entity, { encode: encodeFieldValue, defaultValue });
  }
}

/**
 * The id a save names, or undefined when it names none (an id that is no integer names no row).
 * Read like a filter argument against the id column (digits without spaces, true as 1), as this
 * driver always has; the other drivers read ids their own way.
 */
export function saveId(id: unknown): number | bigint | undefined {
  if (id === undefined || id === null) return undefined;
  const encoded = encodeParam({ kind: "scalar", type: "id" }, id);
  if (typeof encoded === "number" && Number.isSafeInteger(encoded)) return encoded;
  throw new QueryError(`field "id" must be an integer, got ${JSON.stringify(id) ?? String(id)}`, 400, "id");
}
