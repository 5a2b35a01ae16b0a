/**
 * The program's worker: the store (OPFS's synchronous access handles exist only in a worker) and the
 * compiled program on it. The page's AppClient stops a request that runs too long by terminating
 * this worker, so a runaway handler never freezes the page.
 *
 * The runtime is app-runtime.js, imported by URL rather than bundled in here: the compiled program
 * imports that same URL, so both share one module instance (one HttpError, one QueryError).
 * Messages run one at a time, in order: a request never sees another's open transaction.
 *
 * Requests: { id, op: "open", waitMs? } → the store's status; { id, op: "load", code } → LoadOutcome;
 * { id, op: "request", request } → HostResponse. Answers: { id, ok: true, value } or { id, ok: false, error }.
 */
import type { PlaygroundRequest } from "./app-host.js";
import type { PlaygroundHost } from "./app-runtime.js";

export type AppWorkerRequest =
  | { id: number; op: "open"; waitMs?: number }
  | { id: number; op: "load"; code: string }
  | { id: number; op: "request"; request: PlaygroundRequest };

type Runtime = typeof import("./app-runtime.js");
const runtimeUrl = new URL("./app-runtime.js", import.meta.url).href;
let host: Promise<PlaygroundHost> | undefined;
let queue: Promise<unknown> = Promise.resolve();

async function answer(message: AppWorkerRequest): Promise<unknown> {
  const waitMs = message.op === "open" ? message.waitMs : 0;
  host ??= (import(/* webpackIgnore: true */ runtimeUrl) as Promise<Runtime>).then((runtime) => runtime.PlaygroundHost.open(undefined, waitMs));
  const opened = await host;
  if (message.op === "open") return opened.status;
  if (message.op === "load") return opened.load(message.code);
  return opened.request(message.request);
}

const scope = globalThis as unknown as { onmessage: ((event: { data: AppWorkerRequest }) => void) | null; postMessage(message: unknown): void };
scope.onmessage = (event) => {
  const message = event.data;
  const done = queue.then(() => answer(message)).then(
    (value) => scope.postMessage({ id: message.id, ok: true, value }),
    (error: unknown) => scope.postMessage({ id: message.id, ok: false, error: error instanceof Error ? error.message : String(error) }),
  );
  queue = done;
};
