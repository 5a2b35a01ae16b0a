// History control (@kova/query history-control.ts) in the statements PostgreSQL runs: a SECRET
// field never enters a version's data; NO HISTORY writes have no history INSERT at all.
import { test } from "node:test";
import assert from "node:assert/strict";
import { historyControlEntities, history, insertPlan, savePlan, updatePlan, deletePlan } from "@kova/query/testing";
import { postgresDialect } from "../src/index.js";
import { compileWith } from "./helpers.js";

const sql = (plan: Parameters<typeof compileWith>[1]) => JSON.stringify(compileWith(postgresDialect, plan, historyControlEntities));

test("SECRET: the version's data is built without the field; history reads do not list it", () => {
  for (const plan of [insertPlan("Login"), updatePlan("Login"), savePlan("Login"), deletePlan("Login")]) {
    const text = sql(plan);
    assert.match(text, /jsonb_build_object\('user', \\"__kova_w\\"\.\\"user\\"\)/);
    assert.doesNotMatch(text, /'token'/, "no version data names the secret");
  }
  assert.doesNotMatch(sql(history("Login")), /token/);
});

test("NO HISTORY: writes carry no history INSERT and no change gate", () => {
  for (const plan of [insertPlan("Tick"), updatePlan("Tick"), savePlan("Tick"), deletePlan("Tick")]) {
    const compiled = compileWith(postgresDialect, plan, historyControlEntities);
    assert.doesNotMatch(JSON.stringify(compiled), /tick__history/);
    assert.doesNotMatch(JSON.stringify(compiled.write), /"changes"/);
  }
});
