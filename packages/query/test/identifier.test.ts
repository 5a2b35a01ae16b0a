// IDENTIFIER in @kova/query: how an identifier is made (identifierBase, identifierCandidate), the
// plan rewrite marking writes, the record codec ignoring a client's identifier and making it on
// insert with the attempt's suffix (kept by a SAVE), and the suffix read that starts a retry.
// The retry against real databases is held by packages/conformance/src/cases-identifier.ts.
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  checkFieldValue,
  EntityWriteCodec,
  highestSuffix,
  identifierBase,
  identifierCandidate,
  identifierField,
  identifierTable,
  identifierTables,
  isStamp,
  madeFrom,
  rewriteIdentifier,
  type EntitySchema,
  type QueryPlan,
} from "../src/index.js";

const text = (name: string, optional = false) => ({ name, type: "string" as const, optional, unique: false, index: false });
const article: EntitySchema = { name: "Article", table: "article", fields: [text("title"), text("subtitle", true), identifierField(["title", "subtitle"], "article", false)] };
const note: EntitySchema = { name: "Note", table: "note", fields: [text("body")] };
const schemas = new Map([article, note].map((e) => [e.name, e]));
const entity = (name: string) => schemas.get(name);

test("base: the slugs of the fields joined by dashes; none at all gives the entity's name", () => {
  assert.equal(identifierBase(["Héllo, World!", null], "article"), "hello-world");
  assert.equal(identifierBase(["Ada", "Lovelace"], "person"), "ada-lovelace");
  assert.equal(identifierBase(["!!!", ""], "article"), "article");
  assert.equal(identifierBase(["x".repeat(300)], "a").length, 200);
  assert.deepEqual([1, 2, 3].map((n) => identifierCandidate("hello", n)), ["hello", "hello-2", "hello-3"]);
});

test("highest suffix: the base counts as 1, base-N as N; other identifiers sharing the prefix do not count", () => {
  assert.equal(highestSuffix("hello", []), 0);
  assert.equal(highestSuffix("hello", ["hello"]), 1);
  assert.equal(highestSuffix("hello", ["hello", "hello-7", "hello-3", "hello-world", "hello-2-2", null]), 7);
});

test("rewrite: writes of an IDENTIFIER entity carry identifier; reads and other entities are left as they are", () => {
  const insert: QueryPlan = { kind: "insert", entity: "Article", values: { kind: "object", operand: { kind: "arg", index: 0 } } };
  assert.deepEqual((rewriteIdentifier(insert, entity) as any).values.identifier, { attempt: 1 });
  const update: QueryPlan = { kind: "update", entity: "Article", values: { kind: "object", operand: { kind: "arg", index: 0 } }, where: null, single: false };
  assert.deepEqual((rewriteIdentifier(update, entity) as any).values.identifier, { attempt: 1 });
  const select: QueryPlan = { kind: "select", entity: "Article", fields: null, where: null, orderBy: [], limit: null, offset: null, asOf: null, single: false };
  assert.equal(rewriteIdentifier(select, entity), select);
  const other: QueryPlan = { ...insert, entity: "Note" };
  assert.equal(rewriteIdentifier(other, entity), other);
});

test("codec: a client's identifier is ignored; an insert makes it with the attempt's suffix; a SAVE keeps it", () => {
  const codec = new EntityWriteCodec<unknown>(article, { encode: (field, value) => (value === null ? null : checkFieldValue(field, value)), defaultValue: () => undefined });
  const values = (attempt: number) => ({ kind: "object" as const, operand: { kind: "arg" as const, index: 0 }, identifier: { attempt } });
  const first = codec.completeForInsert(codec.fromPlan(values(1), [{ title: "Hello World", identifier: "mine" }]), Date.now());
  assert.deepEqual(first, ["Hello World", null, "hello-world"]);
  const third = codec.completeForInsert(codec.fromPlan(values(3), [{ title: "Hello", subtitle: "World" }]), Date.now());
  assert.deepEqual(third, ["Hello", "World", "hello-world-3"]);
  const imported = codec.completeForInsert(codec.fromPlan({ kind: "object", operand: { kind: "arg", index: 0 } }, [{ title: "x", identifier: "kept-as-given" }]), Date.now());
  assert.equal(imported[2], "kept-as-given", "an import (no identifier mark) keeps the value it brings");
  assert.ok(isStamp(article.fields[2]), "a SAVE that replaces a record keeps it");
});

test("codec: the identifier the runtime made (values.identifier.value) is stored, a client's still ignored", () => {
  const codec = new EntityWriteCodec<unknown>(article, { encode: (field, value) => (value === null ? null : checkFieldValue(field, value)), defaultValue: () => undefined });
  const made = { attempt: 1, value: { kind: "arg" as const, index: 1 } };
  const inserted = codec.completeForInsert(codec.fromPlan({ kind: "object", operand: { kind: "arg", index: 0 }, identifier: made }, [{ title: "Hello", identifier: "mine" }, "hello-7"]), Date.now());
  assert.deepEqual(inserted, ["Hello", null, "hello-7"]);
  const updated = codec.changes(codec.fromPlan({ kind: "fields", fields: [{ field: "title", value: { kind: "arg", index: 0 } }], identifier: made }, ["Bye", "bye"]));
  assert.deepEqual(updated, { title: "Bye", identifier: "bye" });
});

test("made from: the base itself or the base with a number; a VERSIONED entity's identifier table", () => {
  assert.deepEqual(["hello", "hello-3", "hello-world", "hello-2-2", "hell", null].map((s) => madeFrom("hello", s)), [true, true, false, false, false, false]);
  assert.equal(identifierTable(article), undefined, "a stable identifier needs no table");
  const versioned: EntitySchema = { ...article, fields: [text("title"), identifierField(["title"], "article", false, true)] };
  const table = identifierTable(versioned)!;
  assert.deepEqual([table.name, table.table, table.history, table.fields.map((f) => f.name)], ["KovaArticleIdentifier", "kova_article_identifiers", false, ["identifier", "record"]]);
  assert.deepEqual(identifierTables([versioned, note]).map((e) => e.name), ["Article", "Note", "KovaArticleIdentifier"]);
});
