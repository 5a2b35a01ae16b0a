// Issue 13 items 1–4 and 7 in the compiler: FN, VIEW, FOR, comprehensions, ? :, BETWEEN, ?.,
// instants, built-ins — checker findings (good and bad programs), emitted JavaScript for each
// construct, the formatter, and the built-in table of docs/language.md against the one registry.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { BUILTINS, builtinSignature } from "../src/checker/builtins.js";
import { checkText, emitApp, formatSource, lower, type Diagnostic } from "../src/index.js";

const ROOT = fileURLToPath(new URL("../../../../", import.meta.url));

function check(text: string): Diagnostic[] {
  return checkText(text, "/app/app.kova", { readFile: () => undefined }).diagnostics;
}

function codes(text: string): string[] {
  return check(text).map((d) => d.code);
}

function only(text: string, code: string): Diagnostic {
  const all = check(text);
  assert.deepEqual(all.map((d) => d.code), [code], JSON.stringify(all.map((d) => `${d.code} ${d.message}`)));
  return all[0];
}

/** The emitted JavaScript of a clean program. */
function emit(text: string): string {
  const result = checkText(text, "/app/app.kova", { readFile: () => undefined });
  const errors = result.diagnostics.filter((d) => d.severity === "error");
  assert.deepEqual(errors.map((d) => `${d.code} ${d.message}`), []);
  const app = lower(result.programs[0].model, { name: "app" });
  const compiled = new Map(app.queries.map((q) => [q.id, { sql: `-- ${q.id}` } as never]));
  return emitApp(app, compiled, { sourcePath: () => "app.kova", sourceText: () => text, moduleSpecifier: (_f, m) => m, outputFile: "/app/dist/app.js" }).code;
}

/** The lines of one emitted function, from its `async function name(` line to its closing brace. */
function functionText(code: string, head: string): string {
  const lines = code.split("\n");
  const start = lines.findIndex((l) => l.startsWith(head));
  assert.ok(start >= 0, `no ${head} in:\n${code}`);
  const end = lines.indexOf("}", start);
  return lines.slice(start, end + 1).join("\n");
}

const POST = `
ENTITY Post {
  title: text
  body: text
  views: int DEFAULT 0
  published: bool DEFAULT false
  created_at: datetime DEFAULT now()
}
`;

// ───────────────────────────── checker: good programs

test("checker: a program using FN, VIEW, FOR, comprehensions, ? :, BETWEEN, ?. and instants checks clean", () => {
  assert.deepEqual(codes(`${POST}
VIEW PostOut OF Post { title, views }
FN total(posts: Post[]) {
  n = 0
  FOR p IN posts {
    n = n + p.views
  }
  RETURN n
}
FN label(p: Post) {
  RETURN p.views BETWEEN 1 AND 9 ? "new" : "seen"
}
GET /posts {
  posts = SELECT * FROM Post WHERE created_at > now() - 7d AND views BETWEEN 0 AND 10
  RESPOND {
    total: total(posts) + 1,
    labels: [label(p) FOR p IN posts IF p.published],
    out: PostOut(posts),
    first: posts[0]?.title,
    via_select: SELECT PostOut FROM Post WHERE id = 1,
    slugs: sort(unique([slug(p.title) FOR p IN posts])),
  }
}`), []);
});

test("checker: a function's result type is inferred and checked where it is used (int compared with text is KV3001)", () => {
  const d = only(`FN double(n: int) {\n  RETURN n * 2\n}\nGET /x {\n  RESPOND { same: double(2) = "4" }\n}`, "KV3001");
  assert.match(d.message, /cannot compare int with text/);
});

test("checker: a loop variable has its list's element type (a Post row: a misspelt field is KV2002 with a did-you-mean)", () => {
  const d = only(`${POST}GET /x {\n  posts = SELECT * FROM Post\n  RESPOND [p.titel FOR p IN posts]\n}`, "KV2002");
  assert.equal(d.suggestion, "did you mean 'title'?");
});

test("checker: a VIEW's rows have only its fields (reading another is KV2002)", () => {
  const d = only(`${POST}VIEW PostOut OF Post { title }\nGET /x {\n  row = SELECT PostOut FROM Post WHERE id = 1\n  RESPOND { b: row.body }\n}`, "KV2002");
  assert.match(d.message, /no field 'body'/);
});

// ───────────────────────────── checker: bad programs

