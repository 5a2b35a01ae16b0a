/**
 * The execution pool: executions on worker threads answer as on the main thread (queries reach the
 * main thread's store), a program that exhausts a worker's heap kills only that worker, and two
 * CPU-bound executions on two workers take about the time of one. Known-cheap handlers (an
 * instruction bound, cost.ts) run on the calling thread unless the pool is told otherwise.
 */
import assert from "node:assert/strict";
import { cpus, loadavg } from "node:os";
import { after, describe, test } from "node:test";
import { CHEAP_INSTRUCTIONS, DEFAULT_QUOTAS, ExecutionPool, QuotaExceeded, type Quotas, type ReadyProgram } from "../src/index.js";
import type { Driver } from "@kova/query";
import { compileProgram, execute } from "./helpers.js";

const ITEM = "ENTITY Item {\n  n: int\n  s: text\n}\n";
const LIST = `[${Array.from({ length: 100 }, (_, i) => i).join(", ")}]`;

const SOURCE = `${ITEM}
GET /items {
  RESPOND SELECT * FROM Item WHERE n < $query.below ORDER_BY n
}
POST /items {
  RESPOND INSERT INTO Item { n: $body.n, s: $body.s }
}
GET /spin {
  n = 0
  FOR a IN ${LIST} {
    FOR b IN ${LIST} {
      FOR c IN ${LIST} {
        n = n + (a * b + c) % 7
      }
    }
  }
  RESPOND n
}
GET /bomb {
  xs = [1, 2, 3, 4]
  FOR a IN ${LIST} {
    xs = [...xs, ...xs]
  }
  RESPOND len(xs)
}
GET /hello {
  RESPOND { hello: $query.name }
}
`;

/** Runs a route on the pool with a request's values, as the runtime hands them. */
async function onPool(pool: ExecutionPool, ready: ReadyProgram, route: string, request: { query?: Record<string, unknown>; body?: unknown; driver?: Driver | null }, quotas: Partial<Quotas> = {}) {
  const ctx = {
    params: {}, query: request.query ?? {}, headers: {}, cookies: {}, body: request.body, auth: null, env: {},
    db: () => {
      if (!request.driver) throw new Error("no data source in this test");
      return request.driver;
    },
  };
  const reply = await pool.run(ready, ready.routes.get(route)!, { ...DEFAULT_QUOTAS, ...quotas }, ctx as never);
  return { status: reply.status ?? 200, body: reply.body === undefined ? undefined : JSON.parse(reply.serialize ? reply.serialize(reply.body) : JSON.stringify(reply.body)) };
}

describe("the execution pool", async () => {
  const program = await compileProgram(SOURCE);
  // Every execution on a worker, cheap or not: these tests are about the workers.
  const pool = new ExecutionPool({ size: 2, memoryMb: 128, inlineCheap: false });
  after(async () => {
    await pool.close();
    await program.close();
  });

  test("answers as the main thread does, its queries run on the main thread's store", async () => {
    for (let n = 0; n < 5; n++) await onPool(pool, program.ready, "POST /items", { body: { n, s: `s${n}` }, driver: program.driver });
    const pooled = await onPool(pool, program.ready, "GET /items", { query: { below: "3" }, driver: program.driver });
    const direct = await execute(program.ready, "GET /items", { query: { below: "3" }, driver: program.driver });
    assert.equal(pooled.status, 200);
    assert.deepEqual(pooled.body, direct.body);
    assert.deepEqual((pooled.body as Array<{ n: number }>).map((r) => r.n), [0, 1, 2]);
    assert.deepEqual(await onPool(pool, program.ready, "GET /hello", { query: { name: "kova" } }), { status: 200, body: { hello: "kova" } });
    assert.equal(pool.executions.inline, 0);
  });

  test("a quota stop in a worker is the same problem, naming the quota", async () => {
    await assert.rejects(onPool(pool, program.ready, "GET /spin", {}, { fuel: 10_000 }), (error: unknown) => error instanceof QuotaExceeded && error.quota === "fuel" && error.status === 503);
  });

  test("a program past the worker's heap kills only its worker, with a 503 naming memory; the pool replaces it", async () => {
    const restarts = pool.restarts;
    // The VM's own memory quota is set out of reach, so the worker's resourceLimits are what stop it.
    const bomb = onPool(pool, program.ready, "GET /bomb", {}, { memoryBytes: 1e12, fuel: 1e12, deadlineMs: 60_000 });
    const beside = onPool(pool, program.ready, "GET /hello", { query: { name: "beside" } });
    await assert.rejects(bomb, (error: { status?: number; extra?: { quota?: string }; message: string }) => {
      assert.equal(error.status, 503);
      assert.equal(error.extra?.quota, "memoryBytes");
      assert.match(error.message, /ran out of memory/);
      return true;
    });
    assert.deepEqual(await beside, { status: 200, body: { hello: "beside" } });
    assert.equal(pool.restarts, restarts + 1);
    assert.equal(pool.size, 2);
    // The replacement serves (the program is sent to it again on first use).
    for (let i = 0; i < 4; i++) assert.deepEqual(await onPool(pool, program.ready, "GET /hello", { query: { name: `after${i}` } }), { status: 200, body: { hello: `after${i}` } });
  });

  test("two CPU-bound executions on two workers run in parallel", async () => {
    const spin = () => onPool(pool, program.ready, "GET /spin", {}, { fuel: 1e12, deadlineMs: 60_000 }).then(() => performance.now());
    await Promise.all([spin(), spin()]); // warm both workers
    let one = Infinity;
    let two = Infinity;
    let gap = Infinity;
    // Cores the machine left idle while the two ran (its idle time ÷ the wall time), in the best run.
    let idleCores = 0;
    // Best of three: the machine is shared, the best run is the one least disturbed.
    for (let i = 0; i < 3; i++) {
      let started = performance.now();
      await spin();
      one = Math.min(one, performance.now() - started);
      const idleBefore = machineIdleMs();
      started = performance.now();
      const [a, b] = await Promise.all([spin(), spin()]);
      const wall = Math.max(a, b) - started;
      if (wall < two) {
        two = wall;
        idleCores = (machineIdleMs() - idleBefore) / wall;
      }
      gap = Math.min(gap, Math.abs(a - b));
    }
    const figures = `one execution ${one.toFixed(1)} ms, two at once ${two.toFixed(1)} ms, their ends ${gap.toFixed(1)} ms apart, ${idleCores.toFixed(2)} cores idle meanwhile (load ${loadavg()[0].toFixed(1)})`;
    // On one thread the second would end one execution after the first; on two they end together.
    assert.ok(gap < one * 0.5, figures);
    // In sequence two take 2× one; in parallel close to 1×. The ratio says something only when the
    // machine had a core to give: taking 2× while a core sat idle means the pool did not run them
    // side by side; taking 2× with no core idle means other processes (other test files) had it.
    if (idleCores >= 0.5) assert.ok(two < one * 1.6, figures);
    else console.log(`# wall-time ratio not asserted, no core sat idle (the two workers, or other work, had both): ${figures}`);
  });
});

