/**
 * The process `kova test` starts for one run: `node --test-reporter=<spec|tap> child.js
 * <--fresh|--db> <appDir> <dist/app.js>...`. It loads each test build and hands its TESTs to Node's test runner,
 * which runs them, reports them and sets the exit code. The runtime is the app's own copy
 * (resolved from the app folder), as the built app would load it.
 */
import { createRequire } from "node:module";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

const [mode, appDir, ...modules] = process.argv.slice(2);
const runtimePath = createRequire(join(appDir, "package.json")).resolve("@kova/runtime");
const runtime = (await import(pathToFileURL(runtimePath).href)) as typeof import("@kova/runtime");
for (const module of modules) {
  const { app } = (await import(pathToFileURL(module).href)) as { app: import("@kova/runtime").AppDefinition };
  await runtime.registerTests(app, appDir, { db: mode === "--db" });
}
