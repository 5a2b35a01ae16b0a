/**
 * Redis has no schema to create: keys appear as rows are written. `migrate` records each entity in
 * the `_kova_schema` hash, refuses type changes, fills a new field's constant default into existing
 * rows, and (re)builds the lookup hash of a field that became UNIQUE (or drops it when it stopped
 * being UNIQUE). `keysFor` describes an entity's keys (pure, for docs and `kova migrate`).
 */
import type { Redis } from "ioredis";
import { refuseStoredTypeChanges, type EntitySchema, type FieldSchema } from "@kova/query";
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

/**
 * A constant default also describes the versions written before the field existed (as on every
 * other driver), so HISTORY and AS OF agree with the live read. Every id ever handed out (deleted
 * rows keep their history) gets the field in each version that lacks it; the Lua script edits one
 * history list atomically, so a write running meanwhile is not lost, and a second run changes nothing.
 */
const FILL_HISTORY = `
local n = 0
local versions = redis.call('LRANGE', KEYS[1], 0, -1)
for i, text in ipairs(versions) do
  local data = cjson.decode(text).data
  if data ~= nil and data[ARGV[1]] == nil then
    -- Spliced in as text: the version's other values keep their exact JSON.
    local head, rest = string.match(text, '^(.-"data":{)(.*)$')
    redis.call('LSET', KEYS[1], i - 1, head .. cjson.encode(ARGV[1]) .. ':' .. ARGV[2] .. ',' .. rest)
    n = n + 1
  end
end
return n`;

async function fillHistory(redis: Redis, base: string, field: string, text: string): Promise<void> {
  const last = Number((await redis.get(`${base}:seq`)) ?? 0);
  for (let id = 1; id <= last; id++) await redis.eval(FILL_HISTORY, 1, `${base}:${id}:history`, field, text);
}

export async function migrateSchema(redis: Redis, keyPrefix: string, entities: readonly EntitySchema[]): Promise<void> {
  const schemaKey = keyPrefix + SCHEMA_KEY;
  for (const entity of entities) {
    const base = keyPrefix + entity.table;
    const recordedText = await redis.hget(schemaKey, entity.name);
    const previous = recordedText === null ? undefined : (JSON.parse(recordedText).fields as FieldSchema[]);
    refuseStoredTypeChanges(entity, previous);
    if (previous !== undefined) {
      const ids = await allIds(redis, base);
      for (const field of entity.fields) {
        const before = previous.find((f) => f.name === field.name);
        if (before === undefined && field.default !== undefined && !("now" in field.default)) {
          const text = JSON.stringify(encodeFieldValue(field, field.default.value));
          for (const id of ids) await redis.hsetnx(`${base}:${id}`, field.name, text);
          await fillHistory(redis, base, field.name, text);
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
