import { test } from "node:test";
import assert from "node:assert/strict";
import type { EntitySchema, NestedSelection, SelectPlan } from "@kova/query";
import { compileMysql } from "../src/index.js";

// Related lists on MariaDB/MySQL: one JSON_ARRAYAGG with its own ORDER BY and LIMIT (MariaDB cannot
// see an outer row from a derived table), whose LIMIT the server takes only as a constant.
const Post: EntitySchema = { name: "Post", table: "post", fields: [{ name: "title", type: "string", optional: false, unique: false, index: false }], relations: [{ name: "comments", entity: "Comment", by: "post" }] };
const Comment: EntitySchema = {
  name: "Comment",
  table: "comment",
  fields: [
    { name: "post", type: "int", optional: false, unique: false, index: true, references: "Post" },
    { name: "body", type: "string", optional: false, unique: false, index: false },
  ],
};
const entities = new Map([["Post", Post], ["Comment", Comment]]);

function feed(limit: NestedSelection["limit"]): SelectPlan {
  const comments: NestedSelection = {
    name: "comments",
    relation: { kind: "many", name: "comments", entity: "Comment", field: "post" },
    shape: "list",
    fields: ["body"],
    nested: [],
    where: null,
    orderBy: [{ field: "id", direction: "DESC" }],
    limit,
  };
  return { kind: "select", entity: "Post", fields: ["title"], where: null, orderBy: [], limit: null, offset: null, asOf: null, single: false, nested: [comments] };
}

test("a related list with a constant LIMIT is one statement with JSON_ARRAYAGG … ORDER BY … LIMIT n", () => {
  const compiled = compileMysql(feed({ kind: "literal", value: 3 }), entities) as unknown as { read: { sql: string; params: unknown[] } };
  assert.match(compiled.read.sql, /JSON_ARRAYAGG\(JSON_OBJECT\('id', `kova_r\d+`\.`id`, 'body', `kova_r\d+`\.`body`\) ORDER BY `kova_r\d+`\.`id` DESC LIMIT 3\)/);
  assert.deepEqual(compiled.read.params, []);
});

test("a related list whose LIMIT is computed at run time is refused at build time, saying what to write", () => {
  assert.throws(() => compileMysql(feed({ kind: "arg", index: 0 }), entities), /take only a constant LIMIT inside a related list/);
});
