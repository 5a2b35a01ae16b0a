/**
 * The page's side of the app worker (app-worker.ts). A request that gets no answer within the time
 * limit (a handler in an endless loop) is stopped: the worker is terminated — with it any open
 * transaction, which the store rolls back when it is opened again — and a fresh one opens the store
 * and loads the same program, so the next request is answered.
 */
import type { PlaygroundRequest } from "./app-host.js";
import type { HostResponse, LoadOutcome } from "./app-runtime.js";
import type { StoreStatus } from "./store.js";
import type { AppWorkerRequest } from "./app-worker.js";

type Message = AppWorkerRequest extends infer R ? (R extends { id: number } ? Omit<R, "id"> : never) : never;

export type RequestOutcome = { kind: "answered"; response: HostResponse } | { kind: "stopped"; message: string } | { kind: "failed"; message: string };

export class AppClient {
  private worker: Worker | undefined;
  private next = 0;
  private readonly waiting = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  /** The program last loaded: loaded again into a fresh worker after a stop. */
  private code: string | undefined;
  /** Settles with the store's status once the (current) worker has opened it. */
  status: Promise<StoreStatus>;

  constructor(
    private readonly workerUrl: URL,
    readonly limitMs: number,
  ) {
    this.status = this.start();
  }

  /** Runs `code` (a BrowserBuild's module) from now on. */
  load(code: string): Promise<LoadOutcome> {
    this.code = code;
    return this.call({ op: "load", code }) as Promise<LoadOutcome>;
  }

  async request(request: PlaygroundRequest): Promise<RequestOutcome> {
    const sent = this.call({ op: "request", request });
    let timer: ReturnType<typeof setTimeout> | undefined;
    const stopped = new Promise<RequestOutcome>((resolve) => {
      timer = setTimeout(() => resolve({ kind: "stopped", message: `the handler ran longer than ${this.limitMs} ms and was stopped; nothing it wrote was kept` }), this.limitMs);
    });
    const outcome = await Promise.race([
      sent.then((value): RequestOutcome => ({ kind: "answered", response: value as HostResponse }), (error: Error): RequestOutcome => ({ kind: "failed", message: error.message })),
      stopped,
    ]);
    clearTimeout(timer);
    if (outcome.kind === "stopped") await this.restart();
    return outcome;
  }

  /** `waitMs`: after a stop, the terminated worker may hold the store a moment longer. */
  private start(waitMs = 0): Promise<StoreStatus> {
    const worker = new Worker(this.workerUrl, { type: "module" });
    worker.onmessage = (event: MessageEvent<{ id: number; ok: boolean; value?: unknown; error?: string }>) => {
      const waiting = this.waiting.get(event.data.id);
      if (waiting === undefined) return;
      this.waiting.delete(event.data.id);
      if (event.data.ok) waiting.resolve(event.data.value);
      else waiting.reject(new Error(event.data.error));
    };
    this.worker = worker;
    return this.call({ op: "open", waitMs }) as Promise<StoreStatus>;
  }

  /** A fresh worker in place of a stopped one, with the store and the program as they were. */
  private async restart(): Promise<void> {
    this.worker?.terminate();
    for (const waiting of this.waiting.values()) waiting.reject(new Error("stopped"));
    this.waiting.clear();
    this.status = this.start(2000);
    await this.status.catch(() => undefined);
    if (this.code !== undefined) await this.load(this.code).catch(() => undefined);
  }

  private call(message: Message): Promise<unknown> {
    const id = ++this.next;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      this.worker!.postMessage({ id, ...message });
    });
  }
}
