import { nodeHost } from "./node-host.js";
import type { CompilerHost } from "./host.js";
import { checkFiles as checkFilesWith, checkText as checkTextWith, type CheckResult } from "./check-files.js";

export { invalidUtf8Diagnostic, type CheckedFile, type CheckedProgram, type CheckResult } from "./check-files.js";

/** Parses and checks `.kova` files and what they import, read from disk unless a host is given (see check-files.ts). */
export function checkFiles(paths: readonly string[], host: CompilerHost = nodeHost): CheckResult {
  return checkFilesWith(paths, host);
}

/** Checks one file's text (imports are read through the host, from disk by default). */
export function checkText(text: string, file = "<input>.kova", host: CompilerHost = nodeHost): CheckResult {
  return checkTextWith(text, file, host);
}
