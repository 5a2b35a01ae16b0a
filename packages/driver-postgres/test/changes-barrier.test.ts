/**
 * The LISTEN barrier (ChangeListening.barrier): once it resolves in one process, every change
 * another process committed before the call has been handed to its listener there — what lets a
 * cache on B never serve an entry that A's answered write has made stale.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import type { ChangeEvent } from "@kova/query";
import { createPostgresDriver } from "../src/index.js";
import { insertPlan } from "@kova/query/testing";
import { compile, dropSchema, freshSchema, Note, PG_URL, serverUp, User } from "./helpers.js";

test("after B's barrier resolves, B has heard every write A committed before it", async (t) => {
  if (!(await serverUp(t))) return;
  const schema = await freshSchema();
  const open = async () => {
    const driver = createPostgresDriver({ name: "db", appDir: ".", options: { url: PG_URL, schema } });
    await driver.connect();
    await driver.migrate([User, Note]);
    driver.changes!.onCommit(() => undefined);
    await driver.changes!.ready();
    return driver;
  };
  const a = await open();
  const b = await open();
  const heard: ChangeEvent[] = [];
  const listening = b.changes!.listen((events) => heard.push(...events), (error) => assert.fail(error));
  try {
    for (let i = 0; i < 50 && !listening.healthy; i++) await new Promise((r) => setTimeout(r, 20));
    assert.ok(listening.healthy, "B listens");
    const insert = compile(insertPlan("Note"));
    for (let round = 1; round <= 20; round++) {
      await a.execute(insert, [{ text: `n${round}` }]);
      await listening.barrier!();
      assert.equal(heard.length, round, `round ${round}: A's committed insert reached B before the barrier resolved`);
      assert.equal(heard.at(-1)!.after?.text, `n${round}`);
    }
    // The barrier's own notices are not changes.
    assert.ok(heard.every((e) => e.entity === "Note" && e.op === "insert"));
  } finally {
    await listening.close();
    await a.close();
    await b.close();
    await dropSchema(schema);
  }
});
