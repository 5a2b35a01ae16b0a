import assert from "node:assert/strict";
import { test } from "node:test";
import { CASES } from "../src/cases.js";
import { runTarget } from "../src/runner.js";
import { allTargets } from "../src/targets.js";

// The conformance suite as part of `npm test`: every case, against every driver whose server is
// here. With CI=true a driver whose server is unreachable fails the run; locally it is a loud skip.
const targets = await allTargets();
for (const target of targets) {
  test(`conformance: ${target.label}`, async (t) => {
    const result = await runTarget(target);
    const outcomes = Object.entries(result.outcomes);
    const skipped = outcomes.filter(([, o]) => o.status === "skipped");
    if (skipped.length === outcomes.length) {
      const reason = (skipped[0][1] as { detail: string }).detail;
      if (process.env.CI === "true" && target.serverExpected !== false) assert.fail(`${target.label} unavailable in CI: ${reason}`);
      t.skip(`SKIPPED ${target.label}: ${reason}`);
      return;
    }
    const failures = outcomes.filter(([, o]) => o.status === "fail").map(([name, o]) => `${name}: ${(o as { detail: string }).detail}`);
    assert.deepEqual(failures, []);
    t.diagnostic(`${outcomes.filter(([, o]) => o.status === "pass").length} of ${CASES.length} cases passed`);
  });
}
