import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { EntitySchema } from "@kova/query";
import { createEmbeddedDriver } from "../src/index.js";
import { Note, User, arg, compile, eq, f, history, openStore, select, tempDir } from "./helpers.js";

test("data and history persist across close and reopen of a file database", async () => {
  const dir = tempDir();
  const first = await openStore(dir);
  const row = await first.insert("User", { name: "Ada", email: "a@x.io", meta: { deep: { x: 1 } } });
  await first.run({ kind: "update", entity: "User", values: { kind: "object", operand: arg(1) }, where: eq(f("id"), arg(0)), single: true }, row.id, { age: 5 });
  await first.driver.close();

  const second = await openStore(dir);
  try {
    const read = await second.run(select("User", { where: eq(f("id"), arg(0)), single: true }), row.id);
    assert.deepEqual(read, { ...row, age: 5 });
    const versions = await second.run(history("User"));
    assert.deepEqual(versions.map((v: any) => v.operation), ["insert", "update"]);
    const next = await second.insert("User", { name: "Bob", email: "b@x.io" });
    assert.equal(next.id, 2);
    const lastAt = Date.parse(versions[1].at);
    const newest = (await second.run(history("User"))).at(-1);
    assert.ok(Date.parse(newest.at) >= lastAt, "the write clock continues from the stored history");
  } finally {
    await second.cleanup();
  }
});

test("every write acknowledged before kill -9 is present after reopening", async () => {
  const dir = tempDir();
  const driverModule = fileURLToPath(new URL("../src/index.js", import.meta.url));
  const script = join(dir, "writer.mjs");
  writeFileSync(
    script,
    `import { createEmbeddedDriver, sqliteDialect } from ${JSON.stringify(driverModule)};
const Note = ${JSON.stringify(Note)};
const driver = createEmbeddedDriver({ name: "db", appDir: ${JSON.stringify(dir)}, options: undefined });
await driver.connect();
await driver.migrate([Note]);
const insert = sqliteDialect.compile({ kind: "insert", entity: "Note", values: { kind: "object", operand: { kind: "arg", index: 0 } } }, new Map([["Note", Note]]));
process.stdout.write("ready\\n");
for (let i = 0; ; i++) {
  const row = await driver.execute(insert, [{ text: "row " + i, big: i }]);
  process.stdout.write(row.id + "\\n");
}
`,
  );
  const child = spawn(process.execPath, [script], { stdio: ["ignore", "pipe", "inherit"] });
  let output = "";
  child.stdout.setEncoding("utf8");
  const ready = new Promise<void>((resolve) => {
    child.stdout.on("data", (chunk: string) => {
      output += chunk;
      if (output.includes("ready\n")) resolve();
    });
  });
  const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on("exit", (_code, signal) => resolve(signal)));
  await ready;
  await new Promise((resolve) => setTimeout(resolve, 300));
  child.kill("SIGKILL");
  assert.equal(await exited, "SIGKILL");

  // Only complete lines are acknowledgements; the last may have been cut by the kill.
  const acknowledged = output.split("\n").slice(1, -1).map(Number);
  assert.ok(acknowledged.length > 50, `the writer acknowledged ${acknowledged.length} writes`);
  process.stdout.write(`# ${acknowledged.length} writes acknowledged before kill -9\n`);
  const driver = createEmbeddedDriver({ name: "db", appDir: dir, options: undefined });
  await driver.connect();
  try {
    const rows = (await driver.execute(compile(select("Note", { fields: ["text"] })), [])) as Array<{ id: number; text: string }>;
    const present = new Map(rows.map((r) => [r.id, r.text]));
    for (const id of acknowledged) assert.equal(present.get(id), `row ${id - 1}`, `acknowledged row ${id} survived`);
    const versions = (await driver.execute(compile(history("Note")), [])) as unknown[];
    assert.equal(versions.length, rows.length, "each surviving row has its version");
  } finally {
    await driver.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test("migrate is idempotent, adds new columns keeping data, and follows UNIQUE/INDEX changes", async () => {
  const dir = tempDir();
  const s = await openStore(dir);
  try {
    await s.insert("Note", { text: "before" });
    await s.driver.migrate([User, Note]);
    await s.driver.migrate([User, Note]);
    const Note2: EntitySchema = {
      ...Note,
      fields: [
        ...Note.fields,
        { name: "pinned", type: "boolean", optional: false, unique: false, index: false, default: { value: false } },
        { name: "slug", type: "string", optional: true, unique: true, index: false },
      ],
    };
    await s.driver.migrate([User, Note2]);
    const entities = new Map([["Note", Note2]]);
    const { sqliteDialect } = await import("../src/index.js");
    const run = (plan: any, ...args: unknown[]) => s.driver.execute(JSON.parse(JSON.stringify(sqliteDialect.compile(plan, entities))), args) as Promise<any>;
    const rows = await run(select("Note"));
    assert.deepEqual(rows, [{ id: 1, text: "before", big: null, pinned: false, slug: null }], "old row kept; constant default filled in");
    const t = Date.parse((await run(history("Note")))[0].at);
    assert.deepEqual((await run(select("Note", { asOf: arg(0) }), t))[0].pinned, false, "old versions read with the default too");
    await run({ kind: "insert", entity: "Note", values: { kind: "object", operand: arg(0) } }, { text: "a", slug: "s" });
    await assert.rejects(run({ kind: "insert", entity: "Note", values: { kind: "object", operand: arg(0) } }, { text: "b", slug: "s" }), (e: any) => e.status === 409 && e.field === "slug");
    // Dropping UNIQUE drops the index; changing a type is refused with a clear message.
    await s.driver.migrate([User, { ...Note2, fields: Note2.fields.map((fd) => (fd.name === "slug" ? { ...fd, unique: false } : fd)) }]);
    await run({ kind: "insert", entity: "Note", values: { kind: "object", operand: arg(0) } }, { text: "b", slug: "s" });
    await assert.rejects(
      s.driver.migrate([{ ...Note, fields: [{ ...Note.fields[0], type: "int" }] }]),
      /cannot migrate Note\.text from string to int/,
    );
  } finally {
    await s.cleanup();
  }
});

test("an in-memory store and a path option work; a locked file gives a clear message", async () => {
  const memory = createEmbeddedDriver({ name: "mem", appDir: "/nonexistent", options: { path: ":memory:" } });
  await memory.connect();
  await memory.migrate([Note]);
  assert.equal(memory.writeBatch("Note", [{ text: "x" }]).length, 1);
  assert.equal((await memory.health()).detail, "sqlite :memory: (MEMORY)");
  await memory.close();

  const dir = tempDir();
  const owner = createEmbeddedDriver({ name: "db", appDir: dir, options: "custom/place.db" });
  await owner.connect();
  await owner.migrate([Note]);
  assert.equal(owner.path, join(dir, "custom", "place.db"));
  const intruder = createEmbeddedDriver({ name: "db2", appDir: dir, options: { path: "custom/place.db", busyTimeout: 50 } });
  await assert.rejects(intruder.connect(), /cannot open the embedded store of data source "db2" at .*place\.db: .*locked.*another process/s);
  await intruder.close();
  await owner.close();
  rmSync(dir, { recursive: true, force: true });
});
