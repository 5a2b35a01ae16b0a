// History control (@kova/query history-control.ts) in the Redis write script's arguments.
import { test } from "node:test";
import assert from "node:assert/strict";
import { historyControlEntities, history, compileWith } from "@kova/query/testing";
import { redisDialect, writeArguments, WRITE_SCRIPT } from "../src/index.js";

test("the write script is told whether to keep a version, and which fields to keep out of it", () => {
  const args = writeArguments("app:login", "insert", undefined, 1, ["user", "token"], ["ada", "t"], [], { keep: true, secret: ["token"] });
  assert.deepEqual(args.slice(-3), ["1", "1", "token"]);
  assert.deepEqual(writeArguments("app:tick", "insert", undefined, 1, ["n"], [1], [], { keep: false, secret: [] }).slice(-2), ["0", "0"]);
  assert.match(WRITE_SCRIPT, /if keep then/);
  assert.match(WRITE_SCRIPT, /if not secret\[names\[i\]\]/);
});

test("HISTORY of an entity with a SECRET field lists the other fields", () => {
  const compiled = compileWith(redisDialect, history("Login", { where: { kind: "compare", op: "==", left: { kind: "field", field: "id" }, right: { kind: "arg", index: 0 } } }), historyControlEntities);
  assert.deepEqual(compiled.columns.map((c: { name: string }) => c.name), ["id", "user"]);
});
