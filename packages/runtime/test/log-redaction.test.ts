// An error's row values (a driver's `detail`, a mysql2 `sqlMessage`, a quoted duplicate) never
// reach the log, so a SECRET field cannot leak through a failed write (issue 13 item 6).
import { test } from "node:test";
import assert from "node:assert/strict";
import { createLogger, TurnBatchedDestination } from "../src/logger.js";

test("a logged database error keeps its code and message, not the failing row", () => {
  const writes: string[] = [];
  const log = createLogger("redact", "info", new TurnBatchedDestination({ write: (text: string) => writes.push(text) }));
  const pgError = Object.assign(new Error("null value in column \"name\" violates not-null constraint"), {
    code: "23502",
    detail: "Failing row contains (1, null, $argon2id$v=19$secret-hash).",
    where: "SQL statement",
  });
  const mysqlError = Object.assign(new Error("Duplicate entry 'tok-123' for key 'token'"), { code: "ER_DUP_ENTRY", sqlMessage: "Duplicate entry 'tok-123' for key 'token'" });
  log.error({ err: pgError }, "handler failed");
  log.error({ err: mysqlError }, "handler failed");
  const [first, second] = writes.join("").trim().split("\n").map((l) => JSON.parse(l));
  assert.equal(first.err.code, "23502");
  assert.match(first.err.message, /not-null constraint/);
  assert.equal(first.err.detail, undefined);
  assert.equal(first.err.where, undefined);
  assert.doesNotMatch(JSON.stringify(first), /secret-hash/);
  assert.equal(second.err.message, "Duplicate entry … for key 'token'");
  assert.doesNotMatch(JSON.stringify(second), /tok-123/);
});
