/**
 * Turns MySQL/MariaDB and mysql2 errors into what the runtime understands: a UNIQUE violation is
 * a 409 naming the field, a value the column refuses is a 400, a lost or unreachable server (or a
 * statement that ran out of time) is a 503 naming the data source. Anything else passes through.
 */
import { QueryError, transactionConflict, type EntitySchema } from "@kova/query";
import { compositeIndexName, uniqueIndexName } from "./mysql-compiled.js";

interface MysqlError {
  code?: string;
  errno?: number;
  fatal?: boolean;
  message: string;
}

/** Network-level failures and server replies that mean "this connection is gone". */
const CONNECTION_CODES = new Set([
  "PROTOCOL_CONNECTION_LOST",
  "PROTOCOL_SEQUENCE_TIMEOUT",
  "ECONNREFUSED",
  "ECONNRESET",
  "EPIPE",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ENOTFOUND",
  "EAI_AGAIN",
  "ER_CONNECTION_KILLED",
  "ER_SERVER_SHUTDOWN",
  "ER_CON_COUNT_ERROR",
  "ER_QUERY_INTERRUPTED",
  "POOL_CLOSED",
]);
/** MariaDB's "max_statement_time exceeded", and MySQL's max_execution_time. */
const TIMEOUT_ERRNOS = new Set([1969, 3024]);

function asMysqlError(error: unknown): MysqlError | undefined {
  return error instanceof Error ? (error as unknown as MysqlError) : undefined;
}

export function isConnectionError(error: unknown): boolean {
  const e = asMysqlError(error);
  if (e === undefined || e instanceof QueryError) return false;
  if (e.code !== undefined && CONNECTION_CODES.has(e.code)) return true;
  return e.fatal === true || /closed state|connection is closed|Pool is closed/i.test(e.message);
}

export function isDeadlock(error: unknown): boolean {
  const code = asMysqlError(error)?.code;
  return code === "ER_LOCK_DEADLOCK" || code === "ER_LOCK_WAIT_TIMEOUT";
}

/** The column a "Data too long for column 'x'" / "Incorrect … value … for column `db`.`t`.`x`" names. */
function columnNamed(message: string): string | undefined {
  const m = /for column [`']?(?:[^`'.]+[`']?\.[`']?)*([^`'.]+)[`']?(?: at row|$)/.exec(message) ?? /column '([^']+)'/.exec(message);
  return m?.[1];
}

export function translateError(error: unknown, dataSource: string, entity?: EntitySchema): unknown {
  const e = asMysqlError(error);
  if (e === undefined || error instanceof QueryError) return error;
  if ((e.errno !== undefined && TIMEOUT_ERRNOS.has(e.errno)) || /max_statement_time exceeded|maximum statement execution time/i.test(e.message)) {
    return new QueryError(`data source '${dataSource}' is unavailable: the statement ran longer than its time limit`, 503);
  }
  if (isConnectionError(error)) {
    return new QueryError(`data source '${dataSource}' is unavailable: ${e.message}`, 503);
  }
  // InnoDB gave up on this transaction (a deadlock, a lock wait past its limit): another attempt may succeed.
  if (isDeadlock(error)) return transactionConflict(new QueryError(`data source '${dataSource}' is unavailable: the write conflicted with another; try again (${e.message})`, 503));
  if (entity !== undefined && e.code === "ER_DUP_ENTRY") {
    const key = /for key '(?:[^']*\.)?([^'.]+)'/.exec(e.message)?.[1];
    const composite = entity.uniques?.find((fields) => compositeIndexName(entity, true, fields) === key);
    if (composite !== undefined) return new QueryError(`a ${entity.name} with this (${composite.join(", ")}) already exists`, 409, composite[0], composite);
    const field = entity.fields.find((f) => f.unique && uniqueIndexName(entity, f.name) === key)?.name ?? key ?? "unknown";
    return new QueryError(`a ${entity.name} with this ${field} already exists`, 409, field, [field]);
  }
  if (e.code === "ER_NO_REFERENCED_ROW_2" || e.code === "ER_ROW_IS_REFERENCED_2") {
    // "… CONSTRAINT `book__fk_author__cascade` FOREIGN KEY …": the constraint names the reference.
    const field = /CONSTRAINT `[^`]*__fk_(.+)__(?:restrict|cascade|setNull)`/.exec(e.message)?.[1] ?? "unknown";
    const own = entity?.fields.find((f) => f.name === field);
    if (e.code === "ER_NO_REFERENCED_ROW_2" && own?.references !== undefined) {
      return new QueryError(`no ${own.references} has the id given for ${field}, so this ${entity!.name} cannot refer to it`, 409, field, [field]);
    }
    return new QueryError(`cannot delete this ${entity?.name ?? "row"}: other records still refer to it by ${field} (ON DELETE RESTRICT)`, 409, field, [field]);
  }
  if (
    entity !== undefined &&
    (e.code === "ER_DATA_TOO_LONG" || e.code === "ER_TRUNCATED_WRONG_VALUE" || e.code === "ER_TRUNCATED_WRONG_VALUE_FOR_FIELD" ||
      e.code === "ER_WARN_DATA_OUT_OF_RANGE")
  ) {
    const field = columnNamed(e.message);
    return new QueryError(field === undefined ? `a value does not fit its column: ${e.message}` : `field "${field}" does not fit its column: ${e.message}`, 400, field);
  }
  return error;
}
