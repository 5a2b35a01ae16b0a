/**
 * Structured JSON logs through pino; the level comes from options, then KOVA_LOG_LEVEL, then info.
 *
 * Lines to stdout are batched per event-loop turn: every line logged while the loop handles one
 * batch of I/O (under load, the requests of many connections) goes out in one synchronous write,
 * from a setImmediate, instead of one write(2) per line. A line at warn or above is written at
 * once, with everything queued before it, so failures are never held back; the queue is also
 * written when the process exits (`process.exit`, the SIGTERM/SIGINT shutdown, an uncaught
 * exception). What a `kill -9` can lose is the lines of the loop turn in progress (see the README).
 */
import { pino, type DestinationStream, type Logger } from "pino";
import { errorWithoutData } from "./log-redaction.js";
import { currentTraceId } from "./ops/trace-context.js";

const NO_TRACE = Object.freeze({});

/** `traceId` on every line logged inside a traced request or job (ops/tracing.ts); nothing when tracing is off. */
function traceMixin(): object {
  const traceId = currentTraceId();
  return traceId === undefined ? NO_TRACE : { traceId };
}

const LEVELS = new Set(["fatal", "error", "warn", "info", "debug", "trace", "silent"]);
/** pino's numeric level for warn: lines at or above it are written at once. */
const WARN = 40;
/** A turn that queues more than this many characters writes them at once. */
const MAX_QUEUED = 64 * 1024;

export function resolveLogLevel(level: string | undefined, env: Readonly<Record<string, string | undefined>>): string {
  const chosen = level ?? env.KOVA_LOG_LEVEL ?? "info";
  if (!LEVELS.has(chosen)) {
    throw new Error(`unknown log level "${chosen}"; use one of ${[...LEVELS].join(", ")}`);
  }
  return chosen;
}

/** A destination that queues lines and writes them to `out` once per event-loop turn. */
export class TurnBatchedDestination implements DestinationStream {
  private queued = "";
  private scheduled = false;

  constructor(private readonly out: { write(text: string): unknown }) {}

  write(line: string): void {
    this.queued += line;
    if (this.queued.length >= MAX_QUEUED) this.flushSync();
    else if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(this.onTurnEnd);
    }
  }

  /** Writes whatever is queued now (synchronously). */
  flushSync(): void {
    if (this.queued.length === 0) return;
    const text = this.queued;
    this.queued = "";
    this.out.write(text);
  }

  /** pino's `logger.flush(cb)` calls this. */
  flush(cb?: (error?: Error) => void): void {
    try {
      this.flushSync();
    } catch (error) {
      if (cb === undefined) throw error;
      return cb(error as Error);
    }
    cb?.();
  }

  private readonly onTurnEnd = (): void => {
    this.scheduled = false;
    this.flushSync();
  };
}

let stdout: TurnBatchedDestination | undefined;

/** The process's one batched stdout destination (all loggers share it, so lines keep their order). */
export function stdoutDestination(): TurnBatchedDestination {
  if (stdout === undefined) {
    const out = stdout = new TurnBatchedDestination(pino.destination({ dest: 1, sync: true }));
    process.once("exit", () => {
      try {
        out.flushSync();
      } catch {
        // stdout is gone (a closed pipe): nothing left to write to
      }
    });
  }
  return stdout;
}

/** Loggers made by createLogger on a batched destination: their access lines can skip pino. */
const batched = new WeakMap<Logger, { dest: TurnBatchedDestination; app: string }>();

export function createLogger(name: string, level: string, destination?: DestinationStream): Logger {
  const dest = destination ?? stdoutDestination();
  const flushSync = typeof (dest as { flushSync?: unknown }).flushSync === "function"
    ? (dest as TurnBatchedDestination).flushSync.bind(dest)
    : undefined;
  const log = pino({
    level,
    base: { app: name },
    // An error's row values (a driver's `detail`, …) never reach the log: SECRET fields included.
    serializers: { err: errorWithoutData },
    mixin: traceMixin,
    // pino's default merge writes the line's fields into the mixin's object: the shared empty one must stay empty.
    mixinMergeStrategy: (fields: object, mixin: object) => (mixin === NO_TRACE ? fields : Object.assign(mixin, fields)),
    hooks: flushSync === undefined ? undefined : {
      logMethod(args, method, levelValue) {
        method.apply(this, args);
        if (levelValue >= WARN) flushSync();
      },
    },
  }, dest);
  if (dest instanceof TurnBatchedDestination) batched.set(log, { dest, app: name });
  return log;
}

/** Logs one answered request: `{ reqId, method, path, status, ms }`, message "request", at info. */
export type AccessLog = (requestId: string, method: string, path: string, status: number, ms: number) => void;

/**
 * The access log of a server, or undefined when `log` is above info. On a logger from
 * createLogger the line is assembled here, byte for byte what pino would write (same fields, same
 * order), at a third of pino's cost; any other logger gets `log.info(...)`. `requestId` and
 * `method` need no JSON escaping (a request id is checked or generated, methods are tokens Node's
 * parser accepted); the path is escaped.
 */
export function accessLog(log: Logger): AccessLog | undefined {
  if (!log.isLevelEnabled("info")) return undefined;
  const fast = batched.get(log);
  if (fast === undefined) {
    return (reqId, method, path, status, ms) => log.info({ reqId, method, path, status, ms }, "request");
  }
  const { dest } = fast;
  const app = `,"app":${JSON.stringify(fast.app)}`;
  return (reqId, method, path, status, ms) => {
    const traceId = currentTraceId();
    // pino writes mixin fields after the base ones and before the line's own: the same order here.
    dest.write('{"level":30,"time":' + Date.now() + app + (traceId === undefined ? "" : ',"traceId":"' + traceId + '"') + ',"reqId":"' + reqId + '","method":"' + method + '","path":' + JSON.stringify(path) +
      ',"status":' + status + ',"ms":' + ms + ',"msg":"request"}\n');
  };
}

/** Writes what the logger has queued (a no-op for destinations that do not queue). */
export function flushLog(log: Logger): void {
  try {
    log.flush();
  } catch {
    // a destination without flush support, or stdout is gone
  }
}
