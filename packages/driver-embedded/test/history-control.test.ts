// History control (@kova/query history-control.ts) in the statements the embedded store runs.
import { test } from "node:test";
import assert from "node:assert/strict";
import { historyControlEntities, insertPlan, updatePlan } from "@kova/query/testing";
import { sqliteDialect, type CompiledWrite } from "../src/index.js";

test("SECRET: the version INSERT does not list the field (its history column stays NULL)", () => {
  const compiled = sqliteDialect.compile(insertPlan("Login"), historyControlEntities) as CompiledWrite;
  assert.equal(compiled.history!.insert.sql, `INSERT INTO "login__history" ("id", "op", "at", "user") VALUES (?, 'insert', ?, ?)`);
});

test("NO HISTORY: writes carry no version statements", () => {
  for (const plan of [insertPlan("Tick"), updatePlan("Tick")]) assert.equal((sqliteDialect.compile(plan, historyControlEntities) as CompiledWrite).history, undefined);
});
