/** Shared test fixtures: entities, plan builders, and a migrated driver on a temporary file. */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { QueryPlan } from "@kova/query";
import { compileWith, insertPlan, Note, User } from "@kova/query/testing";
import { createEmbeddedDriver, sqliteDialect, type EmbeddedDriver } from "../src/index.js";

export { User, Note, f, arg, lit, cmp, eq, select, history, asc, desc, sleep } from "@kova/query/testing";

export const entities = new Map([User, Note].map((e) => [e.name, e]));

/** Compiles through a JSON round trip, as `kova build` writes the statements into the app. */
export const compile = (plan: QueryPlan) => compileWith(sqliteDialect, plan, entities);

export interface Store {
  driver: EmbeddedDriver;
  dir: string;
  run(plan: QueryPlan, ...args: unknown[]): Promise<any>;
  insert(entity: string, body: Record<string, unknown>): Promise<any>;
  cleanup(): Promise<void>;
}

export function tempDir(): string {
  return mkdtempSync(join(tmpdir(), "kova-embedded-"));
}

export async function openStore(dir = tempDir(), options: unknown = undefined): Promise<Store> {
  const driver = createEmbeddedDriver({ name: "db", appDir: dir, options });
  await driver.connect();
  await driver.migrate([User, Note]);
  const run = (plan: QueryPlan, ...args: unknown[]) => driver.execute(compile(plan), args) as Promise<any>;
  return {
    driver,
    dir,
    run,
    insert: (entity, body) => run(insertPlan(entity), body),
    cleanup: async () => {
      await driver.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
