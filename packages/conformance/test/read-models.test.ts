// The READ MODEL conformance cases alone, against every driver whose server is here (the full
// suite runs them too): `KOVA_TEST_FILTER=conformance/dist/test/read-models` runs just these.
import assert from "node:assert/strict";
import { test } from "node:test";
// Through cases.js, as the full suite loads them.
import { CASES } from "../src/cases.js";
import { runTarget } from "../src/runner.js";
import { allTargets } from "../src/targets.js";

const READ_MODEL_CASES = CASES.filter((c) => c.name.startsWith("READ MODEL"));

for (const target of await allTargets()) {
  test(`read models: ${target.label}`, async (t) => {
    const result = await runTarget(target, READ_MODEL_CASES);
    const outcomes = Object.entries(result.outcomes);
    if (outcomes.every(([, o]) => o.status === "skipped")) {
      t.skip(`SKIPPED ${target.label}: ${(outcomes[0]?.[1] as { detail?: string } | undefined)?.detail ?? "unavailable"}`);
      return;
    }
    const failures = outcomes.filter(([, o]) => o.status === "fail").map(([name, o]) => `${name}: ${(o as { detail: string }).detail}`);
    assert.deepEqual(failures, []);
    t.diagnostic(`${outcomes.filter(([, o]) => o.status === "pass").length} of ${READ_MODEL_CASES.length} cases passed, ${outcomes.filter(([, o]) => o.status === "n/a").length} n/a`);
  });
}
