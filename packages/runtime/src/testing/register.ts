/**
 * Registers a test build's TESTs with Node's test runner (`node:test`), so `kova test` reports
 * them as any Node test is reported: the spec reporter in a terminal, TAP for CI
 * (`kova test --reporter tap`), with the same exit codes. Each test gets a fresh store.
 */
import type { AppDefinition } from "../app.js";
import { StartupError } from "../data-sources.js";
import { loadEnv, resolveAppEnv } from "../config.js";
import { TestContext } from "./context.js";

/** Drivers whose stores a test can create fresh in a temporary folder. */
const FRESH_DRIVERS: ReadonlySet<string> = new Set(["embedded"]);

export async function registerTests(app: AppDefinition, appDir: string): Promise<void> {
  // Loaded here, not at the top: an app that is served never pays for the test runner.
  const { describe, test } = await import("node:test");
  const others = app.dataSources.filter((s) => !FRESH_DRIVERS.has(s.driver));
  if (others.length > 0) {
    // A server database would keep what each test wrote; refused rather than run on shared data.
    throw new StartupError(`kova test runs tests on a fresh embedded store; ${others.map((s) => `"${s.name}" uses ${s.driver}`).join(", ")}. Test an app whose entities live in the embedded store.`);
  }
  // `.env.test` (a test signing key, say) over `.env`; the real environment over both.
  const files = { ...loadEnv(appDir, {}, false), ...loadEnv(appDir, {}, false, ".env.test") };
  const env = resolveAppEnv(app.env, { ...files, ...process.env }, appDir);
  // One suite per .kova file, named by it, so the report reads "app.test.kova › adds a todo".
  const sources = [...new Set((app.tests ?? []).map((t) => t.source.file))];
  for (const file of sources) {
    describe(file, () => {
      for (const definition of (app.tests ?? []).filter((t) => t.source.file === file)) {
        test(definition.name, async () => {
          const ctx = await TestContext.open(app, definition, env);
          try {
            await (definition.run as (ctx: TestContext) => Promise<void>)(ctx);
          } finally {
            await ctx.close();
          }
        });
      }
    });
  }
}
