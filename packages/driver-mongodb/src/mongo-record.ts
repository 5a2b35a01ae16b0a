/**
 * The row being written, checked against the entity by the shared rules of @kova/query
 * (EntityWriteCodec, the same as every driver's) and turned into stored values, in field
 * declaration order.
 */
import { EntityWriteCodec, QueryError, type EntitySchema, type WriteRecord as AnyWriteRecord } from "@kova/query";
import { defaultValue, encodeFieldValue, encodeSlotValue, type StoredValue } from "./mongo-values.js";

export type WriteRecord = AnyWriteRecord<StoredValue>;

export class EntityCodec extends EntityWriteCodec<StoredValue> {
  constructor(entity: EntitySchema) {
    super(entity, { encode: encodeFieldValue, defaultValue });
  }
}

/**
 * The id a save names, or undefined when it names none. Read like a filter argument against the
 * id (mongo's encodeSlotValue), as this driver always has.
 */
export function saveId(id: unknown): number | undefined {
  if (id === undefined || id === null) return undefined;
  const encoded = encodeSlotValue({ kind: "scalar", type: "id" }, id);
  if (typeof encoded === "number" && Number.isSafeInteger(encoded)) return encoded;
  throw new QueryError(`field "id" must be an integer, got ${JSON.stringify(id) ?? String(id)}`, 400, "id");
}
