import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { kova, tempProject } from "./helpers.js";

const TODO = `ENTITY Todo { title: text  done: bool DEFAULT false }
GET /todos/:id { RESPOND SELECT * FROM Todo WHERE id = $id }
`;

test("kova build --emit ir prints the app model as JSON and writes nothing", () => {
  const dir = tempProject({ "app.kova": TODO });
  const run = kova(["build", "--emit", "ir", dir]);
  assert.equal(run.status, 0, run.stderr);
  const app = JSON.parse(run.stdout) as { kind: string; entryPoints: Array<{ id: string; inputs: { path: unknown[] } }>; queries: Array<{ id: string; source: string }> };
  assert.equal(app.kind, "App");
  assert.deepEqual(app.entryPoints.map((e) => [e.id, e.inputs.path]), [["GET /todos/:id", [{ name: "id", type: "int", from: "field" }]]]);
  assert.deepEqual(app.queries.map((q) => [q.id, q.source]), [["Q0", "default"]]);
  assert.equal(existsSync(join(dir, "dist")), false);
  const bad = kova(["build", "--emit", "wasm", dir]);
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /unknown --emit 'wasm' \(expected js, ir or proto\)/);
});

const REDIS = `CONNECT kv USING redis(env("REDIS_URL"))
ENTITY Item { price: int  name: text }
GET /cheap { RESPOND SELECT * FROM Item WHERE price < 5 }
GET /named { RESPOND SELECT * FROM Item WHERE name = $query.name }
`;

test("kova check and kova build report every query Redis cannot run, each at file:line:col (issue 23 item 7)", () => {
  const dir = tempProject({ "app.kova": REDIS });
  const check = kova(["check", "--no-color", dir]);
  assert.equal(check.status, 1, check.stdout + check.stderr);
  assert.equal(check.stdout.match(/error\[KV9006\]: Redis cannot run this query on Item/g)?.length, 2, check.stdout);
  assert.match(check.stdout, /app\.kova:3:22/);
  assert.match(check.stdout, /app\.kova:4:22/);
  const build = kova(["build", "--no-color", dir]);
  assert.equal(build.status, 1);
  assert.equal(build.stderr.match(/error\[KV9006\]/g)?.length, 2, build.stderr);
  assert.match(build.stderr, /app\.kova:4:22/);
});
