/**
 * OpenTelemetry tracing: a span per request (SERVER), per statement (CLIENT, observed-driver.ts)
 * and per outbound call (CLIENT, outbound/fetch-json.ts), with W3C `traceparent` read from requests
 * and written on outbound calls, so a trace crosses services.
 *
 * The @opentelemetry packages are optional peers, loaded by `Tracing.start` only when tracing is
 * configured: an app without tracing loads none of them and pays one `undefined` check per request.
 * Spans go to an OTLP/HTTP collector (`tracing.endpoint`, or OTEL_EXPORTER_OTLP_ENDPOINT), or to an
 * exporter given in code (tests use the SDK's InMemorySpanExporter).
 */
import type { Context, Span, Tracer } from "@opentelemetry/api";
import type { SpanExporter } from "@opentelemetry/sdk-trace-base";
import { StartupError } from "../data-sources.js";
import { setTraceIdSource } from "./trace-context.js";

export interface TracingOptions {
  /** The service name on every span (default: the app's name). */
  serviceName: string;
  /** OTLP/HTTP traces endpoint, e.g. http://collector:4318/v1/traces. */
  endpoint?: string;
  /** Spans go here instead (tests: InMemorySpanExporter); exported one by one, not batched. */
  exporter?: SpanExporter;
}

type Api = typeof import("@opentelemetry/api");

let current: Tracing | undefined;

/** The process's tracing, when configured. */
export function activeTracing(): Tracing | undefined {
  return current;
}

/** What ends a span: the status (HTTP status, or none) and the error that failed it, if any. */
export interface SpanEnd {
  status?: number;
  error?: unknown;
}

export class Tracing {
  private constructor(
    private readonly api: Api,
    private readonly tracer: Tracer,
    private readonly shutdownProvider: () => Promise<void>,
  ) {}

  static async start(options: TracingOptions): Promise<Tracing> {
    if (current !== undefined) return current;
    let modules;
    try {
      modules = await Promise.all([
        import("@opentelemetry/api"),
        import("@opentelemetry/sdk-trace-base"),
        import("@opentelemetry/context-async-hooks"),
        import("@opentelemetry/core"),
        import("@opentelemetry/resources"),
      ]);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ERR_MODULE_NOT_FOUND") {
        throw new StartupError("tracing is configured but OpenTelemetry is not installed; run: npm install @opentelemetry/api @opentelemetry/sdk-trace-base @opentelemetry/context-async-hooks @opentelemetry/core @opentelemetry/resources @opentelemetry/exporter-trace-otlp-http");
      }
      throw error;
    }
    const [api, sdk, hooks, core, resources] = modules;
    let processor;
    if (options.exporter !== undefined) processor = new sdk.SimpleSpanProcessor(options.exporter);
    else {
      const { OTLPTraceExporter } = await import("@opentelemetry/exporter-trace-otlp-http").catch(() => {
        throw new StartupError("tracing to an OTLP endpoint needs @opentelemetry/exporter-trace-otlp-http; run: npm install @opentelemetry/exporter-trace-otlp-http");
      });
      processor = new sdk.BatchSpanProcessor(new OTLPTraceExporter({ url: options.endpoint }));
    }
    const provider = new sdk.BasicTracerProvider({ resource: resources.resourceFromAttributes({ "service.name": options.serviceName }), spanProcessors: [processor] });
    api.context.setGlobalContextManager(new hooks.AsyncLocalStorageContextManager().enable());
    api.propagation.setGlobalPropagator(new core.W3CTraceContextPropagator());
    api.trace.setGlobalTracerProvider(provider);
    const tracing = new Tracing(api, provider.getTracer("@kova/runtime"), () => provider.shutdown());
    current = tracing;
    setTraceIdSource(() => api.trace.getSpan(api.context.active())?.spanContext().traceId);
    return tracing;
  }

  /**
   * Runs `work` in a SERVER span continuing the caller's trace (its `traceparent`), named by the
   * route pattern. The span ends when `end` is called (the response closed).
   */
  request<T>(method: string, headers: Readonly<Record<string, string | string[] | undefined>>, work: (span: Span) => T): T {
    const { api } = this;
    const parent = api.propagation.extract(api.ROOT_CONTEXT, headers, headerGetter);
    const span = this.tracer.startSpan(method, { kind: api.SpanKind.SERVER, attributes: { "http.request.method": method } }, parent);
    return api.context.with(api.trace.setSpan(parent, span), work, undefined, span);
  }

  /** Names a request span once routed, and ends it with the response's status. */
  endRequest(span: Span, method: string, route: string | undefined, end: SpanEnd): void {
    if (route !== undefined) {
      span.updateName(`${method} ${route}`);
      span.setAttribute("http.route", route);
    }
    if (end.status !== undefined) {
      span.setAttribute("http.response.status_code", end.status);
      if (end.status >= 500) span.setStatus({ code: this.api.SpanStatusCode.ERROR });
    }
    span.end();
  }

  /** A CLIENT span under the active one, e.g. a statement or an outbound call; `end` it after. */
  child(name: string, attributes: Record<string, string | number>): Span {
    return this.tracer.startSpan(name, { kind: this.api.SpanKind.CLIENT, attributes }, this.api.context.active());
  }

  /** Ends a child span, marking it failed when `error` is given. */
  endChild(span: Span, end: SpanEnd = {}): void {
    if (end.status !== undefined) span.setAttribute("http.response.status_code", end.status);
    if (end.error !== undefined) {
      span.recordException(end.error instanceof Error ? end.error : String(end.error));
      span.setStatus({ code: this.api.SpanStatusCode.ERROR, message: end.error instanceof Error ? end.error.message : String(end.error) });
    } else if (end.status !== undefined && end.status >= 500) span.setStatus({ code: this.api.SpanStatusCode.ERROR });
    span.end();
  }

  /** Writes `traceparent` (and `tracestate`) for `span` into outgoing headers. */
  inject(span: Span, headers: Record<string, string>): void {
    const { api } = this;
    api.propagation.inject(api.trace.setSpan(api.context.active(), span), headers);
  }

  /** Runs `work` with `span` active (its children hang under it). */
  within<T>(span: Span, work: () => T): T {
    const { api } = this;
    return api.context.with(api.trace.setSpan(api.context.active(), span), work);
  }

  /** Sends what is buffered and stops; spans after this are dropped. */
  async shutdown(): Promise<void> {
    if (current === this) {
      current = undefined;
      setTraceIdSource(undefined);
    }
    await this.shutdownProvider();
    this.api.trace.disable();
    this.api.context.disable();
    this.api.propagation.disable();
  }
}

/** Reads W3C headers from node:http's lower-cased header object. */
const headerGetter = {
  get(carrier: Readonly<Record<string, string | string[] | undefined>>, key: string): string | string[] | undefined {
    return carrier[key];
  },
  keys(carrier: Readonly<Record<string, string | string[] | undefined>>): string[] {
    return Object.keys(carrier);
  },
};

export type { Context, Span };
