/**
 * What an error logged by the runtime may carry. Database drivers attach the failing row or key to
 * their errors (PostgreSQL's `detail`: "Failing row contains (…)", "Key (token)=(…) already
 * exists"; its `where`, `parameters`; mysql2's `sqlMessage`, "Duplicate entry '…'"): values that
 * may be SECRET fields or personal data. The log keeps the error's class, code, message and stack
 * (the stack is source-mapped to the .kova line), and drops those properties; a message that
 * quotes a value is cut before it.
 */
import { pino } from "pino";

/** Error properties that hold row values or statement arguments. */
const DATA_PROPERTIES = new Set(["detail", "where", "parameters", "sqlMessage", "values", "row", "args"]);

/** "Duplicate entry 'x@y' for key 'email'" → "Duplicate entry … for key 'email'". */
function withoutQuotedValue(message: string): string {
  return message.replace(/(Duplicate entry )'(?:[^'\\]|\\.|'')*'/g, "$1…");
}

/** pino's error serializer, without the properties that echo data. */
export function errorWithoutData(error: unknown): unknown {
  if (!(error instanceof Error)) return pino.stdSerializers.err(error as Error);
  const serialized = pino.stdSerializers.err(error) as unknown as Record<string, unknown>;
  for (const key of Object.keys(serialized)) if (DATA_PROPERTIES.has(key)) delete serialized[key];
  if (typeof serialized.message === "string") serialized.message = withoutQuotedValue(serialized.message);
  if (typeof serialized.stack === "string") serialized.stack = withoutQuotedValue(serialized.stack);
  return serialized;
}
