/**
 * SPAWN and AWAIT on the VM: tasks interleaved by the interpreter, each with its own stack, all on
 * the execution's one set of quotas; queries of several tasks in flight at once; errors at AWAIT;
 * a task the handler did not wait for stops once it has answered.
 */
import assert from "node:assert/strict";
import { after, describe, test } from "node:test";
import { compileProgram, execute } from "./helpers.js";

const ITEM = "ENTITY Item {\n  n: int\n  s: text\n}\n";
const HUNDRED = `[${Array.from({ length: 100 }, (_, i) => i).join(", ")}]`;

const SOURCE = `${ITEM}
FN total(xs: int[]) {
  n = 0
  FOR x IN xs {
    n = n + x
  }
  RETURN n
}

FN below(limit: int) {
  RETURN len(SELECT * FROM Item WHERE n < limit)
}

FN refuse(n: int) {
  IF n > 2 {
    ERROR 409 "{n} is too many"
  }
  RETURN n
}

FN spin(k: int) {
  n = 0
  FOR a IN ${HUNDRED} {
    FOR b IN ${HUNDRED} {
      n = n + 1
    }
  }
  RETURN n + k
}

POST /add {
  FOR i IN $body.xs {
    x = INSERT INTO Item { n: i, s: "row {i}" }
  }
  RESPOND 204
}

POST /sum {
  a = SPAWN total($body.a)
  b = SPAWN total($body.b)
  RESPOND { a: AWAIT a, b: AWAIT b, both: AWAIT a + AWAIT b }
}

GET /fan {
  tasks = [SPAWN below(limit) FOR limit IN [1, 5, 10, 50]]
  RESPOND [AWAIT t FOR t IN tasks]
}

POST /refused {
  t = SPAWN refuse($body.n)
  RESPOND { n: AWAIT t }
}

GET /spins {
  tasks = [SPAWN spin(k) FOR k IN [1, 2, 3, 4]]
  RESPOND [AWAIT t FOR t IN tasks]
}

GET /left {
  t = SPAWN spin(1)
  RESPOND { answered: true }
}

GET /handle {
  t = SPAWN total([1])
  RESPOND { task: t, value: AWAIT t }
}
`;

describe("SPAWN on the VM", async () => {
  const program = await compileProgram(SOURCE);
  const { ready, driver } = program;
  after(() => program.close());
  await execute(ready, "POST /add", { body: { xs: Array.from({ length: 20 }, (_, i) => i) }, driver });

  test("tasks answer with their FN's result", async () => {
    const run = await execute(ready, "POST /sum", { body: { a: [1, 2, 3], b: [10, 20] } });
    assert.deepEqual(run.body, { a: 6, b: 30, both: 36 });
  });

  test("a list of tasks, each running a query, awaited in order", async () => {
    const run = await execute(ready, "GET /fan", { driver });
    assert.deepEqual(run.body, [1, 5, 10, 20]);
  });

  test("a task's ERROR is the handler's problem at AWAIT", async () => {
    assert.deepEqual((await execute(ready, "POST /refused", { body: { n: 1 } })).body, { n: 1 });
    const refused = await execute(ready, "POST /refused", { body: { n: 3 } });
    assert.equal(refused.status, 409);
    assert.equal(refused.problem?.detail, "3 is too many");
  });

  test("CPU-bound tasks take turns and all finish", async () => {
    assert.deepEqual((await execute(ready, "GET /spins", {})).body, [10001, 10002, 10003, 10004]);
  });

  test("their fuel is the execution's: four tasks within one budget each, not within one together", async () => {
    const run = await execute(ready, "GET /spins", {}, { fuel: 100_000 });
    assert.equal(run.problem?.quota, "fuel");
    assert.equal(run.status, 503);
  });

  test("a task's handle is an opaque empty object in an answer, as a promise is in JavaScript", async () => {
    assert.deepEqual((await execute(ready, "GET /handle", {})).body, { task: {}, value: 1 });
  });

  test("a task the handler did not wait for does not hold up the answer", async () => {
    const run = await execute(ready, "GET /left", {}, { fuel: 1e9 });
    assert.deepEqual(run.body, { answered: true });
  });
});
