// One group of conformance cases (by the prefix of their names), against every driver whose server
// is here, as one test per driver: what each group's own test file runs (the full suite runs them
// all too). Through cases.js, as the full suite loads them.
import assert from "node:assert/strict";
import { test } from "node:test";
import { CASES } from "../src/cases.js";
import { runTarget } from "../src/runner.js";
import { allTargets } from "../src/targets.js";

export async function testCaseGroup(title: string, prefix: string): Promise<void> {
  const cases = CASES.filter((c) => c.name.startsWith(prefix));
  assert.ok(cases.length > 0, `no conformance case is named "${prefix}…"`);
  for (const target of await allTargets()) {
    test(`${title}: ${target.label}`, async (t) => {
      const result = await runTarget(target, cases);
      const outcomes = Object.entries(result.outcomes);
      if (outcomes.every(([, o]) => o.status === "skipped")) {
        t.skip(`SKIPPED ${target.label}: ${(outcomes[0]?.[1] as { detail?: string } | undefined)?.detail ?? "unavailable"}`);
        return;
      }
      const failures = outcomes.filter(([, o]) => o.status === "fail").map(([name, o]) => `${name}: ${(o as { detail: string }).detail}`);
      assert.deepEqual(failures, []);
      t.diagnostic(`${outcomes.filter(([, o]) => o.status === "pass").length} of ${cases.length} cases passed, ${outcomes.filter(([, o]) => o.status === "n/a").length} n/a`);
    });
  }
}
