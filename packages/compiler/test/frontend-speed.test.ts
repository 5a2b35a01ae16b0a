import { test } from "node:test";
import assert from "node:assert/strict";
import { performance } from "node:perf_hooks";
import { checkText, memoryHost, parse } from "../src/index.js";
import { generateProgram } from "../bench/frontend-speed.js";

test("frontend speed: the generated 10,000-line program is deterministic and parses with no diagnostics", () => {
  const text = generateProgram(10_000);
  assert.equal(text, generateProgram(10_000));
  assert.equal(text.split("\n").length - 1, 10_000);
  const { program, diagnostics } = parse(text, "bench.kova");
  assert.deepEqual(diagnostics.map((d) => `${d.code} ${d.span.start.line}:${d.span.start.column} ${d.message}`), []);
  const kinds = new Set(program.declarations.map((d) => d.kind));
  assert.deepEqual([...kinds].sort(), ["Endpoint", "Entity", "Validate"]);
  assert.ok(program.declarations.length > 800, `${program.declarations.length} declarations`);
});

test("frontend speed: the generated program also checks clean (so the benchmark times the checker's normal path)", () => {
  const { diagnostics } = checkText(generateProgram(10_000), "bench.kova", memoryHost({}));
  assert.deepEqual(diagnostics.map((d) => `${d.code} ${d.span.start.line}:${d.span.start.column} ${d.message}`), []);
});

test("frontend speed: parse + checkText of 10,000 lines takes under 2 s", (t) => {
  const text = generateProgram(10_000);
  // The best of three runs: the first pays for JIT warm-up, and one slow run on a busy CI machine
  // should not fail the build; a real slowdown shows in all three.
  const runs: number[] = [];
  for (let i = 0; i < 3; i++) {
    const start = performance.now();
    parse(text, "bench.kova");
    checkText(text, "bench.kova", memoryHost({}));
    runs.push(performance.now() - start);
  }
  const best = Math.min(...runs);
  t.diagnostic(`parse + checkText of 10,000 lines: ${runs.map((ms) => ms.toFixed(0)).join(", ")} ms`);
  assert.ok(best < 2_000, `took ${best.toFixed(0)} ms at best`);
});
