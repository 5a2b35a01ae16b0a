// docs/api-surface.md shows what the OpenAPI back end makes of its example program: keep it true.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { checkText, lower, openApiDocument } from "../src/index.js";

const ROOT = fileURLToPath(new URL("../../../../", import.meta.url));

test("docs/api-surface.md: its JSON examples are what the OpenAPI back end produces for its program", () => {
  const text = readFileSync(join(ROOT, "docs", "api-surface.md"), "utf8");
  const blocks = [...text.matchAll(/^```(\w*)\n([\s\S]*?)^```$/gm)].map((m) => ({ info: m[1], body: m[2] }));
  const program = blocks.find((b) => b.info === "kova");
  assert.ok(program);
  const checked = checkText(program.body, "/app/app.kova", { readFile: () => undefined });
  assert.deepEqual(checked.diagnostics, []);
  const doc = openApiDocument(lower(checked.programs[0].model, { name: "shelf" }));
  const json = blocks.filter((b) => b.info === "json").map((b) => JSON.parse(b.body) as unknown);
  assert.deepEqual(json[0], doc.components.schemas.NewBook, "the NewBook schema");
  const get = doc.paths["/books/{id}"].get as { responses: Record<string, { description: string }> };
  assert.deepEqual(json[1], Object.fromEntries(Object.entries(get.responses).map(([status, r]) => [status, r.description])), "GET /books/{id}'s statuses");
  assert.equal(doc.paths["/books"].post.summary, "Adds a book.");
});
