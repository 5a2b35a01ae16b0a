// Driver.emit on the embedded store: an ACTION's event joins the change events of the transaction
// it is recorded in — delivered after the commit, in order with the writes' events — and a
// rolled-back transaction's event is neither delivered nor kept in the outbox.
import assert from "node:assert/strict";
import { test } from "node:test";
import type { ChangeEvent } from "@kova/query";
import { openStore } from "./helpers.js";

test("EMIT: delivered after its transaction commits, with the writes' events; nothing after a rollback", async () => {
  const s = await openStore();
  try {
    const seen: ChangeEvent[] = [];
    s.driver.changes.onCommit((events) => void seen.push(...events));
    await s.driver.transaction(async () => {
      await s.insert("Note", { text: "a" });
      await s.driver.emit("noted", { text: "a", n: 1 });
      assert.equal(seen.length, 0, "nothing is delivered before the commit");
    });
    assert.deepEqual(
      seen.map((e) => [e.op, e.entity, e.after?.text]),
      [
        ["insert", "Note", "a"],
        ["emit", "noted", "a"],
      ],
    );
    assert.deepEqual([seen[1].after, seen[1].before, seen[1].version], [{ text: "a", n: 1 }, null, null]);
    seen.length = 0;
    await assert.rejects(
      s.driver.transaction(async () => {
        await s.driver.emit("noted", { text: "b", n: 2 });
        throw new Error("a later step failed");
      }),
      /a later step failed/,
    );
    assert.deepEqual(seen, [], "a rolled-back EMIT is never delivered");
    const kept = (await s.driver.changes.undelivered(0, 100)).filter((e) => e.op === "emit");
    assert.deepEqual(kept.map((e) => [e.entity, e.after]), [["noted", { text: "a", n: 1 }]], "only the committed event is in the outbox");
  } finally {
    await s.cleanup();
  }
});
