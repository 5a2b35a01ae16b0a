// History control (@kova/query history-control.ts) in the statements MariaDB/MySQL runs.
import { test } from "node:test";
import assert from "node:assert/strict";
import { historyControlEntities, history, insertPlan, updatePlan, deletePlan, compileWith } from "@kova/query/testing";
import { mysqlDialect } from "../src/index.js";

test("SECRET: the version INSERT binds the field as NULL; history reads do not list it", () => {
  const compiled = compileWith(mysqlDialect, insertPlan("Login"), historyControlEntities);
  assert.deepEqual(compiled.history.secret, [1]);
  assert.doesNotMatch(JSON.stringify(compileWith(mysqlDialect, history("Login"), historyControlEntities)), /token/);
});

test("NO HISTORY: writes record no versions", () => {
  for (const plan of [insertPlan("Tick"), updatePlan("Tick"), deletePlan("Tick")]) {
    assert.equal(compileWith(mysqlDialect, plan, historyControlEntities).history, undefined);
  }
});