test("checker: recursion is refused, directly (KV2160) and through another function", () => {
  const direct = only(`FN f(n: int) {\n  RETURN f(n - 1)\n}`, "KV2160");
  assert.match(direct.message, /f\(\) calls itself/);
  const mutual = check(`FN a(n: int) {\n  RETURN b(n)\n}\nFN b(n: int) {\n  RETURN a(n)\n}`);
  assert.deepEqual(mutual.map((d) => d.code), ["KV2160"]);
  assert.match(mutual[0].message, /through/);
});

test("checker: an FN called with the wrong count (KV3134) or type (KV3002) of arguments", () => {
  const fn = `FN double(n: int) {\n  RETURN n * 2\n}\n`;
  assert.match(only(`${fn}GET /x {\n  RESPOND { v: double() }\n}`, "KV3134").suggestion ?? "", /double\(n: int\) → int/);
  assert.match(only(`${fn}GET /x {\n  RESPOND { v: double("two") }\n}`, "KV3002").message, /takes int for 'n', not text/);
});

test("checker: RETURNs of different types (KV3133); RETURN in an endpoint and RESPOND in an FN (KV2164)", () => {
  only(`FN f(n: int) {\n  IF n > 1 {\n    RETURN "a"\n  }\n  RETURN n\n}`, "KV3133");
  only(`GET /x {\n  RETURN 1\n}`, "KV2164");
  only(`FN f(n: int) {\n  RESPOND n\n}`, "KV2164");
});

test("checker: a loop variable that hides a variable (KV2161); FOR over a non-list (KV3002)", () => {
  only(`GET /x {\n  a = 1\n  RESPOND { a, b: [a FOR a IN [1, 2]] }\n}`, "KV2161");
  assert.match(only(`GET /x {\n  t = 0\n  FOR c IN "abc" {\n    t = t + 1\n  }\n  RESPOND t\n}`, "KV3002").message, /FOR … IN needs a list, but this is text/);
});

test("checker: VIEW of an unknown entity, a field it lacks (did-you-mean), a nested selection through a plain field (KV2100), used on another entity (KV2162)", () => {
  assert.equal(only(`VIEW X OF Pots { title }\n${POST}`, "KV2162").suggestion, "did you mean 'Post'?");
  assert.equal(only(`${POST}VIEW X OF Post { titel }`, "KV2002").suggestion, "did you mean 'title'?");
  only(`${POST}VIEW X OF Post { title, created_at { year } }`, "KV2100");
  only(`${POST}ENTITY Tag { label: text }\nVIEW X OF Post { title }\nGET /x {\n  RESPOND SELECT X FROM Tag\n}`, "KV2162");
});

test("checker: an FN or VIEW named like a built-in or an entity is KV2007; two parameters of one name KV2163", () => {
  only(`FN slug(t: text) {\n  RETURN t\n}`, "KV2007");
  only(`${POST}VIEW Post OF Post { title }`, "KV2007");
  only(`FN f(a: int, a: int) {\n  RETURN a\n}`, "KV2163");
});

test("checker: did-you-mean over built-ins and the program's functions (KV2012)", () => {
  assert.equal(only(`GET /x {\n  RESPOND { s: slgu("a b") }\n}`, "KV2012").suggestion, "did you mean 'slug'?");
  assert.equal(only(`FN excerpt(t: text) {\n  RETURN t\n}\nGET /x {\n  RESPOND { s: exerpt("a") }\n}`, "KV2012").suggestion, "did you mean 'excerpt'?");
});

test("checker: built-in arguments — count (KV3007), type (KV3002), regex (KV3130), time zone (KV3131), unit and order (KV3132), row field (KV2002)", () => {
  only(`GET /x {\n  RESPOND { s: substring("abc") }\n}`, "KV3007");
  assert.match(only(`GET /x {\n  RESPOND { s: slug(42) }\n}`, "KV3002").message, /slug\(\) needs text for 'text', but this is int/);
  only(`GET /x {\n  RESPOND { ok: matches("a", '(') }\n}`, "KV3130");
  assert.equal(only(`GET /x {\n  RESPOND { d: year(now(), "Europe/Pariss") }\n}`, "KV3131").suggestion, "did you mean 'Europe/Paris'?");
  assert.equal(only(`GET /x {\n  RESPOND { d: date_trunc("dya", now()) }\n}`, "KV3132").suggestion, "did you mean 'day'?");
  only(`GET /x {\n  RESPOND { d: sort([1], null, "down") }\n}`, "KV3132");
  assert.equal(only(`${POST}GET /x {\n  RESPOND sort(SELECT * FROM Post, "veiws")\n}`, "KV2002").suggestion, "did you mean 'views'?");
});

