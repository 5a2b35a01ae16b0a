import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Ajv } from "ajv";
import { buildApp, checkFiles, checkText, checkWithDrivers, findKovaFiles, lower, modulePathInDist, type AppModel } from "../src/index.js";
import { SAMPLES } from "./support/samples.js";

// This file runs from packages/compiler/dist/test/.
const ROOT = fileURLToPath(new URL("../../../../", import.meta.url));
const schema = JSON.parse(readFileSync(join(ROOT, "docs", "ir.schema.json"), "utf8")) as object;
const validate = new Ajv({ strict: false }).compile(schema);

function lowerText(text: string): AppModel {
  const result = checkText(text, "/app/app.kova", { readFile: () => undefined });
  const errors = result.diagnostics.filter((d) => d.severity === "error");
  assert.deepEqual(errors.map((d) => `${d.code} ${d.message}`), []);
  return lower(result.programs[0].model, { name: "app" });
}

function assertValidIr(app: AppModel, label: string): void {
  const json: unknown = JSON.parse(JSON.stringify(app));
  assert.deepEqual(json, app, `${label}: the IR is plain JSON (no Maps, classes, undefined or functions)`);
  if (!validate(json)) assert.fail(`${label}: the IR does not match docs/ir.schema.json: ${JSON.stringify(validate.errors?.slice(0, 3))}`);
}

test("ir schema: docs/ir.schema.json matches a fresh generation from ir/nodes.ts", () => {
  const result = spawnSync(process.execPath, [join(ROOT, "scripts", "gen-ir-schema.mjs"), "--check"], { cwd: ROOT, encoding: "utf8" });
  assert.equal(result.status, 0, `${result.stderr}\nrun: node scripts/gen-ir-schema.mjs`);
});

test("ir: every example app and every clean sample lowers to plain JSON that matches the schema", (t) => {
  let count = 0;
  for (const dir of ["todo", "blog"].map((d) => join(ROOT, "examples", d)).filter(existsSync)) {
    const result = checkFiles(findKovaFiles([dir]).files);
    for (const program of result.programs) {
      assertValidIr(lower(program.model, { name: "example" }), program.root);
      count++;
    }
  }
  for (const [name, text] of Object.entries(SAMPLES)) {
    const result = checkText(text, `/s/${name}.kova`, { readFile: () => undefined });
    if (result.diagnostics.some((d) => d.severity === "error")) continue;
    assertValidIr(lower(result.programs[0].model, { name }), name);
    count++;
  }
  t.diagnostic(`${count} programs`);
  assert.ok(count >= 2);
});

test("ir: every ```kova block in docs/*.md that checks clean lowers to IR that matches the schema", (t) => {
  let count = 0;
  for (const name of readdirSync(join(ROOT, "docs")).filter((n) => n.endsWith(".md")).sort()) {
    const markdown = readFileSync(join(ROOT, "docs", name), "utf8");
    const fence = /^```kova\n([\s\S]*?)^```$/gm;
    for (let m = fence.exec(markdown); m !== null; m = fence.exec(markdown)) {
      const result = checkText(m[1], `/docs/${name}.kova`, { readFile: () => undefined });
      if (result.diagnostics.some((d) => d.severity === "error")) continue;
      assertValidIr(lower(result.programs[0].model, { name }), `docs/${name}: ${m[1].slice(0, 60)}`);
      count++;
    }
  }
  t.diagnostic(`${count} blocks`);
  assert.ok(count > 20, `only ${count} blocks`);
});

