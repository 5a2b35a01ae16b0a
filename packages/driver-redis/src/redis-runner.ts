/**
 * Runs compiled Redis queries: reads straight from the hashes, sorted set and history lists;
 * every write through the atomic Lua script (redis-script.ts).
 */
import type { Redis } from "ioredis";
import { asOfMs, keepsHistory, secretFields, CodecCache, countValue, InstantClock, integerId, noRecordToSave, QueryError, saveTarget, writesNothing, type EntitySchema, type EntitySchemas, type EntityWriteCodec, type HistoryEntry } from "@kova/query";
import type { RedisCompiledQuery, ResultColumn, ValueSource } from "./redis-query-compiler.js";
import { defaultValue, encodeFieldValue, type StoredValue } from "./redis-values.js";
import { WRITE_SCRIPT, writeArguments } from "./redis-script.js";

type Row = Record<string, unknown>;

/** The client with the write script defined as a command (EVALSHA, falling back to EVAL). */
export type ScriptedRedis = Redis & { kovaWrite(...args: string[]): Promise<string[] | null> };

export function defineScripts(redis: Redis): ScriptedRedis {
  redis.defineCommand("kovaWrite", { numberOfKeys: 0, lua: WRITE_SCRIPT });
  return redis as ScriptedRedis;
}

function valueOf(source: ValueSource, args: readonly unknown[]): unknown {
  return source.from === "arg" ? args[source.index] : source.value;
}

/** JSON text from a hash (or a missing field: null) → the value. */
function parseField(text: string | null | undefined): unknown {
  return text === null || text === undefined ? null : JSON.parse(text);
}

interface StoredVersion {
  version: number;
  operation: HistoryEntry["operation"];
  at: number;
  data: Row;
}

export function pickColumns(data: Row, columns: readonly ResultColumn[]): Row {
  const row: Row = {};
  for (const c of columns) row[c.name] = data[c.name] ?? null;
  return row;
}

/** The page [offset, offset + limit) of a list. */
function page<T>(items: T[], compiled: RedisCompiledQuery, args: readonly unknown[]): T[] {
  const offset = compiled.offset === undefined ? 0 : countValue(valueOf(compiled.offset, args), "OFFSET");
  const limit = compiled.limit === undefined ? undefined : countValue(valueOf(compiled.limit, args), "LIMIT");
  return items.slice(offset, limit === undefined ? undefined : offset + limit);
}

export class RedisRunner {
  private readonly codecs = new CodecCache<StoredValue>({ encode: encodeFieldValue, defaultValue });
  /** Write instants: the wall clock, never before the last instant handed out (as the embedded store). */
  private readonly clock = new InstantClock();

  constructor(
    private readonly redis: ScriptedRedis,
    private readonly keyPrefix: string,
    /** The schemas of the entities compiled queries name (learned by migrate()). */
    private readonly entities: EntitySchemas,
  ) {}

  base(table: string): string {
    return this.keyPrefix + table;
  }

  private nextInstant(): number {
    return this.clock.next();
  }

  private codec(entity: EntitySchema): EntityCodec {
    return this.codecs.codec(entity);
  }

  async run(compiled: RedisCompiledQuery, args: readonly unknown[]): Promise<unknown> {
    if (compiled.dialect !== "redis") throw new Error(`the redis driver runs Redis queries, not ${String(compiled.dialect)} ones`);
    switch (compiled.kind) {
      case "select":
        return compiled.access === "all" ? this.selectAll(compiled, args) : this.selectById(compiled, args);
      case "history":
        return this.history(compiled, args);
      default:
        return this.write(compiled, args);
    }
  }

  private async readRow(base: string, id: number, columns: readonly ResultColumn[]): Promise<Row | null> {
    const names = columns.filter((c) => c.name !== "id").map((c) => c.name);
    const [marker, ...values] = await this.redis.hmget(`${base}:${id}`, "__id", ...names);
    if (marker === null) return null;
    const row: Row = { id };
    names.forEach((name, i) => (row[name] = parseField(values[i])));
    return row;
  }

  private async versions(base: string, id: number): Promise<StoredVersion[]> {
    return (await this.redis.lrange(`${base}:${id}:history`, 0, -1)).map((text) => JSON.parse(text) as StoredVersion);
  }

  private async selectById(compiled: RedisCompiledQuery, args: readonly unknown[]): Promise<unknown> {
    const id = integerId(valueOf(compiled.id!, args));
    const base = this.base(compiled.table);
    let row: Row | null = null;
    if (compiled.asOf !== undefined) {
      const t = asOfMs(valueOf(compiled.asOf, args));
      if (id !== undefined) {
        // Versions are in write order and `at` never decreases, so the last one at or before t is it.
        const version = (await this.versions(base, id)).filter((v) => v.at <= t).pop();
        if (version !== undefined && version.operation !== "delete") row = pickColumns(version.data, compiled.columns);
      }
    } else if (id !== undefined) {
      row = await this.readRow(base, id, compiled.columns);
    }
    const rows = page(row === null ? [] : [row], compiled, args);
    return compiled.single ? (rows[0] ?? null) : rows;
  }

