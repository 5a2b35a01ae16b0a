// Driver.emit on PostgreSQL: an ACTION's event is a row of the outbox in the running transaction,
// read (and NOTIFYed) with the writes' events before COMMIT and delivered after it; a rolled-back
// transaction's event is neither delivered nor kept.
import { test } from "node:test";
import assert from "node:assert/strict";
import type { ChangeEvent } from "@kova/query";
import { insertPlan } from "@kova/query/testing";
import { createPostgresDriver } from "../src/index.js";
import { compile, dropSchema, freshSchema, Note, PG_URL, serverUp, User } from "./helpers.js";

test("EMIT: delivered after its transaction commits, with the writes' events; nothing after a rollback", async (t) => {
  if (!(await serverUp(t))) return;
  const schema = await freshSchema();
  const driver = createPostgresDriver({ name: "db", appDir: ".", options: { url: PG_URL, schema } });
  try {
    await driver.connect();
    await driver.migrate([User, Note]);
    const seen: ChangeEvent[] = [];
    driver.changes!.onCommit((events) => void seen.push(...events));
    await driver.changes!.ready();
    await driver.transaction(async () => {
      await driver.execute(compile(insertPlan("Note")), [{ text: "a" }]);
      await driver.emit!("noted", { text: "a", n: 1 });
      assert.equal(seen.length, 0, "nothing is delivered before the commit");
    });
    assert.deepEqual(seen.map((e) => [e.op, e.entity, e.after?.text]), [["insert", "Note", "a"], ["emit", "noted", "a"]]);
    assert.deepEqual([seen[1].after, seen[1].before, seen[1].version], [{ text: "a", n: 1 }, null, null]);
    seen.length = 0;
    await assert.rejects(
      driver.transaction(async () => {
        await driver.emit!("noted", { text: "b", n: 2 });
        throw new Error("a later step failed");
      }),
      /a later step failed/,
    );
    assert.deepEqual(seen, [], "a rolled-back EMIT is never delivered");
    const kept = (await driver.changes!.undelivered(0, 100)).filter((e) => e.op === "emit");
    assert.deepEqual(kept.map((e) => [e.entity, e.after]), [["noted", { text: "a", n: 1 }]], "only the committed event is in the outbox");
  } finally {
    await driver.close();
    await dropSchema(schema);
  }
});
