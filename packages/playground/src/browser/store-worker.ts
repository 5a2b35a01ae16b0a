/**
 * The store in a dedicated worker (OPFS's synchronous access handles exist only there, and a long
 * query must not freeze the page). Requests are { id, op, ... }; each answer is { id, ok, value }
 * or { id, ok: false, error, status } with the store's own message (e.g. a 409 for a duplicate).
 */
import type { EntitySchema } from "@kova/query";
import type { SqliteCompiledQuery } from "@kova/driver-embedded/portable";
import { BrowserStore } from "./store.js";

export type StoreRequest =
  | { id: number; op: "open"; file?: string }
  | { id: number; op: "migrate"; entities: EntitySchema[] }
  | { id: number; op: "run"; query: SqliteCompiledQuery; args: unknown[] };

let store: Promise<BrowserStore> | undefined;

async function answer(request: StoreRequest): Promise<unknown> {
  if (request.op === "open") {
    store ??= BrowserStore.open(request.file);
    return (await store).status;
  }
  if (store === undefined) throw new Error("the store is not open");
  const opened = await store;
  if (request.op === "migrate") return opened.migrate(request.entities);
  return opened.run(request.query, request.args);
}

const scope = globalThis as unknown as { onmessage: ((event: { data: StoreRequest }) => void) | null; postMessage(message: unknown): void };
scope.onmessage = (event) => {
  const request = event.data;
  answer(request).then(
    (value) => scope.postMessage({ id: request.id, ok: true, value }),
    (error: { message?: string; status?: number }) => scope.postMessage({ id: request.id, ok: false, error: error?.message ?? String(error), status: error?.status }),
  );
};
