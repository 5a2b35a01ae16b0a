/** Golden tests: the canonical style on small inputs, exactly. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { formatSource } from "../src/index.js";

function golden(input: string, expected: string): void {
  const result = formatSource(input, "golden.kova");
  assert.equal(result.text, expected);
  assert.equal(result.changed, input !== expected);
}

test("keywords, indentation, one declaration per paragraph, fields one per line", () => {
  golden(
    `IMPORT "./a.kova"
IMPORT { slugify } FROM "./slug.js"
ENTITY User { name: text  email: email UNIQUE, role: enum("admin","member") DEFAULT "member" }
GET /users/:id {
    user = SELECT * FROM User WHERE id == $id
    RESPOND user
}`,
    `IMPORT "./a.kova"
IMPORT { slugify } FROM "./slug.js"

ENTITY User {
  name: text
  email: email UNIQUE
  role: enum("admin", "member") DEFAULT "member"
}

GET /users/:id {
  user = SELECT * FROM User WHERE id = $id
  RESPOND user
}
`,
  );
});

test("operators: = in conditions, == elsewhere; <> && || ! become != AND OR NOT; parentheses only where needed", () => {
  golden(
    `GET /x {
  same = $query.a = $query.b
  IF ($query.a == 1 && $query.b <> 2) || !$query.c { RESPOND ((1 + 2) * 3) }
  RESPOND same
}
`,
    `GET /x {
  same = $query.a == $query.b
  IF $query.a = 1 AND $query.b != 2 OR NOT $query.c {
    RESPOND (1 + 2) * 3
  }
  RESPOND same
}
`,
  );
});

test("a long query breaks into one clause per line, in canonical order; a short one stays on one line", () => {
  golden(
    `GET /posts {
  RESPOND SELECT id, title FROM Post LIMIT $query.limit ?? 20 WHERE published = true AND author = $query.author ORDER_BY id DESC
  few = SELECT * FROM Post LIMIT 5 WHERE id > 3
  RESPOND few
}
`,
    `GET /posts {
  RESPOND SELECT id, title FROM Post
    WHERE published = true AND author = $query.author
    ORDER_BY id DESC
    LIMIT $query.limit ?? 20
  few = SELECT * FROM Post WHERE id > 3 LIMIT 5
  RESPOND few
}
`,
  );
});

test("objects: one line when short, else one entry per line with trailing commas", () => {
  golden(
    `POST /o {
  short = {a:1,b:2}
  long = { first_property_name: "a fairly long value", second_property_name: "another long value", third: 3 }
  RESPOND { short, long }
}
`,
    `POST /o {
  short = { a: 1, b: 2 }
  long = {
    first_property_name: "a fairly long value",
    second_property_name: "another long value",
    third: 3,
  }
  RESPOND { short, long }
}
`,
  );
});

test("comments: leading, trailing and end-of-block comments stay; one blank line kept between statements", () => {
  golden(
    `// header
GET /c { // on the brace
  a = 1 // trailing


  // leading
  b = 'kept as written \\' ' /* after */
  // end of block
}
`,
    `// header
GET /c { // on the brace
  a = 1 // trailing

  // leading
  b = 'kept as written \\' ' /* after */
  // end of block
}
`,
  );
});

test("strings, numbers and durations print exactly as written", () => {
  golden(
    `TASK t EVERY 10m { x = "a {"b"} \\u{1F600}"  y = 1_000 + 1e3 + 500ms }\n`,
    `TASK t EVERY 10m {\n  x = "a {"b"} \\u{1F600}"\n  y = 1_000 + 1e3 + 500ms\n}\n`,
  );
});

test("already formatted input is reported unchanged", () => {
  const text = "GET /x {\n  RESPOND 204\n}\n";
  const result = formatSource(text);
  assert.equal(result.changed, false);
  assert.equal(result.text, text);
});

test("ON handlers, CACHE declarations and an endpoint's CACHE clause", () => {
  golden(
    `CACHE posts { ttl: 60s, key: "post:{id}" }\nGET /posts/:id   CACHE   posts { RESPOND SELECT * FROM Post WHERE id = $id }\nON   UPDATE Post WITH { attempts: 3 } { x = event.after }\nON DELETE Post { x = 1 }\n`,
    `CACHE posts {\n  ttl: 60s\n  key: "post:{id}"\n}\n\nGET /posts/:id CACHE posts {\n  RESPOND SELECT * FROM Post WHERE id = $id\n}\n\nON UPDATE Post WITH {\n  attempts: 3\n} {\n  x = event.after\n}\n\nON DELETE Post {\n  x = 1\n}\n`,
  );
});
