/**
 * Registers a test build's TESTs with Node's test runner (`node:test`), so `kova test` reports
 * them as any Node test is reported: the spec reporter in a terminal, TAP for CI
 * (`kova test --reporter tap`), with the same exit codes. Each test gets a fresh store, or, with
 * `db` (`kova test --db`), the app's PostgreSQL/MariaDB databases inside a transaction rolled back
 * after the test.
 */
import type { AppDefinition } from "../app.js";
import { StartupError } from "../data-sources.js";
import { loadEnv, resolveAppEnv } from "../config.js";
import { TestContext } from "./context.js";

/** Drivers whose stores a test can create fresh in a temporary folder. */
const FRESH_DRIVERS: ReadonlySet<string> = new Set(["embedded"]);
/** Drivers that can run a test inside a transaction rolled back afterwards (`--db`). */
const ISOLATED_DRIVERS: ReadonlySet<string> = new Set(["postgres", "mysql", "mariadb"]);

export interface TestRunSettings {
  /** `kova test --db`: server databases as configured, each test in a rolled-back transaction. */
  db?: boolean;
}

export async function registerTests(app: AppDefinition, appDir: string, settings: TestRunSettings = {}): Promise<void> {
  // Loaded here, not at the top: an app that is served never pays for the test runner.
  const { describe, test } = await import("node:test");
  const others = app.dataSources.filter((s) => !FRESH_DRIVERS.has(s.driver));
  if (others.length > 0 && !settings.db) {
    // A server database would keep what each test wrote; refused rather than run on shared data.
    throw new StartupError(`kova test runs tests on a fresh embedded store; ${others.map((s) => `"${s.name}" uses ${s.driver}`).join(", ")}. Run \`kova test --db\` to test on that database inside a transaction rolled back after each test, or keep the app's entities in the embedded store.`);
  }
  const unable = others.filter((s) => !ISOLATED_DRIVERS.has(s.driver));
  if (unable.length > 0) {
    throw new StartupError(`kova test --db runs each test inside a transaction rolled back afterwards, which ${unable.map((s) => `"${s.name}" (${s.driver})`).join(", ")} cannot do; only PostgreSQL and MariaDB/MySQL data sources can be tested this way`);
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
          const ctx = await TestContext.open(app, definition, env, { isolated: settings.db === true });
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
