/**
 * The Redis driver on ioredis: one multiplexed connection. Commands are not queued while the
 * connection is down (enableOfflineQueue: false, maxRetriesPerRequest: 0): they fail at once with a
 * QueryError 503, and ioredis reconnects in the background with backoff, so service resumes by
 * itself when Redis is back.
 */
import { Redis } from "ioredis";
import { EntitySchemas, QueryError, type CompiledQuery, type Driver, type DriverConfig, type EntitySchema, type Executor, type HealthReport } from "@kova/query";
import { redisDialect } from "./redis-dialect.js";
import type { RedisCompiledQuery } from "./redis-query-compiler.js";
import { resolveOptions, type ResolvedRedisOptions } from "./redis-options.js";
import { defineScripts, RedisRunner } from "./redis-runner.js";
import { migrateSchema } from "./redis-schema.js";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export class RedisDriver implements Driver {
  readonly dialect = redisDialect;
  readonly options: ResolvedRedisOptions;
  private redis: Redis | undefined;
  private runner: RedisRunner | undefined;
  /** The entities migrate() stored: compiled queries name them. */
  private readonly entities: EntitySchemas;
  private closed = false;
  private lastError: Error | undefined;

  constructor(private readonly config: DriverConfig) {
    this.entities = new EntitySchemas(config.name);
    this.options = resolveOptions(config);
  }

  private client(retry: boolean): Redis {
    const o = this.options;
    const redis = new Redis({
      host: o.host,
      port: o.port,
      username: o.username,
      password: o.password,
      db: o.db,
      ...(o.tls === undefined ? {} : { tls: o.tls }),
      // Visible in CLIENT LIST, so operators (and tests) can tell which app and data source it is.
      connectionName: `kova:${this.config.name}`,
      lazyConnect: true,
      connectTimeout: 800,
      commandTimeout: o.statementTimeoutMs,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      // While serving: reconnect after 100 ms, 200 ms, … up to 2 s between tries, for ever.
      retryStrategy: retry ? (times: number) => Math.min(100 * times, 2000) : () => null,
    });
    // Without a listener ioredis logs every connection error; the driver reports them itself.
    redis.on("error", (error: Error) => (this.lastError = error));
    return redis;
  }

  async connect(): Promise<void> {
    if (this.redis !== undefined) return;
    const o = this.options;
    for (let attempt = 1; attempt <= o.connectRetries; attempt++) {
      const redis = this.client(false);
      const before = this.lastError;
      try {
        await redis.connect();
        // Connected: from now on ioredis reconnects by itself after a connection loss.
        redis.options.retryStrategy = (times: number) => Math.min(100 * times, 2000);
        this.redis = redis;
        this.runner = new RedisRunner(defineScripts(redis), o.keyPrefix, this.entities);
        return;
      } catch (error) {
        // ioredis rejects with "Connection is closed."; the socket's own error (ECONNREFUSED,
        // a DNS failure, a wrong password) arrived as an "error" event just before and says more.
        if (this.lastError === before) this.lastError = error instanceof Error ? error : new Error(String(error));
        redis.disconnect();
        if (attempt < o.connectRetries) await sleep(Math.min(100 * 2 ** (attempt - 1), 1000));
      }
    }
    throw new Error(`cannot connect data source "${this.config.name}" to Redis at ${o.address} (${o.connectRetries} tries): ${this.lastError?.message ?? "no answer"}`);
  }

  private ready(): { redis: Redis; runner: RedisRunner } {
    if (this.redis === undefined || this.runner === undefined) {
      throw new QueryError(`data source '${this.config.name}' is unavailable: ${this.closed ? "closed" : "not connected"}`, 503);
    }
    return { redis: this.redis, runner: this.runner };
  }

  async migrate(entities: readonly EntitySchema[]): Promise<void> {
    await migrateSchema(this.ready().redis, this.options.keyPrefix, entities);
    this.entities.remember(entities);
  }

  async execute(query: CompiledQuery, args: readonly unknown[]): Promise<unknown> {
    const { runner } = this.ready();
    try {
      return await runner.run(query as RedisCompiledQuery, args);
    } catch (error) {
      if (error instanceof QueryError) throw error;
      // A ReplyError is Redis answering with an error (a bug, not an outage); anything else is the connection.
      if (error instanceof Error && error.name !== "ReplyError" && !error.message.startsWith("the redis driver")) {
        throw new QueryError(`data source '${this.config.name}' is unavailable: Redis at ${this.options.address}: ${error.message}`, 503);
      }
      throw error;
    }
  }

  /**
   * Redis has no interactive transactions (MULTI/EXEC cannot read inside one), so a TRANSACTION
   * block is refused rather than run without its guarantee. Each write alone is atomic.
   */
  async transaction<T>(_work: (tx: Executor) => Promise<T>): Promise<T> {
    throw new Error(
      `data source '${this.config.name}': Redis cannot run a TRANSACTION block (MULTI/EXEC cannot read inside a transaction); ` +
        `each single write is atomic with its history. Use a SQL data source or mongodb (replica set) for multi-statement transactions.`,
    );
  }

  /** Scripts by text, each defined once as an ioredis command (EVALSHA, loading it on NOSCRIPT). */
  private readonly scripts = new Map<string, string>();

  async evalScript(script: string, keys: readonly string[], args: ReadonlyArray<string | number>): Promise<unknown> {
    const { redis } = this.ready();
    let name = this.scripts.get(script);
    if (name === undefined) {
      name = `kovaScript${this.scripts.size}`;
      redis.defineCommand(name, { lua: script, numberOfKeys: keys.length });
      this.scripts.set(script, name);
    }
    const command = (redis as unknown as Record<string, (...a: Array<string | number>) => Promise<unknown>>)[name];
    return command.call(redis, ...keys.map((k) => this.options.keyPrefix + k), ...args);
  }

  async health(): Promise<HealthReport> {
    try {
      const pong = await this.ready().redis.ping();
      return { ok: pong === "PONG", detail: `redis ${this.options.address}/${this.options.db}` };
    } catch (error) {
      return { ok: false, detail: `redis ${this.options.address}: ${error instanceof Error ? error.message : String(error)}` };
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const redis = this.redis;
    this.redis = undefined;
    this.runner = undefined;
    if (redis !== undefined) await redis.quit().catch(() => redis.disconnect());
  }
}

export function createRedisDriver(config: DriverConfig): RedisDriver {
  return new RedisDriver(config);
}
