// The TypeScript client back end: the todo example's client (snapshot), and the types it prints.
import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { buildApp, checkText, lower, typescriptClient } from "../src/index.js";
import { matchSnapshot } from "./support/snapshots.js";

const ROOT = fileURLToPath(new URL("../../../../", import.meta.url));

test("ts client: examples/todo's client (snapshot)", async () => {
  const result = await buildApp({ entry: join(ROOT, "examples", "todo"), irOnly: true });
  assert.ok(result.ok && result.ir);
  matchSnapshot("todo.client.ts", typescriptClient(result.ir));
});

test("ts client: request and response types follow the route: path, query, body, 204, unions, docs", () => {
  const checked = checkText(`ENTITY Item {
  name: text
  size: enum("s", "m")?
}

VALIDATE NewItem {
  name: string
  size: enum("s", "m")?
}

/// Makes an item.
POST /items VALIDATE NewItem {
  RESPOND 201 INSERT INTO Item $body
}

GET /items QUERY { size: enum("s", "m")  page: int(min: 1) DEFAULT 1 } {
  RESPOND SELECT name FROM Item WHERE size = $query.size
}

GET /items/:id/label {
  item = SELECT * FROM Item WHERE id = $id
  RESPOND item IS NULL ? "none" : item.name
}

DELETE /items/:id {
  DELETE FROM Item WHERE id = $id
  RESPOND
}`, "/shop/app.kova", { readFile: () => undefined });
  assert.deepEqual(checked.diagnostics, []);
  const code = typescriptClient(lower(checked.programs[0].model, { name: "shop" }));
  assert.match(code, /export interface Item \{\n  id: number;\n  name: string;\n  size: "s" \| "m" \| null;\n\}/);
  assert.match(code, /export interface NewItem \{\n  name: string;\n  size\?: "s" \| "m" \| null;\n\}/);
  assert.match(code, /export class ShopClient extends KovaClientBase \{/);
  assert.match(code, /\/\*\* `POST \/items`: Makes an item\. \*\/\n  postItems\(args: \{ body: NewItem \}, init\?: RequestOptions\): Promise<Item>/);
  assert.match(code, /getItems\(args: \{ query: \{ page\?: number; size: "s" \| "m" \} \}, init\?: RequestOptions\): Promise<Array<\{\n    id: number;\n    name: string;\n  \}>>/, "a required query parameter makes the arguments required");
  assert.match(code, /getItemsByIdLabel\(args: \{ path: \{ id: number \} \}, init\?: RequestOptions\): Promise<string \| null>/, "the ?: gives text or the name, which may be null");
  assert.match(code, /deleteItemsById\(args: \{ path: \{ id: number \} \}, init\?: RequestOptions\): Promise<void>/);
});
