/**
 * The embedded store's SQL on SQLite WASM: the todo example is compiled with the real compiler and
 * the store's own runner and schema migration (@kova/driver-embedded/portable) run its queries on
 * better-sqlite3 (as `kova run` does) and on @sqlite.org/sqlite-wasm (as the playground does). Every
 * answer — rows, versions, AS OF reads, the 404-style empty read, a unique violation — must be equal.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import Database from "better-sqlite3";
import sqlite3InitModule from "@sqlite.org/sqlite-wasm";
import { checkText, compilePlans, lower } from "@kova/compiler";
import { EntitySchemas, type CompiledQuery, type QueryPlan } from "@kova/query";
import { lastRecordedInstant, migrateSchema, QueryRunner, sqliteDialect, type SqliteCompiledQuery, type SqliteDatabase } from "@kova/driver-embedded/portable";
import { WasmDatabase } from "../src/browser/wasm-database.js";

const todoSource = readFileSync(fileURLToPath(new URL("../../../../examples/todo/app.kova", import.meta.url)), "utf8");
const tagSource = `ENTITY Tag {\n  name: text UNIQUE\n}\nPOST /tags VALIDATE NewTag {\n  RESPOND 201 INSERT INTO Tag $body\n}\nVALIDATE NewTag {\n  name: string\n}\n`;

function compile(source: string, file: string) {
  const checked = checkText(source, file);
  assert.deepEqual(checked.diagnostics.filter((d) => d.severity === "error"), [], `${file} does not check`);
  const app = lower(checked.programs[0].model, { name: "t" });
  const { compiled } = compilePlans(app, new Map([["embedded", sqliteDialect]]));
  return { entities: app.entities, queries: [...compiled.values()] };
}

function find(queries: CompiledQuery[], test: (plan: QueryPlan & Record<string, unknown>) => boolean): SqliteCompiledQuery {
  const found = queries.find((q) => test((q as unknown as { plan: QueryPlan & Record<string, unknown> }).plan));
  assert.ok(found, "no such query in the program");
  return found as SqliteCompiledQuery;
}

/** Runs the same story on one database and returns every answer. */
async function story(db: SqliteDatabase): Promise<unknown[]> {
  const todo = compile(todoSource, "app.kova");
  const tags = compile(tagSource, "tags.kova");
  const entities = [...todo.entities, ...tags.entities];
  migrateSchema(db, entities);
  const schemas = new EntitySchemas("main");
  schemas.remember(entities);
  const runner = new QueryRunner(db, lastRecordedInstant(db), schemas);
  const q = todo.queries;
  const insert = find(q, (p) => p.kind === "insert");
  const update = find(q, (p) => p.kind === "update" && JSON.stringify(p.values).includes('"arg"'));
  const byId = find(q, (p) => p.kind === "select" && p.single === true && p.asOf === null);
  const asOf = find(q, (p) => p.kind === "select" && p.asOf !== null);
  const history = find(q, (p) => p.kind === "history");
  const remove = find(q, (p) => p.kind === "delete");
  const answers: unknown[] = [];
  const created = runner.run(insert, [{ title: "write the brief" }]) as { id: number };
  answers.push(created);
  // Two writes in one millisecond share an instant; AS OF the first would then see the second.
  await new Promise((resolve) => setTimeout(resolve, 5));
  answers.push(runner.run(update, [{ done: true, notes: "for helpers" }, created.id]));
  answers.push(runner.run(byId, [created.id]));
  const versions = runner.run(history, [created.id]) as { at: unknown }[];
  answers.push(versions);
  // As it was at the first version's instant: not done yet.
  answers.push(runner.run(asOf, [created.id, versions[0].at]));
  answers.push(runner.run(remove, [created.id]));
  answers.push(runner.run(byId, [created.id]));
  answers.push(runner.run(history, [created.id]));
  const tagInsert = find(tags.queries, (p) => p.kind === "insert");
  answers.push(runner.run(tagInsert, [{ name: "home" }]));
  try {
    runner.run(tagInsert, [{ name: "home" }]);
    answers.push("no error");
  } catch (error) {
    answers.push({ error: (error as Error).message, status: (error as { status?: number }).status });
  }
  return answers;
}

/** Instants differ between two runs; everything else must not. */
function withoutInstants(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value), (key, v) => (key === "at" ? "<instant>" : v));
}

test("the todo example's queries answer the same on SQLite WASM as on better-sqlite3", async () => {
  const native = new Database(":memory:");
  const sqlite3 = await sqlite3InitModule();
  const wasm = WasmDatabase.memory(sqlite3);
  try {
    const expected = await story(native);
    const actual = await story(wasm);
    // The story reached its end on both: the second "home" tag was refused as a 409 naming the field.
    assert.match(JSON.stringify(actual.at(-1)), /name/);
    assert.equal((actual.at(-1) as { status?: number }).status, (expected.at(-1) as { status?: number }).status);
    console.log("last answers on SQLite WASM:", JSON.stringify(actual.slice(-3)));
    assert.deepEqual(withoutInstants(actual), withoutInstants(expected));
    assert.equal((actual[4] as { done: boolean }).done, false, "AS OF the first version reads the todo before it was done");
    assert.equal(actual[6], null, "a deleted todo reads as none");
  } finally {
    native.close();
    wasm.close();
  }
});
