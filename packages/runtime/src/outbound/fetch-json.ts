/**
 * `fetch_json(url, options)`: an outbound HTTP call on Node's fetch (undici) that fails safely.
 *
 *   - every attempt has a timeout (default 10 s);
 *   - idempotent requests (GET, HEAD, PUT, DELETE, OPTIONS, or `idempotent: true`) are retried on a
 *     network error, a timeout, a 5xx or a 429, with exponential backoff and jitter (default 2 retries);
 *   - per host, a circuit breaker stops calling a host that keeps failing (5 failures in a row
 *     open it for 30 s, then one trial call decides), and a bulkhead bounds the calls in flight (10,
 *     with 100 more waiting): beyond that a call fails at once with a 503 instead of piling up.
 *
 * The result is `{ status, ok, headers, body }` (body parsed as JSON when the response says so, else
 * text): a 4xx or 5xx answer is a result the program looks at, not an error. What cannot give an
 * answer — the host unreachable, every attempt timed out, the circuit open — is an HttpError (502,
 * 504, 503): an endpoint answers with that problem, a task's attempt fails and is retried later.
 */
import { HttpError } from "../app.js";
import { activeTracing, type Span, type Tracing } from "../ops/tracing.js";
import { backoffDelay } from "../tasks/backoff.js";
import { Bulkhead } from "./bulkhead.js";
import { CircuitBreaker, type CircuitState } from "./circuit-breaker.js";

export interface FetchJsonOptions {
  method?: string;
  /** Sent as JSON (content-type application/json); a string is sent as is. */
  body?: unknown;
  headers?: Record<string, unknown>;
  /** One attempt's limit, in ms. */
  timeout?: number;
  /** Further attempts for an idempotent request. */
  retries?: number;
  /** Retry this POST/PATCH too (the remote side de-duplicates it, e.g. by an Idempotency-Key header). */
  idempotent?: boolean;
}

export interface FetchJsonResult {
  status: number;
  ok: boolean;
  headers: Record<string, string>;
  body: unknown;
}

export interface OutboundSettings {
  timeoutMs: number;
  retries: number;
  retryBaseMs: number;
  failureThreshold: number;
  openMs: number;
  maxInFlight: number;
  maxWaiting: number;
  /** Largest response body read, in bytes. */
  maxBodyBytes: number;
}

export const OUTBOUND_DEFAULTS: OutboundSettings = {
  timeoutMs: 10_000,
  retries: 2,
  retryBaseMs: 200,
  failureThreshold: 5,
  openMs: 30_000,
  maxInFlight: 10,
  maxWaiting: 100,
  maxBodyBytes: 5 * 1024 * 1024,
};

const IDEMPOTENT = new Set(["GET", "HEAD", "PUT", "DELETE", "OPTIONS"]);

interface Host {
  breaker: CircuitBreaker;
  bulkhead: Bulkhead;
}

export class OutboundClient {
  private readonly hosts = new Map<string, Host>();
  readonly settings: OutboundSettings;

  constructor(settings: Partial<OutboundSettings> = {}) {
    this.settings = { ...OUTBOUND_DEFAULTS, ...settings };
  }

  /** The circuit state of a host (`host:port`), for tests and metrics. */
  circuit(host: string): CircuitState {
    return this.hosts.get(host)?.breaker.state ?? "closed";
  }

  private host(key: string): Host {
    let host = this.hosts.get(key);
    if (host === undefined) {
      host = { breaker: new CircuitBreaker({ failureThreshold: this.settings.failureThreshold, openMs: this.settings.openMs }), bulkhead: new Bulkhead(this.settings.maxInFlight, this.settings.maxWaiting) };
      this.hosts.set(key, host);
    }
    return host;
  }

  async fetchJson(url: unknown, options: FetchJsonOptions | null | undefined = {}): Promise<FetchJsonResult> {
    let target: URL;
    try {
      target = new URL(String(url));
    } catch {
      throw new HttpError(500, `fetch_json: "${String(url)}" is not an absolute URL`);
    }
    if (target.protocol !== "http:" && target.protocol !== "https:") throw new HttpError(500, `fetch_json: only http and https URLs are called, not ${target.protocol}`);
    const opts = options ?? {};
    const method = String(opts.method ?? "GET").toUpperCase();
    const timeoutMs = positive(opts.timeout, this.settings.timeoutMs);
    const retryable = IDEMPOTENT.has(method) || opts.idempotent === true;
    const attempts = 1 + (retryable ? Math.min(10, Math.max(0, Math.floor(positive(opts.retries, this.settings.retries, true)))) : 0);
    const headers: Record<string, string> = { accept: "application/json" };
    for (const [k, v] of Object.entries(opts.headers ?? {})) if (v !== null && v !== undefined) headers[k.toLowerCase()] = String(v);
    let body: string | undefined;
    if (opts.body !== undefined && opts.body !== null) {
      body = typeof opts.body === "string" ? opts.body : JSON.stringify(opts.body);
      headers["content-type"] ??= "application/json";
    }
    const tracing = activeTracing();
    if (tracing === undefined) return this.attempts(target, method, headers, body, timeoutMs, retryable, attempts);
    // One CLIENT span for the call (its retries included); `traceparent` carries the trace to the callee.
    const span = tracing.child(`${method} ${target.host}`, { "http.request.method": method, "server.address": target.hostname, "url.full": `${target.origin}${target.pathname}` });
    tracing.inject(span, headers);
    return traced(tracing, span, this.attempts(target, method, headers, body, timeoutMs, retryable, attempts));
  }

