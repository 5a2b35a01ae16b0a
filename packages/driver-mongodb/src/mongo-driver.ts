/**
 * The MongoDB driver on the official `mongodb` client. The client keeps a connection pool and
 * reconnects by itself (server discovery and monitoring); while the server is unreachable, a
 * statement fails with a QueryError 503 naming the data source.
 */
import { MongoClient, MongoError, type ClientSession, type Db } from "mongodb";
import { EntitySchemas, QueryError, type CompiledQuery, type Driver, type DriverConfig, type EntitySchema, type Executor, type HealthReport } from "@kova/query";
import { mongoDialect } from "./mongo-dialect.js";
import type { MongoCompiledQuery } from "./mongo-compiled.js";
import { resolveOptions, type ResolvedMongoOptions } from "./mongo-options.js";
import { MongoRunner } from "./mongo-runner.js";
import { migrateSchema } from "./mongo-schema.js";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Errors that mean "the database cannot be reached right now" (the runtime answers 503). */
function isUnavailable(error: unknown): boolean {
  if (!(error instanceof MongoError)) return false;
  const name = error.name;
  return (
    name === "MongoNetworkError" ||
    name === "MongoNetworkTimeoutError" ||
    name === "MongoServerSelectionError" ||
    name === "MongoNotConnectedError" ||
    name === "MongoTopologyClosedError" ||
    error.hasErrorLabel("RetryableWriteError") ||
    error.hasErrorLabel("TransientTransactionError")
  );
}

export class MongoDriver implements Driver {
  readonly dialect = mongoDialect;
  readonly options: ResolvedMongoOptions;
  private client: MongoClient | undefined;
  private db: Db | undefined;
  private runner: MongoRunner | undefined;
  /** The entities migrate() stored: compiled queries name them. */
  private readonly entities: EntitySchemas;
  private closed = false;
  /** Whether writes run in multi-document transactions (decided at connect). */
  transactionsAvailable = false;

  constructor(private readonly config: DriverConfig) {
    this.entities = new EntitySchemas(config.name);
    this.options = resolveOptions(config);
  }

  private unavailable(error: unknown): QueryError {
    const reason = error instanceof Error ? error.message : String(error);
    return new QueryError(`data source '${this.config.name}' is unavailable: MongoDB at ${this.options.address}: ${reason}`, 503);
  }

  async connect(): Promise<void> {
    if (this.runner !== undefined) return;
    const o = this.options;
    let lastError: unknown;
    for (let attempt = 1; attempt <= o.connectRetries; attempt++) {
      const client = new MongoClient(o.url, {
        maxPoolSize: o.maxPoolSize,
        maxIdleTimeMS: o.idleTimeoutMs,
        socketTimeoutMS: o.statementTimeoutMs,
        // One try waits this long for a server; with the backoff below, 5 tries take about 5 s.
        serverSelectionTimeoutMS: 800,
        connectTimeoutMS: 800,
      });
      try {
        await client.connect();
        const db = client.db(o.database);
        const hello = await db.admin().command({ hello: 1 });
        const replicated = typeof hello.setName === "string" || hello.msg === "isdbgrid";
        this.transactionsAvailable = o.transactions === "on" || (o.transactions === "auto" && replicated);
        // After the first connection the client waits longer for a server, riding out failovers.
        this.client = client;
        this.db = db;
        this.runner = new MongoRunner(db, this.entities);
        return;
      } catch (error) {
        lastError = error;
        await client.close().catch(() => undefined);
        if (attempt < o.connectRetries) await sleep(Math.min(100 * 2 ** (attempt - 1), 1000));
      }
    }
    const reason = lastError instanceof Error ? lastError.message : String(lastError);
    throw new Error(`cannot connect data source "${this.config.name}" to MongoDB at ${o.address} (${o.connectRetries} tries): ${reason}`);
  }

  private ready(): { db: Db; runner: MongoRunner; client: MongoClient } {
    if (this.runner === undefined || this.client === undefined || this.db === undefined) {
      throw new QueryError(`data source '${this.config.name}' is unavailable: ${this.closed ? "closed" : "not connected"}`, 503);
    }
    return { db: this.db, runner: this.runner, client: this.client };
  }

  async migrate(entities: readonly EntitySchema[]): Promise<void> {
    await migrateSchema(this.ready().db, entities);
    this.entities.remember(entities);
  }

  /** Runs `work` in a transaction when available, else directly (ordered writes). */
  private async atomically<T>(work: (session: ClientSession | undefined) => Promise<T>): Promise<T> {
    const { client } = this.ready();
    if (!this.transactionsAvailable) return work(undefined);
    const session = client.startSession();
    try {
      return await session.withTransaction(() => work(session));
    } finally {
      await session.endSession();
    }
  }

  private check(query: CompiledQuery): MongoCompiledQuery {
    if (query.dialect !== "mongodb") throw new Error(`the mongodb driver runs MongoDB commands, not ${String(query.dialect)} ones`);
    return query as MongoCompiledQuery;
  }

  private async guarded<T>(run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      if (error instanceof QueryError) throw error;
      if (isUnavailable(error)) throw this.unavailable(error);
      throw error;
    }
  }

  async execute(query: CompiledQuery, args: readonly unknown[]): Promise<unknown> {
    const compiled = this.check(query);
    return this.guarded(() => {
      const { runner } = this.ready();
      if (compiled.kind === "select" || compiled.kind === "history") return runner.run(compiled, args, undefined);
      return this.atomically((session) => runner.run(compiled, args, session));
    });
  }

  async transaction<T>(work: (tx: Executor) => Promise<T>): Promise<T> {
    if (!this.transactionsAvailable) {
      throw new Error(
        `data source '${this.config.name}': MongoDB at ${this.options.address} is a standalone server, which has no multi-document ` +
          `transactions; run it as a replica set (a single-node one is enough) to use TRANSACTION`,
      );
    }
    return this.guarded(() =>
      this.atomically(async (session) => {
        const { runner } = this.ready();
        return work({ execute: async (query, args) => runner.run(this.check(query), args, session) });
      }),
    );
  }

  async health(): Promise<HealthReport> {
    try {
      await this.ready().db.command({ ping: 1 });
      return { ok: true, detail: `mongodb ${this.options.address}/${this.options.database}${this.transactionsAvailable ? "" : " (standalone: no transactions)"}` };
    } catch (error) {
      return { ok: false, detail: `mongodb ${this.options.address}: ${error instanceof Error ? error.message : String(error)}` };
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const client = this.client;
    this.client = undefined;
    this.db = undefined;
    this.runner = undefined;
    await client?.close();
  }
}

export function createMongoDriver(config: DriverConfig): MongoDriver {
  return new MongoDriver(config);
}
