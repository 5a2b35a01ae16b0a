/** `kova db serve` started as a child for a test: a store folder, an API key, the URL it prints. */
import type { TestContext } from "node:test";
import { KOVA_BIN, spawnNode, tempApp, type Child } from "../e2e/harness.js";
import { kovaAsync } from "./fixture.js";

export interface ServedStore {
  dir: string;
  url: string;
  key: string;
  child: Child;
}

/** Creates an API key in `dir`'s store (a new folder when absent) and serves it on port 0. */
export async function serveStore(t: TestContext, options: { dir?: string; args?: string[]; env?: Record<string, string>; key?: string } = {}): Promise<ServedStore> {
  const dir = options.dir ?? tempApp(t, {});
  let key = options.key;
  if (key === undefined) {
    const made = await kovaAsync(["db", "keys", "create", `test-${Math.random().toString(36).slice(2, 8)}`, "--json"], { cwd: dir });
    if (made.status !== 0) throw new Error(`kova db keys create failed: ${made.stderr}`);
    key = (JSON.parse(made.stdout) as { key: string }).key;
  }
  const child = spawnNode(t, [KOVA_BIN, "db", "serve", "--port", "0", ...(options.args ?? [])], { cwd: dir, env: options.env });
  const [, url] = await child.waitForOutput(/ on (https?:\/\/[^\s]+)/, 20_000);
  return { dir, url, key, child };
}