describe("known-cheap handlers on a pool", async () => {
  const CHEAP = `${ITEM}
FN twice(x: int) {
  RETURN x * 2
}
GET /hello {
  RESPOND { hello: $query.name, n: twice(21), size: len($query.name) }
}
GET /items {
  RESPOND SELECT * FROM Item WHERE n < $query.below ORDER_BY n
}
POST /items {
  RESPOND INSERT INTO Item { n: $body.n, s: $body.s }
}
GET /loop {
  n = 0
  FOR a IN [1, 2, 3] {
    n = n + a
  }
  RESPOND n
}
GET /squares {
  RESPOND [x * x FOR x IN [1, 2, 3]]
}
GET /sorted {
  RESPOND sort([3, 1, 2])
}
GET /like {
  RESPOND { m: $query.name LIKE "k%" }
}
`;
  const program = await compileProgram(CHEAP);
  const pool = new ExecutionPool({ size: 1, memoryMb: 128 });
  after(async () => {
    await pool.close();
    await program.close();
  });
  const bound = (route: string) => program.ready.bounds[program.ready.routes.get(route)!];

  test("a handler without loops, tasks or superlinear work has an instruction bound that counts the FNs it calls", () => {
    assert.ok(bound("GET /hello") > 0 && bound("GET /hello") <= CHEAP_INSTRUCTIONS);
    const twice = program.ready.functions.findIndex((f) => f.name === "twice");
    assert.ok(program.ready.bounds[twice] > 0);
    assert.ok(bound("GET /hello") > program.ready.bounds[twice], "the caller's bound includes its callee's");
    assert.ok(bound("GET /items") > 0, "a query does not take the bound away (the store is on the main thread anyway)");
    for (const route of ["GET /loop", "GET /squares", "GET /sorted", "GET /like"]) assert.equal(bound(route), -1, route);
  });

  test("they run on the calling thread, answering as a worker would; the others go to a worker", async () => {
    const before = { ...pool.executions };
    assert.deepEqual(await onPool(pool, program.ready, "GET /hello", { query: { name: "kova" } }), { status: 200, body: { hello: "kova", n: 42, size: 4 } });
    for (let n = 0; n < 3; n++) await onPool(pool, program.ready, "POST /items", { body: { n, s: `s${n}` }, driver: program.driver });
    assert.deepEqual((await onPool(pool, program.ready, "GET /items", { query: { below: "2" }, driver: program.driver })).body.map((r: { n: number }) => r.n), [0, 1]);
    assert.deepEqual(pool.executions, { inline: before.inline + 5, workers: before.workers });
    assert.deepEqual(await onPool(pool, program.ready, "GET /loop", {}), { status: 200, body: 6 });
    assert.deepEqual(await onPool(pool, program.ready, "GET /sorted", {}), { status: 200, body: [1, 2, 3] });
    assert.deepEqual(pool.executions, { inline: before.inline + 5, workers: before.workers + 2 });
  });

  test("inline, a handler is under every quota all the same", async () => {
    await assert.rejects(onPool(pool, program.ready, "GET /hello", { query: { name: "kova" } }, { fuel: 3 }), (error: unknown) => error instanceof QuotaExceeded && error.quota === "fuel");
    await assert.rejects(onPool(pool, program.ready, "GET /hello", { query: { name: "x".repeat(1000) } }, { responseBytes: 100 }), (error: unknown) => error instanceof QuotaExceeded && error.quota === "responseBytes");
  });
});

/** The machine's idle time so far, summed over its cores (ms). */
function machineIdleMs(): number {
  return cpus().reduce((sum, cpu) => sum + cpu.times.idle, 0);
}
