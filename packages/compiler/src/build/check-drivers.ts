import type { CheckResult } from "../project/check-files.js";
import type { CompilerHost } from "../project/host.js";
import { nodeHost } from "../project/node-host.js";
import { checkWithDialects } from "./check-with-dialects.js";
import { loadDialects } from "./dialects.js";

/** `kova check` with the drivers' say (see check-with-dialects.ts), the dialects found among the installed driver packages. */
export async function checkWithDrivers(paths: readonly string[], host: CompilerHost = nodeHost): Promise<CheckResult> {
  return checkWithDialects(paths, host, loadDialects);
}
