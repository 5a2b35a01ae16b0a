/**
 * The row being written, checked against the entity by the shared rules of @kova/query
 * (EntityWriteCodec, the same as every driver's) and turned into bound values, in field
 * declaration order.
 */
import { EntityWriteCodec, integerId, QueryError, type EntitySchema, type WriteRecord as AnyWriteRecord } from "@kova/query";
import { defaultValue, encodeFieldValue, type PgValue } from "./pg-values.js";

export type WriteRecord = AnyWriteRecord<PgValue>;

/** An entity's fields indexed for checking writes (built once per entity, reused per row). */
export class EntityCodec extends EntityWriteCodec<PgValue> {
  constructor(entity: EntitySchema) {
    super(entity, { encode: encodeFieldValue, defaultValue });
  }
}

/** The id a save names, or undefined when it names none (digits, spaces around them allowed). */
export function saveId(id: unknown): number | undefined {
  if (id === undefined || id === null) return undefined;
  const n = integerId(id);
  if (n !== undefined) return n;
  throw new QueryError(`field "id" must be an integer, got ${JSON.stringify(id) ?? String(id)}`, 400, "id");
}
