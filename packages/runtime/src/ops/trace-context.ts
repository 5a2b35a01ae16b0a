/**
 * The trace id of the work in progress, for log lines and problem responses. Kept apart from
 * tracing.ts so the logger and the problem builder can ask without loading OpenTelemetry: until
 * tracing starts there is no source and the answer is undefined.
 */
let source: (() => string | undefined) | undefined;

export function setTraceIdSource(read: (() => string | undefined) | undefined): void {
  source = read;
}

/** The active span's trace id (32 hex digits), or undefined when tracing is off or nothing is traced. */
export function currentTraceId(): string | undefined {
  return source === undefined ? undefined : source();
}