test("ir: entities appear once; data sources name them; queries are by id with their data source", () => {
  const app = lowerText(`CONNECT main USING postgres(env("DATABASE_URL"))
CONNECT kv USING redis(env("REDIS_URL", "redis://localhost"))
ENTITY A { x: int }
ENTITY B USING kv { y: text }
GET /a/:id { RESPOND SELECT * FROM A WHERE id = $id }
GET /b/:id { RESPOND SELECT * FROM B WHERE id = $id }
`);
  assert.deepEqual(app.entities.map((e) => e.name), ["A", "B"]);
  assert.deepEqual(app.dataSources.map((s) => [s.name, s.driver, s.entities]), [["main", "postgres", ["A"]], ["kv", "redis", ["B"]]]);
  assert.deepEqual(app.queries.map((q) => [q.id, q.entity, q.source]), [["Q0", "A", "main"], ["Q1", "B", "kv"]]);
  assert.deepEqual(app.env.map((v) => [v.name, v.type, v.default]), [["DATABASE_URL", "string", undefined], ["REDIS_URL", "string", "redis://localhost"]]);
});

test("ir: env() uses are typed by their defaults", () => {
  const app = lowerText(`GET /e { RESPOND { a: env("PAGE_SIZE", 20), b: env("DEBUG", false), c: env("NAME") } }`);
  assert.deepEqual(app.env.map((v) => [v.name, v.type, v.default, v.uses.length]), [["DEBUG", "boolean", "false", 1], ["NAME", "string", undefined, 1], ["PAGE_SIZE", "number", "20", 1]]);
});

test("ir: path and query inputs are typed from their use (field comparison, arithmetic) or text", () => {
  const app = lowerText(`ENTITY T { n: int  name: text  done: bool }
GET /t/:id/:n/:s {
  x = $n + 1
  y = $query.page * 2
  RESPOND SELECT * FROM T WHERE id = $id AND done = $query.done AND name = $s AND name LIKE $query.q LIMIT $query.limit ?? 10
}
`);
  const route = app.entryPoints[0];
  assert.deepEqual(route.inputs.path.map((i) => [i.name, i.type, i.from]), [["id", "int", "field"], ["n", "float", "arithmetic"], ["s", "string", "field"]]);
  assert.deepEqual(route.inputs.query.map((i) => [i.name, i.type, i.from]), [["done", "boolean", "field"], ["limit", "count", "field"], ["page", "float", "arithmetic"], ["q", "string", "field"]]);
});

test("ir: an input in arithmetic and also compared with an int field is an int (the field's type wins over 'a number')", () => {
  const app = lowerText(`ENTITY T { n: int }\nGET /t {\n  twice = $query.n * 2\n  RESPOND { twice, rows: SELECT * FROM T WHERE n = $query.n }\n}\n`);
  assert.deepEqual(app.entryPoints[0].inputs.query.map((i) => [i.name, i.type, i.from]), [["n", "int", "field"]]);
});

test("ir: a path input only written to a field inside a spread object (SAVE { ...$body, id: $id }) takes the field's type", () => {
  const app = lowerText(`ENTITY Book { title: text  pages: int? }
VALIDATE BookIn { title: string  pages: int? }
PUT /books/:id VALIDATE BookIn { RESPOND SAVE { ...$body, id: $id } INTO Book }
POST /books/:n VALIDATE BookIn { RESPOND 201 INSERT INTO Book { ...$body, pages: $n } }
`);
  assert.deepEqual(app.entryPoints[0].inputs.path.map((i) => [i.name, i.type, i.from]), [["id", "int", "field"]]);
  assert.deepEqual(app.entryPoints[1].inputs.path.map((i) => [i.name, i.type, i.from]), [["n", "int", "field"]]);
});

test("ir: a query input used as an IN list stays undeclared (it may repeat: ?id=1&id=2) and converts per element", () => {
  const app = lowerText(`ENTITY T { n: int }\nGET /t { RESPOND SELECT * FROM T WHERE id IN $query.id AND n = $query.n }\n`);
  assert.deepEqual(app.entryPoints[0].inputs.query.map((i) => i.name), ["n"]);
  assert.ok(JSON.stringify(app.entryPoints[0].body).includes('"convert":"int","label":"IN list"'));
});

/**
 * A second back end, written against the IR alone: the route table. It needs nothing from the JS
 * emitter, the checker or the AST — which is the point of the app model (issue 9).
 */
