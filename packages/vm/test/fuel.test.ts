/**
 * Fuel is an exact instruction budget, though the loop charges it a batch at a time: a handler
 * given exactly the instructions it uses answers, one fewer is stopped by the fuel quota. Checked
 * around the batch size (1,024) and far beyond it, with a query (whose await charges what the
 * batch used) and with tasks sharing the budget.
 */
import assert from "node:assert/strict";
import { after, test } from "node:test";
import { DEFAULT_QUOTAS, Execution } from "../src/index.js";
import { compileProgram, execute } from "./helpers.js";

const SOURCE = `ENTITY Item {
  n: int
}

FN total(xs: int[]) {
  n = 0
  FOR x IN xs {
    n = n + x
  }
  RETURN n
}

POST /sum {
  RESPOND { n: total($body.xs) }
}

POST /sum-after-query {
  before = SELECT * FROM Item WHERE n < 0
  RESPOND { n: total($body.xs), before: len(before) }
}

POST /sum-in-tasks {
  a = SPAWN total($body.xs)
  b = SPAWN total($body.xs)
  RESPOND { n: AWAIT a + AWAIT b }
}
`;

const program = await compileProgram(SOURCE);
after(program.close);

/** The instructions a route uses with a roomy budget. */
async function used(route: string, body: unknown): Promise<number> {
  const ready = program.ready;
  const ctx = { params: {}, query: {}, headers: {}, cookies: {}, body, auth: null, env: {}, db: () => program.driver! };
  const execution = new Execution(ready, { ...DEFAULT_QUOTAS, fuel: 1e9 }, ctx as never);
  await execution.runRoute(ready.routes.get(route)!);
  return execution.usage().fuel;
}

for (const route of ["POST /sum", "POST /sum-after-query", "POST /sum-in-tasks"]) {
  for (const size of [1, 50, 150, 600, 5_000]) {
    test(`${route}, ${size} items: the exact budget answers, one fewer is a fuel stop`, async () => {
      const body = { xs: Array.from({ length: size }, (_, i) => i) };
      const fuel = await used(route, body);
      assert.ok(fuel > 0);
      assert.equal(await used(route, body), fuel, "the same run uses the same fuel");
      const enough = await execute(program.ready, route, { body, driver: program.driver }, { fuel });
      assert.equal(enough.status, 200, JSON.stringify(enough.problem));
      const short = await execute(program.ready, route, { body, driver: program.driver }, { fuel: fuel - 1 });
      assert.equal(short.problem?.quota, "fuel");
    });
  }
}