  private async attempts(target: URL, method: string, headers: Record<string, string>, body: string | undefined, timeoutMs: number, retryable: boolean, attempts: number): Promise<FetchJsonResult> {
    const key = target.host;
    const host = this.host(key);
    let lastFailure = "";
    let timedOut = false;
    for (let attempt = 1; attempt <= attempts; attempt++) {
      if (!host.breaker.tryAcquire()) {
        const seconds = Math.ceil(host.breaker.retryAfterMs() / 1000);
        throw new HttpError(503, `the service at ${key} is unavailable: its circuit is open after repeated failures (next try in ${seconds} s)`);
      }
      const slot = await host.bulkhead.acquire();
      if (!slot) {
        host.breaker.cancelled(); // not the host's fault: give back a half-open trial
        throw new HttpError(503, `too many calls to ${key} in flight (${this.settings.maxInFlight} running, ${this.settings.maxWaiting} waiting)`);
      }
      let failure: string | null = null;
      try {
        const response = await fetch(target, { method, headers, body, signal: AbortSignal.timeout(timeoutMs), redirect: "follow" });
        const result = await readResult(response, this.settings.maxBodyBytes);
        if (response.status >= 500 || response.status === 429) {
          failure = `${key} answered ${response.status}`;
          if (response.status >= 500) host.breaker.failed();
          else host.breaker.succeeded();
          if (attempt === attempts || !retryable) return result;
        } else {
          host.breaker.succeeded();
          return result;
        }
      } catch (error) {
        if (error instanceof HttpError) throw error;
        host.breaker.failed();
        timedOut = (error as Error).name === "TimeoutError";
        failure = timedOut ? `no answer from ${key} within ${timeoutMs} ms` : `${key} could not be reached: ${causeOf(error)}`;
      } finally {
        host.bulkhead.release();
      }
      lastFailure = failure ?? lastFailure;
      if (attempt < attempts) await new Promise((resolve) => setTimeout(resolve, backoffDelay(this.settings.retryBaseMs, attempt)));
    }
    const tries = attempts === 1 ? "" : ` (${attempts} attempts)`;
    throw new HttpError(timedOut ? 504 : 502, `${lastFailure}${tries}`);
  }
}

async function traced(tracing: Tracing, span: Span, call: Promise<FetchJsonResult>): Promise<FetchJsonResult> {
  try {
    const result = await call;
    tracing.endChild(span, { status: result.status });
    return result;
  } catch (error) {
    tracing.endChild(span, { error });
    throw error;
  }
}

function positive(value: unknown, fallback: number, zeroAllowed = false): number {
  return typeof value === "number" && Number.isFinite(value) && (value > 0 || (zeroAllowed && value === 0)) ? value : fallback;
}

function causeOf(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (error as Error).message;
}

async function readResult(response: Response, maxBytes: number): Promise<FetchJsonResult> {
  const declared = Number(response.headers.get("content-length") ?? "0");
  if (declared > maxBytes) {
    await response.body?.cancel();
    throw new HttpError(502, `the response of ${new URL(response.url).host} is larger than ${maxBytes} bytes`);
  }
  const text = await response.text();
  if (text.length > maxBytes) throw new HttpError(502, `the response of ${new URL(response.url).host} is larger than ${maxBytes} bytes`);
  const headers: Record<string, string> = {};
  response.headers.forEach((value, name) => {
    headers[name] = value;
  });
  let body: unknown = text === "" ? null : text;
  if (text !== "" && /\bjson\b/i.test(response.headers.get("content-type") ?? "")) {
    try {
      body = JSON.parse(text);
    } catch {
      throw new HttpError(502, `${new URL(response.url).host} sent invalid JSON`);
    }
  }
  return { status: response.status, ok: response.ok, headers, body };
}

/** The client generated code calls (`fetch_json`): one per process, so breakers and bulkheads are shared. */
export const outbound = new OutboundClient();

export function fetchJson(url: unknown, options?: FetchJsonOptions | null): Promise<FetchJsonResult> {
  return outbound.fetchJson(url, options);
}
