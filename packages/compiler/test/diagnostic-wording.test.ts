/** Issue 10 item 17: precise messages with a suggestion for misspelt keywords, names and options. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { checkText, type Diagnostic } from "../src/index.js";

function diagnosticsOf(text: string): Diagnostic[] {
  return checkText(text, "app.kova").diagnostics;
}

function only(text: string, code: string): Diagnostic {
  const found = diagnosticsOf(text).filter((d) => d.code === code);
  assert.equal(found.length, 1, `expected one ${code}, got ${JSON.stringify(diagnosticsOf(text), null, 1)}`);
  return found[0];
}

const ITEM = "ENTITY Item {\n  name: text\n}\n";

test("SELEC at the start of a statement: KV1103 'did you mean SELECT?' with a replacement", () => {
  const d = only(`${ITEM}GET /x {\n  SELEC * FROM Item\n}\n`, "KV1103");
  assert.equal(d.message, "'SELEC' is not a Kova keyword");
  assert.equal(d.suggestion, "did you mean SELECT?");
  assert.equal(d.replacement, "SELECT");
});

test("SELEC where a value belongs: KV1104 'did you mean SELECT?', and no 'SELEC is not defined' after it", () => {
  const all = diagnosticsOf(`${ITEM}GET /x {\n  rows = SELEC * FROM Item\n  RESPOND rows\n}\n`);
  assert.deepEqual(all.map((d) => d.code), ["KV1104"], JSON.stringify(all));
  assert.equal(all[0].suggestion, "did you mean SELECT?");
});

test("a misspelt clause after a query (WHRE, LIMT, ORDERBY): KV1103 with 'did you mean'", () => {
  for (const [clause, keyword] of [["WHRE name = \"a\"", "WHERE"], ["LIMT 3", "LIMIT"], ["ORDERBY name", "ORDER_BY"]]) {
    const d = only(`${ITEM}GET /x {\n  RESPOND SELECT * FROM Item ${clause}\n}\n`, "KV1103");
    assert.equal(d.suggestion, `did you mean ${keyword}?`, clause);
  }
});

test("a misspelt FROM or INTO inside a query (FORM, ITNO): KV1101 with 'did you mean'", () => {
  const form = only(`${ITEM}GET /x {\n  RESPOND SELECT * FORM Item\n}\n`, "KV1101");
  assert.equal(form.message, "expected FROM after the selected fields, found 'FORM'");
  assert.equal(form.replacement, "FROM");
  const into = only(`${ITEM}POST /x {\n  RESPOND INSERT ITNO Item { name: "a" }\n}\n`, "KV1101");
  assert.equal(into.suggestion, "did you mean INTO?");
});

test("ENTTIY at the top level: KV1102 'did you mean ENTITY?'", () => {
  const d = only("ENTTIY Item { name: text }\n", "KV1102");
  assert.equal(d.suggestion, "did you mean ENTITY?");
  assert.equal(d.replacement, "ENTITY");
});

test("lenght(): KV2012 'did you mean len?'", () => {
  const d = only(`GET /x {\n  RESPOND lenght("abc")\n}\n`, "KV2012");
  assert.equal(d.suggestion, "did you mean 'len'?");
});

test("a type option maxlen: KV3006 'did you mean max?'", () => {
  const d = only("ENTITY Item {\n  name: text(maxlen: 3)\n}\n", "KV3006");
  assert.match(d.suggestion ?? "", /^did you mean 'max'\?/);
  assert.equal(d.replacement, "max");
});

for (const [line, message, hint] of [
  ["for row in rows {\n    x = 1\n  }", /upper case: Kova's loop is FOR/, /query acts on every matching row/],
  ["while rows {\n    x = 1\n  }", /no 'while' loop/, /FOR row IN rows/],
  ["LET n = 1", /no 'LET': a variable is created by assigning it/, /without it/],
  ["let n = 1", /no 'let'/, /without it/],
  ["return rows", /no 'return'/, /RESPOND/],
] as const) {
  test(`a foreign statement word (${line.split("\n")[0]}): one precise KV1103 with a suggestion`, () => {
    const d = only(`${ITEM}GET /x {\n  rows = SELECT * FROM Item\n  ${line}\n  RESPOND rows\n}\n`, "KV1103");
    assert.match(d.message, message);
    assert.match(d.suggestion ?? "", hint);
  });
}

test("JOIN in an endpoint (SQL's JOIN, or a socket room): KV2608 says both what JOIN is and how to read related rows", () => {
  const d = only(`${ITEM}GET /x {\n  rows = SELECT * FROM Item\n  JOIN rows\n  RESPOND rows\n}\n`, "KV2608");
  assert.match(d.message, /JOIN belongs in a SOCKET handler/);
  assert.match(d.suggestion ?? "", /related rows \(SQL's JOIN\).*relation/);
});

test("let x = 1 and return x are read as x = 1 and RESPOND x after the error, so nothing else is reported", () => {
  const all = diagnosticsOf(`GET /x {\n  let n = 1\n  return n + 1\n  RESPOND 200\n}\n`);
  assert.deepEqual(all.map((d) => d.code), ["KV1103", "KV1103", "KV2016"], JSON.stringify(all));
});

test("ORDER BY on a query without WHERE: the help does not mention WHERE", () => {
  const d = only(`${ITEM}GET /x {\n  RESPOND SELECT * FROM Item ORDER BY name\n}\n`, "KV1103");
  assert.match(d.suggestion ?? "", /ORDER_BY \(one word\)/);
  assert.doesNotMatch(d.suggestion ?? "", /WHERE/);
});

test("a name that merely resembles a keyword is still a name", () => {
  assert.deepEqual(diagnosticsOf(`GET /x {\n  select = 1\n  save = select + 1\n  RESPOND save\n}\n`).map((d) => d.code), []);
});

test("variables named like query keywords (updated, deleted, saved) are not taken for misspellings inside a query", () => {
  const text = `ENTITY Todo {\n  done: bool\n  n: int\n}\nPUT /x {\n  updated = true\n  deleted = 2\n  UPDATE Todo SET done = updated WHERE id = 1\n  UPDATE Todo SET n = deleted * 2 WHERE id = 1\n  RESPOND 204\n}\n`;
  assert.deepEqual(diagnosticsOf(text).map((d) => `${d.code} ${d.message}`), []);
});

test("a field read from text or a list (title.lenght) is KV2002 'did you mean length?', not silently undefined", () => {
  const d = only(`GET /x {\n  title = "abc"\n  RESPOND { n: title.lenght, ok: title.length }\n}\n`, "KV2002");
  assert.equal(d.message, "a value of type text has no field 'lenght'");
  assert.equal(d.replacement, "length");
});
