import assert from "node:assert/strict";
import { test } from "node:test";
import { checkText, dataSources } from "../src/index.js";

const sourcesOf = (text: string) => {
  const result = checkText(text);
  const placed = dataSources(result.programs[0].model).map((s) => [s.name, s.driver, s.entities.map((e) => e.name)]);
  return { placed, codes: result.diagnostics.map((d) => `${d.code}@${d.span.start.line}`) };
};

// Issue 23, item 9: which data source an entity without USING uses, as docs/language.md says.
test("an entity without USING: the embedded store with no CONNECT, else the first CONNECT (KV2021 when there are several)", () => {
  assert.deepEqual(sourcesOf(`ENTITY A { x: text }`), { placed: [["default", "embedded", ["A"]]], codes: [] });
  assert.deepEqual(sourcesOf(`CONNECT main USING postgres("postgres://h/db")\nENTITY A { x: text }`), {
    placed: [["main", "postgres", ["A"]]],
    codes: [],
  });
  const several = sourcesOf(
    `CONNECT main USING postgres("postgres://h/db")\nCONNECT local USING embedded()\nENTITY A { x: text }\nENTITY B USING local { y: text }`,
  );
  assert.deepEqual(several, { placed: [["main", "postgres", ["A"]], ["local", "embedded", ["B"]]], codes: ["KV2021@3"] });
});
