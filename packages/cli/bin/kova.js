#!/usr/bin/env node
// The `kova` command. The CLI itself is TypeScript compiled to ../dist by `tsc -b` (which `npm ci`
// runs through the root `prepare` script); this shim only loads it.
try {
  await import("../dist/src/main.js");
} catch (error) {
  if (error?.code === "ERR_MODULE_NOT_FOUND" && /Cannot find module '[^']*[\\/]dist[\\/]src[\\/]main\.js'/.test(String(error.message))) {
    console.error("kova: the CLI is not built yet; run `npm run build` (or `npm ci`) at the repository root.");
    process.exit(70);
  }
  if (error?.code === "ERR_MODULE_NOT_FOUND" && !process.env.KOVA_DEBUG) {
    // A package kova needs is missing (a broken or partial install): one line, the fix, no stack.
    const missing = /Cannot find (?:package|module) '([^']+)'/.exec(String(error.message))?.[1] ?? "a package";
    console.error(`kova: ${missing} is not installed; reinstall kova in this project: npm install @kova/cli`);
    process.exit(1);
  }
  throw error;
}
