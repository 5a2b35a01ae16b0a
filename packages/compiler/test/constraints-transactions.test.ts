/**
 * Composite UNIQUE/INDEX, references with ON DELETE, and endpoint transactions, as the front end
 * and the build see them: parsing, checking (with did-you-mean), the schemas and IR they produce,
 * and the refusals for drivers that cannot enforce or roll back (KV9020, KV9021).
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { checkText, checkWithDrivers, lower, parse, type AppModel, type Diagnostic, type EntityDecl } from "../src/index.js";

function check(text: string): Diagnostic[] {
  return checkText(text, "/app/app.kova", { readFile: () => undefined }).diagnostics;
}

function lowerText(text: string): AppModel {
  const result = checkText(text, "/app/app.kova", { readFile: () => undefined });
  assert.deepEqual(result.diagnostics.filter((d) => d.severity === "error").map((d) => `${d.code} ${d.message}`), []);
  return lower(result.programs[0].model, { name: "app" });
}

async function checkDrivers(text: string): Promise<Diagnostic[]> {
  const file = "/app/app.kova";
  return (await checkWithDrivers([file], { readFile: (p) => (p === file ? text : undefined) })).diagnostics;
}

const codes = (ds: Diagnostic[]) => ds.filter((d) => d.severity === "error").map((d) => d.code);

const LIBRARY = `
ENTITY Author {
  name: text
}

ENTITY Book {
  author: Author ON DELETE CASCADE
  editor: Author? ON DELETE SET NULL
  title: text
  UNIQUE (author, title)
  INDEX (title, editor)
}

ENTITY Loan {
  book: Book ON DELETE RESTRICT
  who: text
}

VALIDATE NewBook { author: int  title: string }

POST /books VALIDATE NewBook { RESPOND 201 INSERT INTO Book $body }
GET /books { RESPOND SELECT * FROM Book }
`;

test("parse: UNIQUE (a, b) and INDEX (a, b) lines, and ON DELETE on fields", () => {
  const { program, diagnostics } = parse(LIBRARY, "app.kova");
  assert.deepEqual(diagnostics, []);
  const book = program.declarations.find((d) => d.kind === "Entity" && d.name.name === "Book") as EntityDecl;
  assert.deepEqual(book.fields.map((f) => f.name.name), ["author", "editor", "title"]);
  assert.deepEqual(book.constraints.map((c) => [c.constraint, c.fields.map((f) => f.name)]), [["UNIQUE", ["author", "title"]], ["INDEX", ["title", "editor"]]]);
  assert.deepEqual(book.fields.map((f) => f.modifiers.map((m) => [m.modifier, m.action])), [[["ON DELETE", "CASCADE"]], [["ON DELETE", "SET NULL"]], []]);
});

test("parse: a field's own UNIQUE stays a modifier; ON DELETE without an action is KV1221", () => {
  const { program } = parse("ENTITY A {\n  x: text UNIQUE\n  y: int\n}\n", "app.kova");
  const a = program.declarations[0] as EntityDecl;
  assert.deepEqual([a.fields[0].modifiers.map((m) => m.modifier), a.constraints], [["UNIQUE"], []]);
  const broken = parse("ENTITY U { n: text }\nENTITY P {\n  u: U ON DELETE REMOVE\n}\n", "app.kova");
  const d = broken.diagnostics.find((x) => x.code === "KV1221");
  assert.ok(d, JSON.stringify(broken.diagnostics));
  assert.equal(d.span.start.line, 3);
  assert.match(d.message, /RESTRICT, CASCADE or SET NULL/);
});

test("check: a clean program gives the entity schema its constraints and ON DELETE actions", () => {
  const app = lowerText(LIBRARY);
  const book = app.entities.find((e) => e.name === "Book")!;
  assert.deepEqual(book.uniques, [["author", "title"]]);
  assert.deepEqual(book.indexes, [["title", "editor"]]);
  assert.deepEqual(book.fields.map((f) => [f.name, f.references ?? null, f.onDelete ?? null]), [["author", "Author", "cascade"], ["editor", "Author", "setNull"], ["title", null, null]]);
  assert.equal(app.entities.find((e) => e.name === "Loan")!.fields[0].onDelete, "restrict");
});

test("check: a constraint naming an unknown field is KV2140 with a did-you-mean; a repeated field KV2141", () => {
  const unknown = check("ENTITY F {\n  follower: int\n  followee: int\n  UNIQUE (follower, folowee)\n}\n");
  assert.deepEqual(codes(unknown), ["KV2140"]);
  assert.equal(unknown[0].suggestion, "did you mean 'followee'?");
  assert.deepEqual([unknown[0].span.start.line, unknown[0].span.start.column], [4, 21]);
  assert.deepEqual(codes(check("ENTITY P {\n  a: int\n  b: int\n  INDEX (a, b, a)\n}\n")), ["KV2141"]);
});

test("check: ON DELETE on a non-reference (KV2142), SET NULL on a required reference (KV3120), across data sources (KV2143)", () => {
  assert.deepEqual(codes(check("ENTITY P {\n  n: int ON DELETE CASCADE\n}\n")), ["KV2142"]);
  const required = check("ENTITY U { n: text }\nENTITY P {\n  u: U ON DELETE SET NULL\n}\n");
  assert.deepEqual(codes(required), ["KV3120"]);
  assert.match(required[0].suggestion ?? "", /u: U\?/);
  assert.deepEqual(codes(check("ENTITY U { n: text }\nENTITY P {\n  u: U? ON DELETE SET NULL\n}\n")), []);
  const across = `CONNECT a USING postgres("postgres://x/y")\n\nCONNECT b USING mysql("mysql://x/y")\n\nENTITY U USING a { n: text }\nENTITY P USING b {\n  u: U ON DELETE CASCADE\n}\n`;
  assert.deepEqual(codes(check(across)), ["KV2143"]);
});

test("IR: a route lists the data sources it writes; a read-only route lists none", () => {
  const app = lowerText(LIBRARY);
  const writes = Object.fromEntries(app.entryPoints.map((r) => [r.id, r.writes]));
  assert.deepEqual(writes, { "POST /books": ["default"], "GET /books": [] });
});

const REDIS = `CONNECT kv USING redis(env("REDIS_URL"))

ENTITY Note {
  title: text
  stars: int
}

VALIDATE NewNote { title: string  stars: int }
`;

test("build: on Redis, an endpoint that can fail after writing is KV9020 at the place that can fail", async () => {
  const failsAfter = `${REDIS}
POST /notes VALIDATE NewNote {
  n = INSERT INTO Note $body
  IF n.stars > 5 {
    ERROR 422 "at most 5"
  }
  RESPOND 201 n
}
`;
  const ds = await checkDrivers(failsAfter);
  const refused = ds.filter((d) => d.code === "KV9020");
  assert.equal(refused.length, 1, JSON.stringify(ds));
  assert.equal(refused[0].span.start.line, 13);
  assert.match(refused[0].message, /POST \/notes writes to data source 'kv' \(redis\) and can then fail here \(ERROR\)/);
  const twoWrites = `${REDIS}
POST /notes VALIDATE NewNote {
  INSERT INTO Note $body
  RESPOND 201 INSERT INTO Note $body
}
`;
  assert.match((await checkDrivers(twoWrites)).find((d) => d.code === "KV9020")?.message ?? "", /another write/);
  const thenRead = `${REDIS}
PUT /notes/:id VALIDATE NewNote {
  UPDATE Note SET title = $body.title WHERE id = $id
  RESPOND SELECT * FROM Note WHERE id = $id
}
`;
  assert.match((await checkDrivers(thenRead)).find((d) => d.code === "KV9020")?.message ?? "", /a 404 when no Note is found/);
});

test("build: on Redis, a lone write, a check before it, or a 404 when the write found nothing is allowed", async () => {
  const fine = `${REDIS}
POST /notes VALIDATE NewNote {
  IF $body.stars > 5 {
    ERROR 422 "at most 5"
  }
  RESPOND 201 INSERT INTO Note $body
}

POST /notes/copy VALIDATE NewNote {
  n = INSERT INTO Note $body
  RESPOND 201 n
}

DELETE /notes/:id {
  gone = DELETE FROM Note WHERE id = $id
  IF gone IS NULL {
    ERROR 404 "no note {$id}"
  }
  RESPOND 204
}
`;
  assert.deepEqual(codes(await checkDrivers(fine)), []);
});

test("build: composite UNIQUE or ON DELETE on Redis is KV9021 naming the entity", async () => {
  const ds = await checkDrivers(`${REDIS}
ENTITY Pair {
  a: int
  b: int
  UNIQUE (a, b)
}
`);
  const refused = ds.filter((d) => d.code === "KV9021");
  assert.equal(refused.length, 1, JSON.stringify(ds));
  assert.match(refused[0].message, /Pair declares UNIQUE \(a, b\), which data source 'kv' \(redis\) cannot enforce/);
  assert.equal(refused[0].span.start.line, 1);
});
