// The engine's worker threads, as a real process: a tenant's program that exhausts a worker's heap
// (its own memory quota set out of reach) fails only its execution with a 503 naming memory, the
// worker is replaced, other tenants answer throughout, hot swap keeps working; and `workers: 0`
// serves every execution on the main thread. These run with KOVA_ENGINE_INLINE_CHEAP=off so that
// every execution goes to a worker; the last test is the default, known-cheap handlers inline.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { ADMIN_KEY, EngineProcess, tempDir } from "./engine-process.js";

const HUNDRED = `[${Array.from({ length: 100 }, (_, i) => i).join(", ")}]`;

const BOMB = (version: number) => `GET /bomb {
  xs = [1, 2, 3, 4]
  FOR a IN ${HUNDRED} {
    xs = [...xs, ...xs]
  }
  RESPOND len(xs)
}

GET /version {
  RESPOND { version: ${version} }
}
`;

const NOTES = `ENTITY Note {
  text: text
}

GET /notes {
  RESPOND SELECT * FROM Note ORDER_BY id
}

POST /notes {
  RESPOND 201 INSERT INTO Note { text: $body.text }
}
`;

let engine: EngineProcess;
let bomber: string;
let calm: string;

before(async () => {
  engine = await EngineProcess.start({ KOVA_ENGINE_DATA_DIR: tempDir(), KOVA_ENGINE_WORKERS: "2", KOVA_ENGINE_WORKER_MEMORY_MB: "128", KOVA_ENGINE_INLINE_CHEAP: "off" });
  bomber = await engine.createTenant("bomber", { quotas: { memoryBytes: 1e12, fuel: 1e12, deadlineMs: 60000 } });
  calm = await engine.createTenant("calm");
  assert.equal((await engine.deploy(bomber, BOMB(1))).status, 201);
  assert.equal((await engine.deploy(calm, NOTES)).status, 201);
});

after(async () => {
  await engine.stop();
});

test("the engine says how many worker threads it runs", () => {
  assert.ok(engine.logs.some((l) => l.includes('"msg":"kova engine listening"') && l.includes('"workers":2')), engine.logs.join("\n"));
});

test("queries of executions on worker threads reach the tenant's store", async () => {
  assert.equal((await engine.call("POST", "/t/calm/notes", { body: { text: "one" } })).status, 201);
  assert.equal((await engine.call("POST", "/t/calm/notes", { body: { text: "two" } })).status, 201);
  const notes = await engine.call("GET", "/t/calm/notes");
  assert.equal(notes.status, 200);
  assert.deepEqual(notes.body.map((n: { text: string }) => n.text), ["one", "two"]);
});

test("a program past a worker's heap fails only its execution (503, memory); the worker is replaced, others answer", async () => {
  const bomb = engine.call("GET", "/t/bomber/bomb");
  const beside = Promise.all([0, 1, 2].map((i) => engine.call("POST", "/t/calm/notes", { body: { text: `beside ${i}` } })));
  const stopped = await bomb;
  assert.equal(stopped.status, 503, JSON.stringify(stopped.body));
  assert.equal(stopped.body.quota, "memoryBytes");
  assert.match(stopped.body.detail, /ran out of memory/);
  for (const res of await beside) assert.equal(res.status, 201);
  // The engine is up, the pool full again: both tenants answer.
  assert.equal((await engine.call("GET", "/t/bomber/version")).status, 200);
  assert.equal((await engine.call("GET", "/t/calm/notes")).body.length, 5);
  const metrics = await engine.call("GET", "/_kova/metrics", { key: ADMIN_KEY });
  assert.match(metrics.body as string, /kova_engine_workers_lost_total\{cause="memory"\} 1/);
});

test("hot swap after a worker was lost: the new version is served from every worker", async () => {
  assert.equal((await engine.deploy(bomber, BOMB(2))).status, 201);
  for (let i = 0; i < 6; i++) assert.deepEqual((await engine.call("GET", "/t/bomber/version")).body, { version: 2 });
});

test("workers: 0 runs every execution on the main thread", async () => {
  const single = await EngineProcess.start({ KOVA_ENGINE_DATA_DIR: tempDir(), KOVA_ENGINE_WORKERS: "0" });
  try {
    assert.ok(single.logs.some((l) => l.includes('"msg":"kova engine listening"') && l.includes('"workers":0')));
    const key = await single.createTenant("solo");
    assert.equal((await single.deploy(key, NOTES)).status, 201);
    assert.equal((await single.call("POST", "/t/solo/notes", { body: { text: "main thread" } })).status, 201);
    assert.deepEqual((await single.call("GET", "/t/solo/notes")).body.map((n: { text: string }) => n.text), ["main thread"]);
  } finally {
    await single.stop();
  }
});

test("by default a known-cheap handler runs on the main thread and a loop on a worker; both answer, the metrics say where", async () => {
  const mixed = await EngineProcess.start({ KOVA_ENGINE_DATA_DIR: tempDir(), KOVA_ENGINE_WORKERS: "1" });
  try {
    const key = await mixed.createTenant("mixed", { quotas: { fuel: 5_000 } });
    assert.equal((await mixed.deploy(key, `${NOTES}
GET /sum {
  n = 0
  FOR a IN ${HUNDRED} {
    n = n + a
  }
  RESPOND { n: n }
}
`)).status, 201);
    const where = async () => {
      const text = (await mixed.call("GET", "/_kova/metrics", { key: ADMIN_KEY })).body as string;
      const count = (thread: string) => Number(new RegExp(`kova_engine_pool_executions_total\\{thread="${thread}"\\} (\\d+)`).exec(text)?.[1] ?? NaN);
      return { main: count("main"), worker: count("worker") };
    };
    const start = await where();
    assert.equal((await mixed.call("POST", "/t/mixed/notes", { body: { text: "inline" } })).status, 201);
    assert.deepEqual((await mixed.call("GET", "/t/mixed/notes")).body.map((n: { text: string }) => n.text), ["inline"]);
    assert.deepEqual((await mixed.call("GET", "/t/mixed/sum")).body, { n: 4950 });
    assert.deepEqual(await where(), { main: start.main + 2, worker: start.worker + 1 });
    // Inline, the tenant's quotas hold all the same: a handler over its fuel is stopped with the quota's problem.
    const tight = await mixed.createTenant("tight", { quotas: { fuel: 1 } });
    assert.equal((await mixed.deploy(tight, NOTES)).status, 201);
    const stopped = await mixed.call("GET", "/t/tight/notes");
    assert.equal(stopped.status, 503);
    assert.equal(stopped.body.quota, "fuel");
    assert.deepEqual(await where(), { main: start.main + 3, worker: start.worker + 1 });
  } finally {
    await mixed.stop();
  }
});
