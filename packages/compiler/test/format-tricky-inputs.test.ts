/**
 * Hand-written inputs that stress the formatter: comments in every position, nesting, long
 * queries, templates, precedence, reserved v2 blocks, unicode. The property tests
 * (format-properties.test.ts) run over these; the test here keeps every one of them parsing
 * cleanly, so the corpus cannot silently shrink to inputs the formatter never sees.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { parse } from "../src/index.js";

export const TRICKY_INPUTS: ReadonlyArray<{ name: string; text: string }> = [
  {
    name: "comments everywhere",
    text: `// file header

/* block
   header */
IMPORT "./a.kova" // trailing on import
IMPORT { slugify, hash AS sha } FROM "./util.js"
ENTITY User USING db { // after the brace
  // before a field
  name: text // after a field
  /* inline */ email: email UNIQUE
  role: enum("admin", "member") DEFAULT "member"
  // at the end of the fields
}
GET /users/:id /* between */ {
  // first
  user = SELECT * FROM User WHERE id = $id // trailing
  IF user IS NULL { ERROR 404 "no user" } // after if

  RESPOND { name: user.name, /* mid */ email: user.email }
  // last in block
}
// end of file`,
  },
  {
    name: "nested objects and arrays",
    text: `POST /x {
  a = { b: { c: { d: [1, 2, { e: "f" }], g: [] }, h: {} }, i: [[1], [2, [3]]], ...$body }
  b = { alpha_long_key_name: "some long string value", beta_long_key_name: "another long string value", gamma: [1,2,3] }
  c = { // comment inside
    x: 1
    y: 2,
    z
  }
  RESPOND { a, b, c }
}`,
  },
  {
    name: "long queries and clause order",
    text: `GET /posts {
  rows = SELECT id, title, slug, author, published, created_at FROM Post WHERE published = true AND author = $query.author ORDER_BY created_at DESC, id LIMIT $query.limit ?? 20 OFFSET $query.offset ?? 0
  few = SELECT * FROM Post LIMIT 5 WHERE id > 3 ORDER_BY id ASC OFFSET 1
  old = SELECT * FROM Post AS OF $query.at WHERE id = 1
  h = HISTORY Post OFFSET 2 WHERE id = 1 LIMIT 3 ORDER_BY version DESC
  UPDATE Post SET title = "x", published = false WHERE id = $id
  UPDATE Post SET $body WHERE id = $id
  DELETE FROM Post WHERE id = $id AND NOT published
  SAVE $body INTO Post
  RESPOND SELECT * FROM Post WHERE id IN (SELECT post FROM Tag WHERE name = "kova" LIMIT 10) AND id NOT IN [1, 2]
}`,
  },
  {
    name: "templates with nested quotes",
    text: `GET /t/:name {
  a = "hello {$name}, you have {count("x")} new {IF_NOT}"
  b = 'single {not interpolated} \\' quote'
  c = "escaped \\{ brace \\} and \\"quotes\\" and {"inner {"deep"}"}"
  d = "{ {k: "v"}.k }"
  RESPOND "{a}{b}{c}{d}"
}`,
  },
  {
    name: "IF / ELSE IF chains and empty blocks",
    text: `GET /chain {
  IF $query.a = 1 { RESPOND 1.5 } ELSE IF $query.a == 2 {
    RESPOND "two"
  } ELSE IF $query.a <> 3 && $query.b != 4 || !$query.c {} ELSE { ERROR 400 "no" }
  IF true {
  }
}

GET /empty {}

ENTITY Empty {}

VALIDATE Shape {
  address: { street: string  zip: string(pattern: "^[0-9]{5}$") }?
  tags: string[]
  nested: { inner: { deep: int(min: 0)? }[] }
  none: {}
}`,
  },
  {
    name: "unicode",
    text: `// Größe und Maß — 日本語のコメント 🎉
ENTITY Café {
  nom: text // «guillemets»
  prix: float DEFAULT 1.5
}

GET /cafe/:id {
  größe = "½ — {$id} — 🎉"
  RESPOND { größe, "clé spéciale": '✓' }
}`,
  },
  {
    name: "precedence and parentheses",
    text: `GET /math {
  a = (1 + 2) * 3 - -4 - (5 - 6)
  b = - -x
  c = (a ?? b) ?? (c ?? d) + 1
  d = NOT (a AND b) OR (c OR d) AND e
  e = (a = b) = false
  f = (SELECT * FROM T).length
  g = NOT a IN b
  h = x IS NOT NULL AND (y IS NULL) = true
  i = $headers["x-api-key"][0].value
  j = 1_000 + 1e3 + 0.5 + 10m + 500ms
  RESPOND (5)
}`,
  },
  {
    name: "respond, error and headers forms",
    text: `POST /r {
  RESPOND 201 { id: 1 } HEADERS { location: "/r/1", "cache-control": "no-store" }
}
GET /r1 { RESPOND }
GET /r2 { RESPOND 204 }
GET /r3 { RESPOND 200 HEADERS { x: "1" } }
GET /r4 { ERROR 500 }
GET /r5 VALIDATE Shape AUTH admin, editor { RESPOND NOT true }
GET /r6 AUTH { RESPOND null }`,
  },
  {
    name: "reserved v2 blocks",
    text: `CONNECT db USING postgres(env("DATABASE_URL"))
CONNECT mem USING sqlite
CACHE users_cache { key: "user:{$id}"  ttl: 60  get: SELECT * FROM User WHERE id = $id }
SOCKET /chat {
  ON CONNECT { RESPOND "hi" }
  ON MESSAGE(msg) { BROADCAST msg }
}
TASK digest EVERY 10m { x = 1 }
TASK cleanup CRON "0 3 * * *" { DELETE FROM Session WHERE expired = true }
AUTH jwt USING secret(env("JWT_KEY")) { expire: "1h" }
AUTH plain
WORKER mailer {
  send(1)
}`,
  },
  {
    name: "keyword keys and blank lines",
    text: `GET /k {
  o = { RESPOND: 1, IF: 2, ENTITY: 3, LIMIT: 4, key_with_a_long_name_to_force_a_break: "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx" }


  p = 1



  RESPOND o
}`,
  },
];

test("every tricky input parses without errors", () => {
  for (const input of TRICKY_INPUTS) {
    const errors = parse(input.text, input.name).diagnostics.filter((d) => d.severity === "error");
    assert.deepEqual(errors.map((d) => `${d.code} ${d.message} @${d.span.start.line}:${d.span.start.column}`), [], input.name);
  }
});
