/**
 * The conformance cases' view of ENCRYPTED fields beyond HTTP (cases-encrypted.ts): forgetting a
 * record and rotating the master key as `kova db forget` / `kova db rotate-keys` do — through the
 * running app's DataKeys — and reading the database as it is, with the driver's own statements
 * and no decryption, to see that it holds ciphertext only.
 */
import { appDriverView, DataKeys, MasterKeys, type Driver, type EntitySchema, type QueryPlan } from "@kova/query";
import type { RunningApp } from "@kova/runtime";
import type { SecretsApi } from "./cases.js";

/** The master key every conformance program runs with (32 bytes, base64; for tests only). */
export const CONFORMANCE_DATA_KEY = Buffer.alloc(32, 7).toString("base64");

const byId = (entity: string): QueryPlan => ({ kind: "select", entity, fields: null, where: { kind: "compare", op: "==", left: { kind: "field", field: "id" }, right: { kind: "arg", index: 0 } }, orderBy: [], limit: null, offset: null, asOf: null, single: true });
const history = (entity: string): QueryPlan => ({ kind: "history", entity, where: { kind: "compare", op: "==", left: { kind: "field", field: "id" }, right: { kind: "arg", index: 0 } }, orderBy: [], limit: null, offset: null });

export function secretsApi(started: RunningApp, entities: readonly EntitySchema[]): SecretsApi {
  const keys = (): DataKeys => {
    const found = started.dataSources.dataKeys.values().next().value;
    if (found === undefined) throw new Error("the app has no data source with ENCRYPTED fields");
    return found;
  };
  const schemas = new Map(entities.map((e) => [e.name, e]));
  const run = (driver: Driver, plan: QueryPlan, args: unknown[]) => driver.execute(driver.dialect.compile(plan, schemas), args);
  return {
    async forget(entity, id) {
      return (await keys().forget(entity, id, "conformance")).keys;
    },
    async stored(entity, id) {
      const raw = keys().driver;
      const row = (await run(raw, byId(entity), [id])) as Record<string, unknown> | null;
      const versions = (await run(raw, history(entity), [id])) as Array<{ data: Record<string, unknown> }>;
      return { row, history: versions.map((v) => v.data) };
    },
    async rotate(next, entity, id) {
      const raw = keys().driver;
      const rotated = new DataKeys(raw, await MasterKeys.fromEnv({ KOVA_DATA_KEY: next, KOVA_DATA_KEYS_RETIRED: CONFORMANCE_DATA_KEY }));
      const rewrapped = await rotated.rotate();
      // As the app reads after a restart with the new key alone (the old one dropped).
      const alone = new DataKeys(raw, await MasterKeys.fromEnv({ KOVA_DATA_KEY: next }));
      const record = (await run(appDriverView(raw, entities, alone), byId(entity), [id])) as Record<string, unknown> | null;
      return { rewrapped, record };
    },
  };
}
