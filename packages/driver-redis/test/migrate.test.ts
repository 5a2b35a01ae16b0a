import { test } from "node:test";
import assert from "node:assert/strict";
import type { EntitySchema } from "@kova/query";
import { keysFor, redisDialect } from "../src/index.js";
import { byId, history, insertPlan, Note, openStore, select } from "./helpers.js";

test("migrate is idempotent, fills a new field's default into stored rows, and builds a new UNIQUE index", async (t) => {
  const s = await openStore(t);
  if (!s) return;
  try {
    await s.driver.migrate([Note]);
    const a = await s.run(insertPlan("Note"), { text: "same" });
    const b = await s.run(insertPlan("Note"), { text: "same" });
    const withLevel: EntitySchema = { ...Note, fields: [...Note.fields, { name: "level", type: "int", optional: false, unique: false, index: false, default: { value: 3 } }] };
    await s.driver.migrate([withLevel]);
    const entities = new Map([[withLevel.name, withLevel]]);
    const read = (id: number) => s.driver.execute(redisDialect.compile(select("Note", { where: byId(), single: true }), entities), [id]);
    assert.deepEqual(await read(a.id), { id: a.id, text: "same", big: null, level: 3 });
    const uniqueText: EntitySchema = { ...withLevel, fields: withLevel.fields.map((f) => (f.name === "text" ? { ...f, unique: true } : f)) };
    await assert.rejects(s.driver.migrate([uniqueText]), /cannot make Note\.text UNIQUE: stored rows already share the value "same"/);
    await s.driver.execute(redisDialect.compile({ kind: "delete", entity: "Note", where: byId(), single: true }, entities), [b.id]);
    await s.driver.migrate([uniqueText]);
    const insert = redisDialect.compile(insertPlan("Note"), new Map([[uniqueText.name, uniqueText]]));
    await assert.rejects(s.driver.execute(insert, [{ text: "same" }]), { status: 409, field: "text" });
    const changed: EntitySchema = { ...Note, fields: [{ ...Note.fields[0], type: "int" }, Note.fields[1]] };
    await assert.rejects(s.driver.migrate([changed]), /cannot migrate Note\.text from string to int/);
  } finally {
    await s.cleanup();
  }
});

// Issue 23, item 6: the default also fills the versions written before the field existed, deleted
// rows' included, once (a second migrate changes nothing), leaving the versions' other values as written.
test("a new field's constant default is filled into every stored version", async (t) => {
  const s = await openStore(t);
  if (!s) return;
  try {
    await s.driver.migrate([Note]);
    const a = await s.run(insertPlan("Note"), { text: "kept", big: 9007199254740991 });
    const b = await s.run(insertPlan("Note"), { text: "gone" });
    await s.driver.execute(redisDialect.compile({ kind: "delete", entity: "Note", where: byId(), single: true }, new Map([[Note.name, Note]])), [b.id]);
    const withColor: EntitySchema = { ...Note, fields: [...Note.fields, { name: "color", type: "string", optional: true, unique: false, index: false, default: { value: "red" } }] };
    await s.driver.migrate([withColor]);
    await s.driver.migrate([withColor]);
    const entities = new Map([[withColor.name, withColor]]);
    const historyOf = redisDialect.compile(history("Note", { where: byId() }), entities);
    const versions = async (id: number) =>
      ((await s.driver.execute(historyOf, [id])) as Array<{ operation: string; data: Record<string, unknown> }>).map((v) => [v.operation, v.data.text, v.data.big, v.data.color]);
    assert.deepEqual(await versions(a.id), [["insert", "kept", 9007199254740991, "red"]]);
    assert.deepEqual(await versions(b.id), [["insert", "gone", null, "red"], ["delete", "gone", null, "red"]]);
    assert.equal(a.text, "kept");
  } finally {
    await s.cleanup();
  }
});

test("keysFor describes an entity's keys", () => {
  const keys = keysFor({ ...Note, fields: [{ ...Note.fields[0], unique: true }] }, "app:");
  assert.deepEqual(keys, {
    row: "app:note:<id> (hash)",
    ids: "app:note:ids (sorted set)",
    idCounter: "app:note:seq (INCR)",
    versionCounter: "app:note:version (INCR)",
    history: "app:note:<id>:history (list of JSON versions)",
    "unique text": "app:note:unique:text (hash value → id)",
  });
});
