/**
 * docs/bytecode.md and docs/engine.md: every ```kova block builds for the VM tier, and each
 * `<!-- run METHOD PATH [body JSON] [quotas JSON] → STATUS JSON | stopped by QUOTA -->` comment runs
 * the block above it on the VM and checks the answer.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { compileProgram, execute } from "./helpers.js";

const root = fileURLToPath(new URL("../../../../", import.meta.url));
const RUN = /^<!-- run (GET|POST|PUT|PATCH|DELETE) (\S+)(?: body (\{.*?\}))?(?: quotas (\{.*?\}))? → (?:stopped by (\w+)|(\d{3}) (.*)) -->$/;

for (const doc of ["docs/bytecode.md", "docs/engine.md"]) {
  describe(doc, () => {
    const lines = readFileSync(join(root, doc), "utf8").split("\n");
    const blocks: Array<{ line: number; code: string; runs: string[] }> = [];
    let open: { line: number; body: string[] } | null = null;
    lines.forEach((text, i) => {
      if (open === null && /^```kova\s*$/.test(text)) open = { line: i + 2, body: [] };
      else if (open !== null && /^```\s*$/.test(text)) {
        blocks.push({ line: open.line, code: open.body.join("\n"), runs: [] });
        open = null;
      } else if (open !== null) open.body.push(text);
      else if (text.startsWith("<!-- run ")) blocks[blocks.length - 1]?.runs.push(text);
    });
    const closers: Array<() => Promise<void>> = [];
    after(async () => {
      for (const c of closers) await c();
    });
    test(`${doc} has examples`, () => assert.ok(blocks.length > 0 && blocks.some((b) => b.runs.length > 0)));
    for (const block of blocks) {
      test(`${doc}:${block.line} builds for the VM${block.runs.length > 0 ? " and answers as documented" : ""}`, async () => {
        const { ready, driver, close } = await compileProgram(block.code);
        closers.push(close);
        for (const run of block.runs) {
          const m = RUN.exec(run);
          assert.ok(m, `${doc}: cannot read ${run}`);
          const [, method, path, body, quotas, quota, status, expected] = m;
          const result = await execute(ready, `${method} ${path}`, { body: body ? JSON.parse(body) : undefined, driver }, quotas ? JSON.parse(quotas) : {});
          if (quota !== undefined) assert.equal(result.problem?.quota, quota, `${run}: ${JSON.stringify(result.problem ?? result.body)}`);
          else {
            assert.equal(result.status, Number(status), `${run}: ${JSON.stringify(result.problem)}`);
            assert.deepEqual(result.body, JSON.parse(expected));
          }
        }
      });
    }
  });
}
