#!/usr/bin/env node
// The `kova` command. The CLI itself is TypeScript compiled to ../dist by `tsc -b` (which `npm ci`
// runs through the root `prepare` script); this shim only loads it.
try {
  await import("../dist/src/main.js");
} catch (error) {
  if (error?.code === "ERR_MODULE_NOT_FOUND" && /[\\/]dist[\\/]/.test(String(error.message))) {
    console.error("kova: the CLI is not built yet; run `npm run build` (or `npm ci`) at the repository root.");
    process.exit(70);
  }
  throw error;
}