function routeTable(app: AppModel): string {
  return app.entryPoints
    .map((r) => {
      const inputs = [...r.inputs.path.map((i) => `:${i.name}:${i.type}`), ...r.inputs.query.map((i) => `?${i.name}:${i.type}`), ...(r.inputs.body.shape ? [`body:${r.inputs.body.shape}`] : [])];
      const queries = new Set<string>();
      const visit = (v: unknown): void => {
        if (Array.isArray(v)) v.forEach(visit);
        else if (v !== null && typeof v === "object") {
          const o = v as { kind?: string; query?: string };
          if (o.kind === "query" && o.query) queries.add(o.query);
          Object.values(o).forEach(visit);
        }
      };
      visit(r.body);
      const runs = [...queries].map((id) => app.queries.find((q) => q.id === id)!).map((q) => `${q.plan.kind} ${q.entity}@${q.source}`);
      return `${r.method.padEnd(6)} ${r.path}  ${inputs.join(" ")}  -> ${runs.join(", ")}`.trimEnd();
    })
    .join("\n");
}

test("ir: a new back end (a route table) reads the IR alone, with no change to the JS emitter", () => {
  const app = lowerText(`ENTITY Todo { title: text  done: bool }
VALIDATE NewTodo { title: string }
GET /todos { RESPOND SELECT * FROM Todo WHERE done = $query.done }
GET /todos/:id { RESPOND SELECT * FROM Todo WHERE id = $id }
POST /todos VALIDATE NewTodo { RESPOND 201 INSERT INTO Todo { title: $body.title, done: false } }
`);
  assert.equal(
    routeTable(app),
    ["GET    /todos  ?done:boolean  -> select Todo@default", "GET    /todos/:id  :id:int  -> select Todo@default", "POST   /todos  body:NewTodo  -> insert Todo@default"].join("\n"),
  );
});

const REDIS_PROGRAM = `CONNECT kv USING redis(env("REDIS_URL"))
ENTITY Item { price: int  name: text }
GET /cheap { RESPOND SELECT * FROM Item WHERE price < 5 }
GET /named { RESPOND SELECT * FROM Item WHERE name = $query.name }
GET /items/:id { RESPOND SELECT * FROM Item WHERE id = $id }
`;

test("check with drivers: every query the driver refuses is a KV9006 at the query, not just the first (issue 23 item 7)", async () => {
  const file = "/app/app.kova";
  const result = await checkWithDrivers([file], { readFile: (p) => (p === file ? REDIS_PROGRAM : undefined) });
  const refused = result.diagnostics.filter((d) => d.code === "KV9006");
  assert.deepEqual(refused.map((d) => [d.span.file, d.span.start.line, d.span.start.column]), [[file, 3, 22], [file, 4, 22]]);
  assert.match(refused[0].message, /Redis cannot run this query on Item/);
  assert.equal(refused[0].severity, "error");
});

test("build: a refused query fails the build with its diagnostics and writes nothing", async () => {
  const dir = mkdtempSync(join(tmpdir(), "kova-ir-"));
  try {
    writeFileSync(join(dir, "app.kova"), REDIS_PROGRAM);
    const result = await buildApp({ entry: dir });
    assert.equal(result.ok, false);
    assert.deepEqual(result.check.diagnostics.filter((d) => d.code === "KV9006").map((d) => d.span.start.line), [3, 4]);
    assert.equal(existsSync(join(dir, "dist")), false);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("build: imported modules are placed inside dist, also those outside the app folder (issue 10 item 11)", () => {
  assert.equal(modulePathInDist("/w/app", "/w/app/app.kova", "./lib/h.js"), "lib/h.js");
  assert.equal(modulePathInDist("/w/app", "/w/app/app.kova", "../helpers.js"), "_outside/_up/helpers.js");
  assert.equal(modulePathInDist("/w/app", "/w/app/sub/x.kova", "../../shared/h.js"), "_outside/_up/shared/h.js");
});
