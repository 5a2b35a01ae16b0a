/**
 * Redis has no schema to create: keys appear as rows are written. `migrate` records each entity in
 * the `_kova_schema` hash, refuses type changes, fills a new field's constant default into existing
 * rows, and (re)builds the lookup hash of a field that became UNIQUE (or drops it when it stopped
 * being UNIQUE). `keysFor` describes an entity's keys (pure, for docs and `kova migrate`).
 */
import type { Redis } from "ioredis";
import type { EntitySchema, FieldSchema } from "@kova/query";
import { encodeFieldValue } from "./redis-values.js";

export const SCHEMA_KEY = "_kova_schema";

export function keysFor(entity: EntitySchema, keyPrefix = ""): Record<string, string> {
  const base = keyPrefix + entity.table;
  const keys: Record<string, string> = {
    row: `${base}:<id> (hash)`,
    ids: `${base}:ids (sorted set)`,
    idCounter: `${base}:seq (INCR)`,
    versionCounter: `${base}:version (INCR)`,
    history: `${base}:<id>:history (list of JSON versions)`,
  };
  for (const f of entity.fields) if (f.unique) keys[`unique ${f.name}`] = `${base}:unique:${f.name} (hash value → id)`;
  return keys;
}

async function allIds(redis: Redis, base: string): Promise<string[]> {
  return redis.zrange(`${base}:ids`, "0", "-1");
}

export async function migrateSchema(redis: Redis, keyPrefix: string, entities: readonly EntitySchema[]): Promise<void> {
  const schemaKey = keyPrefix + SCHEMA_KEY;
  for (const entity of entities) {
    const base = keyPrefix + entity.table;
    const recordedText = await redis.hget(schemaKey, entity.name);
    const previous = recordedText === null ? undefined : (JSON.parse(recordedText).fields as FieldSchema[]);
    for (const field of entity.fields) {
      const before = previous?.find((f) => f.name === field.name);
      if (before !== undefined && before.type !== field.type) {
        throw new Error(`cannot migrate ${entity.name}.${field.name} from ${before.type} to ${field.type}: stored values are not converted; add a new field instead`);
      }
    }
    if (previous !== undefined) {
      const ids = await allIds(redis, base);
      for (const field of entity.fields) {
        const before = previous.find((f) => f.name === field.name);
        if (before === undefined && field.default !== undefined && !("now" in field.default)) {
          const text = JSON.stringify(encodeFieldValue(field, field.default.value));
          for (const id of ids) await redis.hsetnx(`${base}:${id}`, field.name, text);
        }
        const index = `${base}:unique:${field.name}`;
        if (field.unique && before?.unique !== true) {
          await redis.del(index);
          for (const id of ids) {
            const value = await redis.hget(`${base}:${id}`, field.name);
            if (value === null || value === "null") continue;
            if ((await redis.hsetnx(index, value, id)) === 0) {
              await redis.del(index);
              throw new Error(`cannot make ${entity.name}.${field.name} UNIQUE: stored rows already share the value ${value}`);
            }
          }
        } else if (!field.unique && before?.unique === true) {
          await redis.del(index);
        }
      }
    }
    await redis.hset(schemaKey, entity.name, JSON.stringify({ table: entity.table, fields: entity.fields, migratedAt: new Date().toISOString() }));
  }
}