test("checker: instants — datetime ± number is an instant, instant - instant a number; text - number stays an error", () => {
  assert.deepEqual(codes(`GET /x {\n  RESPOND { a: now() - 7d < now(), b: (now() - now()) + 1 }\n}`), []);
  only(`GET /x {\n  RESPOND { a: "x" - 1 }\n}`, "KV3002");
});

test("checker: BETWEEN with bounds of another type (KV3001); computing with a field in a WHERE BETWEEN (KV3010)", () => {
  only(`${POST}GET /x {\n  RESPOND SELECT * FROM Post WHERE views BETWEEN "a" AND 3\n}`, "KV3001");
  only(`${POST}GET /x {\n  RESPOND SELECT * FROM Post WHERE views + 1 BETWEEN 1 AND 3\n}`, "KV3010");
});

test("parser: ? : without ':' and BETWEEN without AND are KV1231", () => {
  assert.ok(codes(`GET /x {\n  RESPOND { a: true ? 1 }\n}`).includes("KV1231"));
  assert.ok(codes(`GET /x {\n  RESPOND { a: 1 BETWEEN 0 }\n}`).includes("KV1231"));
});

// ───────────────────────────── emitter: one snapshot per construct

test("emit: an FN is an async function of ctx and its parameters; FOR is a for…of; RETURN a return", () => {
  const code = emit(`FN total(xs: int[]) {\n  n = 0\n  FOR x IN xs {\n    n = n + x\n  }\n  RETURN n\n}\nGET /t {\n  RESPOND { t: total([1, 2]) }\n}`);
  assert.equal(functionText(code, "async function kf_total("), [
    "async function kf_total(ctx, v_xs) {",
    "  let v_n;",
    "  v_n = 0;",
    "  for (const v_x of (v_xs ?? [])) {",
    "    v_n = (v_n + v_x);",
    "  }",
    "  return v_n;",
    "}",
  ].join("\n"));
  assert.match(code, /return \{ status: 200, body: \{ "t": \(await kf_total\(ctx, \[1, 2\]\)\) \} \};/);
});

test("emit: a VIEW is one shaping function; SELECT View and View(rows) both use it", () => {
  const code = emit(`${POST}VIEW PostOut OF Post { title, views }\nGET /a {\n  RESPOND SELECT PostOut FROM Post\n}\nGET /b {\n  rows = SELECT * FROM Post\n  RESPOND PostOut(rows)\n}`);
  assert.ok(code.includes(`const view_PostOut = (value) => (value == null ? null : Array.isArray(value) ? value.map(view_PostOut) : ((row) => ({ "title": row["title"], "views": row["views"] }))(value));`), code);
  assert.match(code, /body: view_PostOut\(\(await ctx\.db\("default"\)\.execute\(Q0, \[\]\)\)\)/);
  assert.match(code, /body: view_PostOut\(v_rows\)/);
});

test("emit: comprehensions are filter/map, or an ordered loop when an element awaits", () => {
  const plain = emit(`GET /a {\n  RESPOND [x * 2 FOR x IN [1, 2, 3] IF x > 1]\n}`);
  assert.match(plain, /body: \(\[1, 2, 3\] \?\? \[\]\)\.filter\(\(v_x\) => \(v_x > 1\)\)\.map\(\(v_x\) => \(v_x \* 2\)\)/);
  const awaiting = emit(`FN twice(n: int) {\n  RETURN n * 2\n}\nGET /a {\n  RESPOND [twice(x) FOR x IN [1, 2]]\n}`);
  assert.ok(awaiting.includes("body: (await (async () => { const out = []; for (const v_x of ([1, 2] ?? [])) { out.push((await kf_twice(ctx, v_x))); } return out; })())"), awaiting);
});

test("emit: ? :, BETWEEN, ?. and built-ins from the registry", () => {
  const code = emit(`GET /a/:n {\n  n = $n + 0\n  RESPOND { c: n > 1 ? "big" : "small", b: n BETWEEN 1 AND 5, nb: n NOT BETWEEN 1 AND 5, o: { a: 1 }?.a, s: slug("A b"), r: round(1.25, 1) }\n}`);
  assert.ok(code.includes(`"c": ((v_n > 1) ? "big" : "small"), "b": between(v_n, 1, 5), "nb": !between(v_n, 1, 5), "o": { "a": 1 }?.["a"], "s": kb.slug("A b"), "r": kb.round(1.25, 1)`), code);
});

