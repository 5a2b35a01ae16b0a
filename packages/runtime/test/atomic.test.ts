/**
 * The handler stage's transactions (src/atomic.ts): which drivers it opens a transaction on, in what
 * order they commit, and that a failure or a lost client rolls every one of them back.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { QueryError, transactionConflict, type CompiledQuery, type Dialect, type Driver, type Executor, type HealthReport } from "@kova/query";
import { HttpError, type Reply, type RouteDefinition } from "../src/app.js";
import { CONFLICT_ATTEMPTS, runHandler } from "../src/atomic.js";
import { ClientGoneError } from "../src/body.js";
import type { Exchange } from "../src/exchange.js";

/** Records what happens to its transactions in a shared log. */
class RecordingDriver implements Driver {
  readonly dialect: Dialect;
  constructor(private readonly name: string, private readonly log: string[], limits?: Dialect["limits"]) {
    this.dialect = { name, compile: () => ({ dialect: name, plan: { kind: "select" } }) as unknown as CompiledQuery, limits };
  }
  async connect(): Promise<void> {}
  async migrate(): Promise<void> {}
  async execute(): Promise<unknown> {
    this.log.push(`${this.name}: write`);
    return null;
  }
  async transaction<T>(work: (tx: Executor) => Promise<T>): Promise<T> {
    this.log.push(`${this.name}: begin`);
    try {
      const result = await work(this);
      this.log.push(`${this.name}: commit`);
      return result;
    } catch (error) {
      this.log.push(`${this.name}: rollback`);
      throw error;
    }
  }
  async health(): Promise<HealthReport> {
    return { ok: true, detail: this.name };
  }
  async close(): Promise<void> {}
}

function exchange(definition: Partial<RouteDefinition>, drivers: Record<string, Driver>, gone = false): Exchange {
  const route = { definition: { method: "POST", path: "/x", params: [], ...definition } };
  return { route, db: (name?: string) => drivers[name ?? "a"], clientGone: () => gone, dropBroadcasts: () => undefined } as unknown as Exchange;
}

test("a route without writes runs its handler with no transaction", async () => {
  const log: string[] = [];
  const a = new RecordingDriver("a", log);
  const reply = await runHandler(exchange({ handler: () => ({ body: 1 }) }, { a }));
  assert.deepEqual([reply, log], [{ body: 1 }, []]);
});

test("one transaction per written source, nested in order and committed innermost first", async () => {
  const log: string[] = [];
  const drivers = { a: new RecordingDriver("a", log), b: new RecordingDriver("b", log) };
  const handler = async (ctx: { db(name: string): Driver }): Promise<Reply> => {
    await ctx.db("a").execute({} as CompiledQuery, []);
    await ctx.db("b").execute({} as CompiledQuery, []);
    return { body: "ok" };
  };
  const reply = await runHandler(exchange({ handler: handler as RouteDefinition["handler"], writes: ["a", "b"] }, drivers));
  assert.deepEqual(reply, { body: "ok" });
  assert.deepEqual(log, ["a: begin", "b: begin", "a: write", "b: write", "b: commit", "a: commit"]);
});

test("an ERROR in the handler rolls back every source, and the error reaches the pipeline", async () => {
  const log: string[] = [];
  const drivers = { a: new RecordingDriver("a", log), b: new RecordingDriver("b", log) };
  const handler = () => {
    throw new HttpError(409, "no");
  };
  await assert.rejects(Promise.resolve(runHandler(exchange({ handler, writes: ["a", "b"] }, drivers))), (e: unknown) => e instanceof HttpError && e.status === 409);
  assert.deepEqual(log, ["a: begin", "b: begin", "b: rollback", "a: rollback"]);
});

test("a client gone when the handler returns: rolled back, answered with nothing", async () => {
  const log: string[] = [];
  const a = new RecordingDriver("a", log);
  await assert.rejects(Promise.resolve(runHandler(exchange({ handler: () => ({ body: 1 }), writes: ["a"] }, { a }, true))), ClientGoneError);
  assert.deepEqual(log, ["a: begin", "a: rollback"]);
});

test("a source whose dialect cannot roll back gets no transaction (the build refused what that would break)", async () => {
  const log: string[] = [];
  const drivers = { a: new RecordingDriver("a", log, { transactions: "no rollback" }), b: new RecordingDriver("b", log) };
  await runHandler(exchange({ handler: () => ({ body: 1 }), writes: ["a", "b"] }, drivers));
  assert.deepEqual(log, ["b: begin", "b: commit"]);
});

/** A handler whose first `conflicts` runs fail as the database does when it gives up on a transaction (a deadlock). */
function conflicting(conflicts: number): { handler: RouteDefinition["handler"]; runs: () => number } {
  let runs = 0;
  const handler = async (ctx: { db(name: string): Driver }): Promise<Reply> => {
    runs++;
    await ctx.db("a").execute({} as CompiledQuery, []);
    if (runs <= conflicts) throw transactionConflict(new QueryError("data source 'a' is unavailable: the write conflicted with another; try again", 503));
    return { body: runs };
  };
  return { handler: handler as RouteDefinition["handler"], runs: () => runs };
}

test("a deadlocked transaction of a handler that only touches its data sources is run again", async () => {
  const log: string[] = [];
  const a = new RecordingDriver("a", log);
  const { handler } = conflicting(2);
  const reply = await runHandler(exchange({ handler, writes: ["a"], retry: true }, { a }));
  assert.deepEqual(reply, { body: 3 });
  assert.deepEqual(log, ["a: begin", "a: write", "a: rollback", "a: begin", "a: write", "a: rollback", "a: begin", "a: write", "a: commit"]);
});

test("without the compiler's retry (the handler reaches outside its data sources), a deadlock is answered as it is", async () => {
  const log: string[] = [];
  const a = new RecordingDriver("a", log);
  const { handler, runs } = conflicting(1);
  await assert.rejects(Promise.resolve(runHandler(exchange({ handler, writes: ["a"] }, { a }))), (e: unknown) => e instanceof QueryError && e.status === 503);
  assert.equal(runs(), 1);
});

test("retries are bounded: a transaction that keeps deadlocking is answered 503", async () => {
  const log: string[] = [];
  const a = new RecordingDriver("a", log);
  const { handler, runs } = conflicting(100);
  await assert.rejects(Promise.resolve(runHandler(exchange({ handler, writes: ["a"], retry: true }, { a }))), (e: unknown) => e instanceof QueryError && e.status === 503);
  assert.equal(runs(), CONFLICT_ATTEMPTS);
});

test("other failures are not retried", async () => {
  const log: string[] = [];
  const a = new RecordingDriver("a", log);
  let runs = 0;
  const handler = () => {
    runs++;
    throw new QueryError("a Note with this title already exists", 409, "title");
  };
  await assert.rejects(Promise.resolve(runHandler(exchange({ handler, writes: ["a"], retry: true }, { a }))), (e: unknown) => e instanceof QueryError && e.status === 409);
  assert.equal(runs, 1);
});
