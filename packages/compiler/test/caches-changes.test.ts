// Change handlers (ON INSERT|UPDATE|DELETE) and CACHE in the compiler: checker findings, the IR's
// invalidation rules for cached routes (by key when a query pins a record to a request input, by
// entity otherwise, related and FN-read entities included), and the emitted app definition.
import assert from "node:assert/strict";
import { test } from "node:test";
import { checkText, emitApp, lower, type Diagnostic } from "../src/index.js";

function check(text: string): Diagnostic[] {
  return checkText(text, "/app/app.kova", { readFile: () => undefined }).diagnostics;
}

function lowered(text: string) {
  const result = checkText(text, "/app/app.kova", { readFile: () => undefined });
  assert.deepEqual(result.diagnostics.filter((d) => d.severity === "error").map((d) => `${d.code} ${d.message}`), []);
  return lower(result.programs[0].model, { name: "app" });
}

const MODEL = `ENTITY Author {
  name: text
  handle: text UNIQUE
  posts: Post[] BY author
}

ENTITY Post {
  title: text
  author: Author
  secret_note: text? SECRET
}

FN count_posts() {
  RETURN SELECT COUNT(*) AS n FROM Post
}
`;

test("the IR lists what evicts each cached route", () => {
  const app = lowered(`${MODEL}
CACHE c { ttl: 60s }

GET /authors/:id CACHE c {
  RESPOND SELECT name, posts { title } FROM Author WHERE id = $id
}

GET /by-handle/:handle CACHE c {
  RESPOND SELECT * FROM Author WHERE handle = $handle AND name != ""
}

GET /posts CACHE c QUERY { title: text } {
  RESPOND SELECT * FROM Post WHERE title = $query.title
}

GET /stats CACHE c {
  RESPOND { posts: count_posts() }
}
`);
  const rules = Object.fromEntries(app.entryPoints.map((r) => [r.id, r.cache?.invalidate]));
  assert.deepEqual(rules["GET /authors/:id"], [{ entity: "Post" }, { entity: "Author", by: { field: "id", input: "path", name: "id" } }]);
  assert.deepEqual(rules["GET /by-handle/:handle"], [{ entity: "Author", by: { field: "handle", input: "path", name: "handle" } }]);
  assert.deepEqual(rules["GET /posts"], [{ entity: "Post" }], "title is not UNIQUE: any Post write evicts");
  assert.deepEqual(rules["GET /stats"], [{ entity: "Post" }], "a query inside an FN counts, by entity");
  assert.deepEqual(app.caches?.map((c) => [c.name, c.ttlMs, c.mode, c.key]), [["c", 60_000, "first", null]]);
});

test("ON handlers become change-triggered tasks; the event's rows have no SECRET field", () => {
  const text = `${MODEL}
ENTITY Audit {
  what: text
}

ON UPDATE Post WITH { attempts: 2 } {
  INSERT INTO Audit { what: "{event.before.title} -> {event.after.title}" }
}
`;
  const app = lowered(text);
  assert.deepEqual(app.tasks.map((t) => [t.name, t.params, t.trigger, t.attempts, t.writes]), [["on_update_Post", ["event"], { kind: "change", op: "update", entity: "Post" }, 2, ["default"]]]);
  const secret = check(text.replace("event.after.title", "event.after.secret_note"));
  assert.deepEqual(secret.map((d) => d.code), ["KV2002"], "secret_note is not in the event");
  const compiled = new Map(app.queries.map((q) => [q.id, { sql: `-- ${q.id}` } as never]));
  const code = emitApp(app, compiled, { sourcePath: () => "app.kova", sourceText: () => text, moduleSpecifier: (_f, m) => m, outputFile: "/app/dist/app.js" }).code;
  assert.match(code, /name: "on_update_Post", params: \["event"\], trigger: \{"kind":"change","op":"update","entity":"Post"\}/);
});

test("checker findings: unknown entity or cache, duplicate handler, bad settings and keys, CACHE on a write, ENQUEUE of a handler", () => {
  const codes = (text: string) => check(`${MODEL}\n${text}`).map((d) => d.code);
  assert.deepEqual(codes(`ON INSERT Pots {\n  _x = 1\n}`), ["KV2500"]);
  assert.deepEqual(codes(`ON DELETE Post {\n  _x = 1\n}\nON DELETE Post {\n  _y = 1\n}`), ["KV2501"]);
  assert.deepEqual(codes(`GET /p CACHE nope {\n  RESPOND { ok: true }\n}`), ["KV2510"]);
  assert.deepEqual(codes(`CACHE c { ttl: 60, mode: "lazy", size: 1 }`), ["KV2512", "KV2512", "KV2511"]);
  assert.deepEqual(codes(`CACHE c { key: "p:{id}" }\nGET /p/:slug CACHE c {\n  RESPOND { ok: true }\n}`), ["KV2513"]);
  assert.deepEqual(codes(`CACHE c { key: "p:{id}" }\nGET /p QUERY { id: int } CACHE c {\n  RESPOND { ok: true }\n}`), [], "a declared QUERY parameter may be in the key");
  assert.deepEqual(codes(`CACHE c { }\nDELETE /p CACHE c {\n  RESPOND 204\n}`), ["KV2514"]);
  const enqueue = check(`${MODEL}\nON INSERT Post {\n  _x = 1\n}\nPOST /x {\n  ENQUEUE on_insert_Post(1)\n  RESPOND 204\n}`);
  assert.ok(enqueue.some((d) => d.code === "KV2450" && /ON INSERT Post handler/.test(d.message)), JSON.stringify(enqueue.map((d) => d.message)));
});

test("an ON UPDATE/INSERT handler that always writes its own entity is refused (KV2515); a guarded one is not", () => {
  const base = `ENTITY Post {
  title: text
  views: int
}

ENTITY Log {
  what: text
}
`;
  const loop = check(`${base}
ON UPDATE Post {
  UPDATE Post SET views = event.after.views + 1 WHERE id = event.id
}

ON INSERT Post {
  INSERT INTO Post { title: "again", views: 0 }
}
`).filter((d) => d.code === "KV2515");
  assert.equal(loop.length, 2, JSON.stringify(loop));
  assert.match(loop[0].message, /ON UPDATE Post updates Post every time it runs/);
  assert.match(loop[0].suggestion ?? "", /event\.before/);
  const guarded = check(`${base}
ON UPDATE Post {
  IF event.before.title != event.after.title {
    UPDATE Post SET views = 0 WHERE id = event.id
  }
}

ON INSERT Post {
  INSERT INTO Log { what: "new post" }
}

ON DELETE Post {
  DELETE FROM Post WHERE views = 0
}
`).filter((d) => d.severity === "error");
  assert.deepEqual(guarded.map((d) => `${d.code} ${d.message}`), []);
});