test("emit: instant arithmetic and comparison go through date_add, date_diff and epoch_ms", () => {
  const code = emit(`GET /a {\n  t = now()\n  RESPOND { a: t - 7d, b: t + 1h, c: t - t, d: t < now() }\n}`);
  assert.ok(code.includes(`"a": kb.date_add(v_t, -(604800000)), "b": kb.date_add(v_t, 3600000), "c": kb.date_diff(v_t, v_t), "d": (kb.epoch_ms(v_t) < kb.epoch_ms(new Date().toISOString()))`), code);
});

test("emit: a WHERE with now() - 7d passes the computed instant as an argument; BETWEEN is >= AND <=", () => {
  const result = checkText(`${POST}GET /a {\n  RESPOND SELECT * FROM Post WHERE created_at > now() - 7d AND views BETWEEN 2 AND 5\n}`, "/app/app.kova", { readFile: () => undefined });
  const app = lower(result.programs[0].model, { name: "app" });
  assert.deepEqual(app.queries[0].plan, {
    kind: "select", entity: "Post", fields: null, orderBy: [], limit: null, offset: null, asOf: null, single: false,
    where: { kind: "and", items: [
      { kind: "compare", op: ">", left: { kind: "field", field: "created_at" }, right: { kind: "arg", index: 0 } },
      { kind: "compare", op: ">=", left: { kind: "field", field: "views" }, right: { kind: "literal", value: 2 } },
      { kind: "compare", op: "<=", left: { kind: "field", field: "views" }, right: { kind: "literal", value: 5 } },
    ] },
  });
});

test("emit: a LIKE pattern escapes values (request, variable, interpolated hole) and keeps the program's text; pattern() opts out", () => {
  const code = emit(`${POST}GET /a {\n  t = $query.t\n  RESPOND { v: SELECT * FROM Post WHERE title LIKE $query.p, h: SELECT * FROM Post WHERE title LIKE "%{t}%", r: SELECT * FROM Post WHERE title LIKE pattern(t), x: t LIKE "a%", y: "a" LIKE t }\n}`);
  assert.ok(code.includes(`execute(Q0, [kb.like_escape((ctx.query?.["p"] ?? null))])`), code);
  assert.ok(code.includes("execute(Q1, [`%${str(kb.like_escape(v_t))}%`])"), code);
  assert.ok(code.includes(`execute(Q2, [v_t])`), code);
  assert.ok(code.includes(`"x": like(v_t, "a%"), "y": like("a", kb.like_escape(v_t))`), code);
});

// ───────────────────────────── formatter

test("format: the new constructs print canonically and round-trip", () => {
  const messy = `${POST}VIEW PostOut OF Post {title,views}\nFN f(a:int,b:Post[]){\nFOR p IN b {\nx=p.views BETWEEN 1 AND a ? p?.title : "-"\n}\nRETURN [p.title FOR p IN b IF p.published]\n}\nGET /x {\n  RESPOND f(1, SELECT * FROM Post)\n}\n`;
  const once = formatSource(messy).text;
  assert.equal(formatSource(once).text, once);
  assert.match(once, /VIEW PostOut OF Post \{\n  title\n  views\n\}/);
  assert.match(once, /FN f\(a: int, b: Post\[\]\) \{/);
  assert.match(once, /x = p\.views BETWEEN 1 AND a \? p\?\.title : "-"/);
  assert.match(once, /RETURN \[p\.title FOR p IN b IF p\.published\]/);
});

// ───────────────────────────── one list of built-ins

test("docs/language.md's built-in table lists every built-in of the registry, with its signature, and nothing else", () => {
  const doc = readFileSync(join(ROOT, "docs", "language.md"), "utf8");
  const table = doc.slice(doc.indexOf("<!-- builtins-table:start -->"), doc.indexOf("<!-- builtins-table:end -->"));
  const documented = [...table.matchAll(/^\| `([^`]+)` \|/gm)].map((m) => m[1].replace(/\\\|/g, "|"));
  assert.deepEqual(documented.sort(), [...BUILTINS.values()].map(builtinSignature).sort());
});

test("every built-in but env() has JavaScript; each helper it names exists in @kova/runtime's builtins", async () => {
  // A specifier in a variable: the compiler does not depend on the runtime, only this test reads it.
  const runtimePackage = "@kova/runtime";
  const runtime = (await import(runtimePackage)) as { builtins: Record<string, unknown> };
  for (const b of BUILTINS.values()) {
    if (b.name === "env") continue;
    assert.ok(b.js, `${b.name} has no js`);
    const printed = b.js(b.params.map((p) => p.name));
    const helper = /^kb\.(\w+)\(/.exec(printed)?.[1];
    if (helper) assert.equal(typeof runtime.builtins[helper], "function", `${b.name} prints kb.${helper}, which @kova/runtime lacks`);
  }
});
