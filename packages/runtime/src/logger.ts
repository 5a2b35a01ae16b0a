/** Structured JSON logs through pino; the level comes from options, then KOVA_LOG_LEVEL, then info. */
import { pino, type DestinationStream, type Logger } from "pino";

const LEVELS = new Set(["fatal", "error", "warn", "info", "debug", "trace", "silent"]);

export function resolveLogLevel(level: string | undefined, env: Readonly<Record<string, string | undefined>>): string {
  const chosen = level ?? env.KOVA_LOG_LEVEL ?? "info";
  if (!LEVELS.has(chosen)) {
    throw new Error(`unknown log level "${chosen}"; use one of ${[...LEVELS].join(", ")}`);
  }
  return chosen;
}

export function createLogger(name: string, level: string, destination?: DestinationStream): Logger {
  return pino({ level, base: { app: name } }, destination ?? pino.destination({ dest: 1, sync: true }));
}
