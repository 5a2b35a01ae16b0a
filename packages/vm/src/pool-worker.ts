/**
 * One thread of the execution pool (pool.ts). It keeps the programs the main thread sent it and
 * runs executions on them with the same interpreter and quotas as the main thread would; a query
 * is asked of the main thread, which holds the tenant's store, and its rows come back by message.
 * Several executions may be in flight here at once: while one waits on a query, another runs.
 */
import { parentPort } from "node:worker_threads";
import type { CompiledQuery, Driver } from "@kova/query";
import { Execution, type ExecutionContext } from "./interpreter.js";
import type { ReadyProgram } from "./load.js";
import { fromWire, toWire, type FromWorker, type ToWorker } from "./pool-messages.js";

const port = parentPort!;
const programs = new Map<string, { ready: ReadyProgram; queryIndex: Map<unknown, number> }>();
const waiting = new Map<number, { resolve: (rows: unknown) => void; reject: (error: Error) => void }>();
let nextCall = 0;

function send(message: FromWorker): void {
  port.postMessage(message);
}

port.on("message", (m: ToWorker) => {
  switch (m.kind) {
    case "program": {
      // The main thread verified the program before it sent it; the statements' identity maps a query back to its index.
      const queryIndex = new Map<unknown, number>(m.program.program.queries.map((q, i) => [q.statement, i]));
      programs.set(m.program.hash, { ready: m.program, queryIndex });
      return;
    }
    case "forget":
      programs.delete(m.hash);
      return;
    case "rows": {
      const w = waiting.get(m.call);
      if (w === undefined) return;
      waiting.delete(m.call);
      if (m.error !== undefined) w.reject(fromWire(m.error));
      else w.resolve(m.rows);
      return;
    }
    case "run":
      void run(m);
      return;
  }
});

// Loaded: the main thread starts judging this worker's silence by its executions' deadlines now.
send({ kind: "ready" });

async function run(m: Extract<ToWorker, { kind: "run" }>): Promise<void> {
  const loaded = programs.get(m.hash);
  if (loaded === undefined) return send({ kind: "failed", id: m.id, error: { name: "Error", message: `internal: program ${m.hash.slice(0, 12)}… was not sent to this worker` } });
  const db = (): Driver => ({
    execute: (statement: CompiledQuery, args: readonly unknown[]) =>
      new Promise<unknown>((resolve, reject) => {
        const call = nextCall++;
        waiting.set(call, { resolve, reject });
        send({ kind: "query", id: m.id, call, query: loaded.queryIndex.get(statement) ?? -1, args: [...args] });
      }),
  }) as unknown as Driver;
  const ctx = { ...m.inputs, db } as unknown as ExecutionContext;
  const execution = new Execution(loaded.ready, m.quotas, ctx);
  try {
    const reply = await execution.runRoute(m.fn);
    // The serialiser is a function: the main thread makes its own from the query's index.
    const plain = { status: reply.status, body: reply.body, headers: reply.headers, cookies: reply.cookies };
    send({ kind: "done", id: m.id, reply: plain, serialize: execution.serializedBy });
  } catch (error) {
    send({ kind: "failed", id: m.id, error: toWire(error) });
  }
}
