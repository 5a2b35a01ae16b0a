export { CASES, type Case } from "./cases.js";
export { runTarget, type Outcome, type TargetResult } from "./runner.js";
export { allTargets, embeddedTarget, type Target } from "./targets.js";
