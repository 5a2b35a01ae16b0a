/**
 * Snapshot files kept in the source tree (packages/compiler/test/snapshots/). A test compares its
 * output with the file; KOVA_UPDATE_SNAPSHOTS=1 rewrites the file instead (review the diff).
 */
import assert from "node:assert/strict";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

// Compiled tests run from packages/compiler/dist/test/support/.
export const SNAPSHOTS = fileURLToPath(new URL("../../../test/snapshots/", import.meta.url));

export function matchSnapshot(name: string, actual: string): void {
  const file = join(SNAPSHOTS, name);
  if (process.env.KOVA_UPDATE_SNAPSHOTS === "1" || !existsSync(file)) {
    if (process.env.CI === "true" && !existsSync(file)) assert.fail(`snapshot ${name} is missing; run the test with KOVA_UPDATE_SNAPSHOTS=1 and commit it`);
    writeFileSync(file, actual);
    return;
  }
  assert.equal(actual, readFileSync(file, "utf8"), `${name} changed; if the change is meant, run with KOVA_UPDATE_SNAPSHOTS=1 and review the diff`);
}
