/**
 * PostgreSQL errors as the runtime needs them: a UNIQUE violation is the client's conflict (409
 * naming the field), a value the column cannot take is the client's mistake (400), a lost or
 * refused connection is the data source being unavailable (503). Anything else is a plain Error
 * with a clear message (the runtime answers 500 without a stack trace); the driver's own error is
 * kept as `cause` for logs.
 */
import { QueryError, transactionConflict, type EntitySchema } from "@kova/query";
import { fitIdentifier } from "./pg-compiled.js";
import { compositeIndexName, uniqueIndexName } from "./pg-schema.js";

/** postgres.js's PostgresError: the server's ErrorResponse fields under their protocol names. */
interface PgError {
  code?: string;
  constraint_name?: string;
  detail?: string;
  message?: string;
}

/** postgres.js's own codes for a connection that closed, was ended, or could not open in time. */
const CLIENT_CODES = new Set(["CONNECTION_CLOSED", "CONNECTION_DESTROYED", "CONNECTION_ENDED", "CONNECT_TIMEOUT"]);
const NETWORK_CODES = new Set(["ECONNREFUSED", "ECONNRESET", "EPIPE", "ETIMEDOUT", "ENOTFOUND", "EHOSTUNREACH", "ENETUNREACH", "EAI_AGAIN", "ECONNABORTED"]);
/** admin_shutdown (pg_terminate_backend), crash_shutdown, cannot_connect_now, too_many_connections. */
const UNAVAILABLE_CODES = new Set(["57P01", "57P02", "57P03", "53300"]);
/** Data exceptions a request's value can cause (bad number/date/uuid syntax, out of range, …). */
const BAD_VALUE_CODES = new Set(["22P02", "22003", "22007", "22008", "22001", "22023", "2201W", "2201X", "22025", "22021", "22P05", "22004"]);
/** Serialization failure and deadlock: the database gave up on this attempt; another may succeed. */
export const RETRYABLE_CODES = new Set(["40001", "40P01"]);

function codeOf(error: unknown): string | undefined {
  const code = (error as PgError | null)?.code;
  return typeof code === "string" ? code : undefined;
}

/** The error of the database itself, or the one a translated QueryError was made from. */
export function rootCause(error: unknown): unknown {
  return error instanceof QueryError && (error as { cause?: unknown }).cause !== undefined ? (error as { cause?: unknown }).cause : error;
}

export function isRetryable(error: unknown): boolean {
  const code = codeOf(rootCause(error));
  return code !== undefined && RETRYABLE_CODES.has(code);
}

/** The connection is gone or cannot be made: the client must not be reused. */
export function isConnectionError(error: unknown): boolean {
  const root = rootCause(error);
  const code = codeOf(root);
  if (code !== undefined && (code.startsWith("08") || UNAVAILABLE_CODES.has(code) || NETWORK_CODES.has(code) || CLIENT_CODES.has(code))) return true;
  return false;
}

function withCause<T extends Error>(error: T, cause: unknown): T {
  Object.defineProperty(error, "cause", { value: cause, enumerable: false, configurable: true, writable: true });
  return error;
}

function uniqueField(error: PgError, entity: EntitySchema | undefined): string {
  if (entity !== undefined && error.constraint_name !== undefined) {
    const field = entity.fields.find((f) => uniqueIndexName(entity, f.name) === error.constraint_name);
    if (field !== undefined) return field.name;
  }
  // "Key (email)=(a@x.io) already exists." — the column, possibly quoted.
  const match = /^Key \((?:"((?:[^"]|"")+)"|([^)=,]+))/.exec(error.detail ?? "");
  if (match === null) return "unknown";
  const column = (match[1]?.replaceAll('""', '"') ?? match[2]).trim();
  return entity?.fields.find((f) => fitIdentifier(f.name) === column)?.name ?? column;
}

/** The fields of the composite UNIQUE whose index `error` names, if it is one. */
function compositeFields(error: PgError, entity: EntitySchema): string[] | undefined {
  return entity.uniques?.find((fields) => compositeIndexName(entity, true, fields) === error.constraint_name);
}

/**
 * 23503: an insert or update naming a missing parent (the write's own entity holds the key), or a
 * delete the database refused because records still refer to the row (a race with the driver's own
 * ON DELETE handling, which runs first). The constraint's name says which reference.
 */
function foreignKeyViolation(error: PgError, entity: EntitySchema | undefined): QueryError {
  const match = /__fk_(.+)__(restrict|cascade|setNull)$/.exec(error.constraint_name ?? "");
  const field = match?.[1] ?? "unknown";
  const own = entity?.fields.find((f) => f.name === field);
  if (own !== undefined && own.references !== undefined) {
    return new QueryError(`no ${own.references} has the id given for ${field}, so this ${entity!.name} cannot refer to it`, 409, field, [field]);
  }
  return new QueryError(`cannot delete this ${entity?.name ?? "row"}: other records still refer to it by ${field} (ON DELETE RESTRICT)`, 409, field, [field]);
}

/** Maps a driver error to what the runtime answers with; `source` is the data source's name. */
export function translateError(error: unknown, source: string, entity?: EntitySchema): unknown {
  if (error instanceof QueryError) return error;
  const pgError = (error ?? {}) as PgError;
  const code = codeOf(error);
  const message = pgError.message ?? String(error);
  if (code === "23505") {
    const composite = entity === undefined ? undefined : compositeFields(pgError, entity);
    if (composite !== undefined) {
      return withCause(new QueryError(`a ${entity!.name} with this (${composite.join(", ")}) already exists`, 409, composite[0], composite), error);
    }
    const field = uniqueField(pgError, entity);
    return withCause(new QueryError(`a ${entity?.name ?? "row"} with this ${field} already exists`, 409, field, [field]), error);
  }
  if (code === "23503") return withCause(foreignKeyViolation(pgError, entity), error);
  if (code !== undefined && BAD_VALUE_CODES.has(code)) {
    return withCause(new QueryError(`a value does not fit its column: ${message}`, 400), error);
  }
  if (code === "57014") {
    return withCause(new QueryError(`data source '${source}' is unavailable: the statement ran past its time limit (${message})`, 503), error);
  }
  if (code !== undefined && RETRYABLE_CODES.has(code)) {
    return withCause(transactionConflict(new QueryError(`data source '${source}' is unavailable: the write conflicted with another; try again (${message})`, 503)), error);
  }
  if (isConnectionError(error)) {
    return withCause(new QueryError(`data source '${source}' is unavailable: ${message}`, 503), error);
  }
  if (code === "42P01" || code === "42703") {
    return withCause(new Error(`data source '${source}': ${message} (has migrate run for this schema?)`), error);
  }
  return withCause(new Error(`data source '${source}': ${message}`), error);
}
