/**
 * The row being written, checked by the shared rules of @kova/query (EntityWriteCodec) and turned
 * into a flavour's stored values; one codec per entity, built once and reused for every row.
 */
import { EntityWriteCodec, QueryError, type EntitySchema, type WriteEncoding } from "@kova/query";

/** Codecs by entity, so a write never rebuilds one (entities are compared by their JSON). */
export class CodecCache<V> {
  private readonly codecs = new Map<string, EntityWriteCodec<V>>();

  constructor(private readonly rules: WriteEncoding<V>) {}

  codec(entity: EntitySchema): EntityWriteCodec<V> {
    const key = JSON.stringify(entity);
    let codec = this.codecs.get(key);
    if (codec === undefined) {
      codec = new EntityWriteCodec<V>(entity, this.rules);
      this.codecs.set(key, codec);
    }
    return codec;
  }
}

/**
 * The id a save names, read with `readId` (each driver reads ids as its filters do), or undefined
 * when it names none; an id that is no integer is a 400.
 */
export function saveId<T extends number | bigint>(id: unknown, readId: (id: unknown) => T | undefined): T | undefined {
  if (id === undefined || id === null) return undefined;
  const n = readId(id);
  if (n !== undefined) return n;
  throw new QueryError(`field "id" must be an integer, got ${JSON.stringify(id) ?? String(id)}`, 400, "id");
}
