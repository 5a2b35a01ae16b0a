/**
 * The JS back end's part for TEST: one async function per test, taking the runner's context
 * (`ctx.request` calls the app, `ctx.expect` asserts, `ctx.db` runs seed queries), and the
 * `tests` list `kova test` runs. Only a test build has any: `kova build` leaves *.test.kova out.
 */
import type { TestDef } from "../../ir/nodes.js";
import type { CodeWriter } from "./code-writer.js";
import type { ExpressionPrinter } from "./expressions.js";
import { emitStatements } from "./statements.js";

function testFunctionName(index: number): string {
  return `test_${index}`;
}

export function emitTestFunction(out: CodeWriter, test: TestDef, index: number, x: ExpressionPrinter, sourcePath: string, displayPath: string): void {
  out.line(`// TEST ${JSON.stringify(test.name)}  (${displayPath}:${test.span.start.line})`);
  out.block(`async function ${testFunctionName(index)}(ctx)`, () => {
    if (test.variables.length > 0) out.line(`let ${test.variables.map((v) => `v_${v}`).join(", ")};`);
    emitStatements(out, test.body, x, sourcePath);
  }, "}", test.span, sourcePath);
}

/** One entry of the app definition's `tests` list (see TestDefinition in @kova/runtime). */
export function testDefinition(test: TestDef, index: number, source: string): string {
  return `{ name: ${JSON.stringify(test.name)}, run: ${testFunctionName(index)}, source: ${source} }`;
}
