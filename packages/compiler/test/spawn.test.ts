// SPAWN and AWAIT in the compiler: the checker's findings (KV2912–KV2914, the type AWAIT gives),
// the formatter, the emitted JavaScript (the FN's promise, its rejection handled) and the bytecode
// (SPAWN/AWAIT instructions, the FN's arity checked like a call).
import assert from "node:assert/strict";
import { test } from "node:test";
import { bytecode, checkText, Codes, emitApp, formatSource, lower, type Diagnostic } from "../src/index.js";

const TYPE_MISMATCH = Codes.TypeMismatch.code;

function check(text: string): Diagnostic[] {
  return checkText(text, "/app/app.kova", { readFile: () => undefined }).diagnostics;
}

/** The errors' codes (warnings such as KV3009, $body without VALIDATE, are beside the point here). */
function codes(text: string): string[] {
  return check(text).filter((d) => d.severity === "error").map((d) => d.code);
}

function emit(text: string): string {
  const result = checkText(text, "/app/app.kova", { readFile: () => undefined });
  assert.deepEqual(result.diagnostics.filter((d) => d.severity === "error").map((d) => `${d.code} ${d.message}`), []);
  const app = lower(result.programs[0].model, { name: "app" });
  const compiled = new Map(app.queries.map((q) => [q.id, { sql: `-- ${q.id}` } as never]));
  return emitApp(app, compiled, { sourcePath: () => "app.kova", sourceText: () => text, moduleSpecifier: (_f, m) => m, outputFile: "/app/dist/app.js" }).code;
}

const WORK = `FN total(xs: int[]) {
  n = 0
  FOR x IN xs {
    n = n + x
  }
  RETURN n
}

FN label(n: int) {
  RETURN "n={n}"
}
`;

test("checker: SPAWN of an FN call and AWAIT of its task check clean; AWAIT gives the FN's result type", () => {
  assert.deepEqual(codes(`${WORK}
GET /sum {
  a = SPAWN total([1, 2, 3])
  b = SPAWN total([4, 5])
  tasks = [SPAWN label(x) FOR x IN [1, 2]]
  labels = [AWAIT t FOR t IN tasks]
  RESPOND { sum: AWAIT a + AWAIT b, labels: labels }
}
`), []);
  // The FN's result is an int: using it as text is the usual mismatch.
  const wrong = check(`${WORK}
GET /sum {
  a = SPAWN total([1, 2, 3])
  RESPOND { upper: upper(AWAIT a) }
}
`);
  assert.ok(wrong.some((d) => d.code === TYPE_MISMATCH && /int/.test(d.message)), JSON.stringify(wrong.map((d) => `${d.code} ${d.message}`)));
});

test("KV2912: SPAWN of a built-in, of a value, of an unknown name", () => {
  const builtin = check(`GET /x {\n  t = SPAWN upper("a")\n  RESPOND AWAIT t\n}\n`);
  assert.deepEqual(builtin.map((d) => d.code), ["KV2912"]);
  assert.match(builtin[0].message, /upper\(\) is not an FN of this program/);
  assert.equal(builtin[0].span.start.line, 2);
  assert.equal(builtin[0].span.start.column, 13);
  assert.match(builtin[0].suggestion ?? "", /SPAWN name\(args\)/);
  assert.deepEqual(codes(`GET /x {\n  t = SPAWN 5\n  RESPOND { ok: 1 }\n}\n`), ["KV2912"]);
});

test("KV2913: AWAIT of a value that cannot be a task", () => {
  const d = check(`GET /x {\n  n = 5\n  RESPOND AWAIT n\n}\n`);
  assert.deepEqual(d.map((x) => x.code), ["KV2913"]);
  assert.match(d[0].message, /AWAIT waits for a task, and this is a value of type int/);
  assert.deepEqual(codes(`GET /x {\n  RESPOND AWAIT { a: 1 }\n}\n`), ["KV2913"]);
  // A request value may be anything: not refused (at run time a value that is not a task is itself).
  assert.deepEqual(codes(`POST /x {\n  RESPOND AWAIT $body.t\n}\n`), []);
});

test("KV2914: a SPAWN on its own line drops its task", () => {
  const d = check(`${WORK}\nGET /x {\n  SPAWN total([1])\n  RESPOND { ok: 1 }\n}\n`);
  assert.deepEqual(d.map((x) => x.code), ["KV2914"]);
  assert.match(d[0].message, /never awaited/);
  // AWAIT on its own line waits for a task, for its effects: fine.
  assert.deepEqual(codes(`${WORK}\nGET /x {\n  t = SPAWN total([1])\n  AWAIT t\n  RESPOND { ok: 1 }\n}\n`), []);
});

test("KV2160: an FN that spawns itself is recursion, refused as a call is", () => {
  assert.ok(codes(`FN f(n: int) {\n  t = SPAWN f(n)\n  RETURN AWAIT t\n}\nGET /x {\n  RESPOND f(1)\n}\n`).includes("KV2160"));
});

test("the formatter prints SPAWN and AWAIT as written", () => {
  const source = `${WORK}\nGET /sum {\n  a = SPAWN total([1, 2, 3])\n  RESPOND { sum: AWAIT a + 1 }\n}\n`;
  assert.equal(formatSource(source, "app.kova").text, source);
});

test("JavaScript: SPAWN is the FN's promise (its rejection handled until awaited), AWAIT awaits it", () => {
  const code = emit(`${WORK}\nGET /sum {\n  a = SPAWN total([1, 2, 3])\n  RESPOND { sum: AWAIT a }\n}\n`);
  assert.match(code, /v_a = \(\(task\) => \(task\.catch\(\(\) => \{\}\), task\)\)\(kf_total\(ctx, \[1, 2, 3\]\)\);/);
  assert.match(code, /"sum": \(await v_a\)/);
});

test("bytecode: SPAWN and AWAIT instructions, disassembled by name", () => {
  const result = checkText(`${WORK}\nGET /sum {\n  a = SPAWN total([1, 2, 3])\n  RESPOND AWAIT a\n}\n`, "/app/app.kova", { readFile: () => undefined });
  const app = lower(result.programs[0].model, { name: "app" });
  const built = bytecode.compileBytecode(app, new Map());
  assert.ok(built.program !== null, JSON.stringify(built.diagnostics));
  const text = bytecode.disassemble(built.program);
  assert.match(text, /SPAWN\s+fn 0 \(total\)\/1/);
  assert.match(text, /AWAIT/);
});
