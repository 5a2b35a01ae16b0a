/**
 * The row being written, checked against the entity by the shared rules of @kova/query
 * (EntityWriteCodec, the same as every driver's) and turned into stored values, in field
 * declaration order.
 */
import { EntityWriteCodec, QueryError, type EntitySchema, type WriteRecord as AnyWriteRecord } from "@kova/query";
import { defaultValue, encodeFieldValue, encodeParam, type MysqlValue } from "./mysql-values.js";

export type WriteRecord = AnyWriteRecord<MysqlValue>;

/** An entity's fields indexed for checking writes (built once per entity, reused per row). */
export class EntityCodec extends EntityWriteCodec<MysqlValue> {
  constructor(entity: EntitySchema) {
    super(entity, { encode: encodeFieldValue, defaultValue });
  }
}

/**
 * The id a save names, or undefined when it names none (an id that is no integer is a 400). Read
 * like a filter argument against the id column (mysql's encodeParam), as this driver always has.
 */
export function saveId(id: unknown): number | undefined {
  if (id === undefined || id === null) return undefined;
  const encoded = encodeParam({ kind: "scalar", type: "id" }, id);
  if (typeof encoded === "number" && Number.isSafeInteger(encoded)) return encoded;
  throw new QueryError(`field "id" must be an integer, got ${JSON.stringify(id) ?? String(id)}`, 400, "id");
}
