// The ENCRYPTED conformance cases alone, against every driver whose server is here (the full
// suite runs them too): `KOVA_TEST_FILTER=conformance/dist/test/encrypted` runs just these.
import assert from "node:assert/strict";
import { test } from "node:test";
// Through cases.js, as the full suite loads them (cases-encrypted.js).
import { CASES } from "../src/cases.js";
import { runTarget } from "../src/runner.js";
import { allTargets } from "../src/targets.js";

const ENCRYPTED_CASES = CASES.filter((c) => c.name.startsWith("ENCRYPTED: "));

for (const target of await allTargets()) {
  test(`ENCRYPTED fields: ${target.label}`, async (t) => {
    const result = await runTarget(target, ENCRYPTED_CASES);
    const outcomes = Object.entries(result.outcomes);
    if (outcomes.every(([, o]) => o.status === "skipped")) {
      t.skip(`SKIPPED ${target.label}: ${(outcomes[0]?.[1] as { detail?: string } | undefined)?.detail ?? "unavailable"}`);
      return;
    }
    const failures = outcomes.filter(([, o]) => o.status === "fail").map(([name, o]) => `${name}: ${(o as { detail: string }).detail}`);
    assert.deepEqual(failures, []);
    t.diagnostic(`${outcomes.filter(([, o]) => o.status === "pass").length} of ${ENCRYPTED_CASES.length} cases passed, ${outcomes.filter(([, o]) => o.status === "n/a").length} n/a`);
  });
}