  private async selectAll(compiled: RedisCompiledQuery, args: readonly unknown[]): Promise<unknown> {
    const offset = compiled.offset === undefined ? 0 : countValue(valueOf(compiled.offset, args), "OFFSET");
    const limit = compiled.limit === undefined ? undefined : countValue(valueOf(compiled.limit, args), "LIMIT");
    if (limit === 0) return compiled.single ? null : [];
    const base = this.base(compiled.table);
    const stop = limit === undefined ? -1 : offset + limit - 1;
    const ids = compiled.descending ? await this.redis.zrevrange(`${base}:ids`, offset, stop) : await this.redis.zrange(`${base}:ids`, String(offset), String(stop));
    const names = compiled.columns.filter((c) => c.name !== "id").map((c) => c.name);
    const pipeline = this.redis.pipeline();
    for (const id of ids) pipeline.hmget(`${base}:${id}`, "__id", ...names);
    const replies = (await pipeline.exec()) ?? [];
    const rows: Row[] = [];
    replies.forEach(([error, reply], i) => {
      if (error) throw error;
      const [marker, ...values] = reply as Array<string | null>;
      // A row deleted between ZRANGE and HMGET is simply no longer there.
      if (marker === null) return;
      const row: Row = { id: Number(ids[i]) };
      names.forEach((name, j) => (row[name] = parseField(values[j])));
      rows.push(row);
    });
    return compiled.single ? (rows[0] ?? null) : rows;
  }

  private async history(compiled: RedisCompiledQuery, args: readonly unknown[]): Promise<HistoryEntry[]> {
    const id = integerId(valueOf(compiled.id!, args));
    if (id === undefined) return [];
    const versions = await this.versions(this.base(compiled.table), id);
    if (compiled.descending) versions.reverse();
    return page(versions, compiled, args).map((v) => ({
      version: v.version,
      operation: v.operation,
      at: new Date(v.at).toISOString(),
      data: pickColumns(v.data, compiled.columns),
    }));
  }

  private async script(compiled: RedisCompiledQuery, op: "insert" | "update" | "delete", id: number | undefined, values: readonly unknown[]): Promise<Row | null> {
    const entity = this.entities.get(compiled.plan.entity);
    const names = entity.fields.map((f) => f.name);
    const unique = entity.fields.filter((f) => f.unique).map((f) => f.name);
    let reply: string[] | null;
    try {
      reply = await this.redis.kovaWrite(...writeArguments(this.base(compiled.table), op, id, this.nextInstant(), names, values, unique, { keep: keepsHistory(entity), secret: secretFields(entity) }));
    } catch (error) {
      const match = /KOVA_UNIQUE (\w+)/.exec(error instanceof Error ? error.message : "");
      if (match !== null) throw new QueryError(`a ${entity.name} with this ${match[1]} already exists`, 409, match[1]);
      throw error;
    }
    if (reply === null) return null;
    const row: Row = { id: Number(reply[0]) };
    names.forEach((name, i) => (row[name] = parseField(reply![3 + i])));
    return row;
  }

  private async write(compiled: RedisCompiledQuery, args: readonly unknown[]): Promise<unknown> {
    const codec = this.codec(this.entities.get(compiled.plan.entity));
    const plan = compiled.plan;
    const one = (row: Row | null) => (compiled.single ? row : row === null ? [] : [row]);
    switch (plan.kind) {
      case "insert": {
        const record = codec.fromPlan(plan.values, args);
        return this.script(compiled, "insert", undefined, codec.completeForInsert(record, Date.now()));
      }
      case "save": {
        // A PUT (see @kova/query saveTarget): replace the row with that id (every field set, in
        // the one script), else a 404; without an id, insert a new row.
        const target = saveTarget(codec, codec.fromPlan(plan.values, args), readId, Date.now());
        if (target.kind === "insert") return this.script(compiled, "insert", undefined, codec.completeForInsert(target.record, Date.now()));
        const replaced = await this.script(compiled, "update", target.id, target.values);
        if (replaced === null) throw noRecordToSave(codec.entity, target.id);
        return replaced;
      }
      case "update": {
        const record = codec.fromPlan(plan.values, args);
        const id = integerId(valueOf(compiled.id!, args));
        if (id === undefined) return one(null);
        // An update that sets nothing (PATCH {}) changes nothing: the row as it is, no version.
        if (writesNothing(plan.values, record)) return one(await this.readRow(this.base(compiled.table), id, compiled.columns));
        return one(await this.script(compiled, "update", id, record.values));
      }
      case "delete": {
        const id = integerId(valueOf(compiled.id!, args));
        return one(id === undefined ? null : await this.script(compiled, "delete", id, []));
      }
      default:
        throw new Error(`cannot write with a ${plan.kind} plan`);
    }
  }
}

type EntityCodec = EntityWriteCodec<StoredValue>;

/** The id a save names (digits, spaces around them allowed). */
function readId(id: unknown): number | undefined {
  return integerId(id);
}
