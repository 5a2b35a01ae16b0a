/**
 * The runtime a compiled program runs on in the browser, as one module (app-runtime.js): the names
 * the JS emitter's output imports (as from @kova/runtime/serve on Node, and `randomUUID`, which Node
 * has in node:crypto and the browser in Web Crypto), and the PlaygroundHost the app worker drives.
 * The compiled module imports this module by URL, so the program and the host share one runtime —
 * one HttpError and one QueryError class, which the pipeline's problems depend on.
 */
import { pino, type AppDefinition, type Logger } from "@kova/runtime/browser";
import { BrowserApp, UnsupportedProgram, type PlaygroundRequest, type PlaygroundResponse } from "./app-host.js";
import { BrowserStore, type StoreStatus } from "./store.js";

export {
  builtins, HttpError, isCalendarDate, ParamFailure, parseParam, rowSerializer,
  endSession, hashPassword, hashToken, passwordNeedsRehash, randomToken, signToken, startSession, verifyPassword,
} from "@kova/runtime/browser";

export const randomUUID = (): string => crypto.randomUUID();

/** What the page hears back from loading a program. */
export type LoadOutcome = { ok: true } | { ok: false; problem: string; features?: string[] };

export interface HostResponse extends PlaygroundResponse {
  /** What the program logged while answering (a failed handler's error, with its .kova line). */
  log: string[];
}

/** The store, and the program running on it (replaced each time the page loads a new build). */
export class PlaygroundHost {
  private app: BrowserApp | undefined;
  private readonly lines: string[] = [];
  private readonly log: Logger;

  private constructor(readonly store: BrowserStore) {
    // pino's browser build, writing to this host: the page shows each request's lines under its response.
    this.log = pino({ level: "info", browser: { write: (entry: object) => void this.lines.push(logLine(entry)) } });
  }

  static async open(file?: string, waitMs = 0): Promise<PlaygroundHost> {
    return new PlaygroundHost(await BrowserStore.open(file, waitMs));
  }

  get status(): StoreStatus {
    return this.store.status;
  }

  /** Imports the compiled module and serves it; the program before it stops being served either way. */
  async load(code: string): Promise<LoadOutcome> {
    this.app = undefined;
    const url = URL.createObjectURL(new Blob([code], { type: "text/javascript" }));
    let app: AppDefinition;
    try {
      app = ((await import(/* webpackIgnore: true */ url)) as { app: AppDefinition }).app;
    } catch (error) {
      return { ok: false, problem: `the compiled program did not load: ${messageOf(error)}` };
    } finally {
      URL.revokeObjectURL(url);
    }
    try {
      this.app = await BrowserApp.start(app, this.store, this.log);
      return { ok: true };
    } catch (error) {
      if (error instanceof UnsupportedProgram) return { ok: false, problem: error.message, features: error.features };
      return { ok: false, problem: `the program did not start: ${messageOf(error)}` };
    }
  }

  async request(request: PlaygroundRequest): Promise<HostResponse> {
    if (this.app === undefined) throw new Error("no program is running: fix the problems listed beside the editor first");
    this.lines.length = 0;
    const response = await this.app.request(request);
    return { ...response, log: this.lines.splice(0) };
  }
}

/** pino's level numbers. */
const LEVELS: Record<number, string> = { 10: "trace", 20: "debug", 30: "info", 40: "warn", 50: "error", 60: "fatal" };

function logLine(entry: object): string {
  const { msg, level, time: _time, err, ...rest } = entry as { msg?: string; level?: number | string; time?: unknown; err?: { message?: string; stack?: string } };
  const levelName = typeof level === "number" ? (LEVELS[level] ?? String(level)) : String(level ?? "info");
  const error = err === undefined ? "" : ` — ${err.stack ?? err.message ?? String(err)}`;
  const fields = Object.keys(rest).length > 0 ? ` ${JSON.stringify(rest)}` : "";
  return `${levelName}: ${msg ?? ""}${fields}${error}`;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
