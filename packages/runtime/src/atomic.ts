/**
 * Endpoint atomicity: a handler that writes runs inside one transaction per data source it writes
 * (the compiler lists them in the route's `writes`). The handler's own statements call
 * `ctx.db(name).execute(…)`, not a transaction object: each driver's TransactionScope
 * (AsyncLocalStorage) puts them in the open transaction, so reads inside see the endpoint's writes.
 *
 *   - the handler returns            → every transaction commits, then the reply is sent;
 *   - it throws (ERROR, a 409 from a constraint, an exception in imported JS, a 400 on a value)
 *                                    → every transaction rolls back, and the error becomes the problem;
 *   - the client is gone when the handler returns (before anything is committed or sent)
 *                                    → rolled back, nothing is sent.
 *
 * Several data sources: their transactions nest in the order `writes` lists them and commit
 * innermost first, one after the other. That is not a two-phase commit: if a later commit fails
 * (the database went away between the two), the source committed before it keeps its writes.
 *
 * When the database gives up on a transaction (a deadlock, a serialization failure: the error is
 * marked retryable, @kova/query transactionConflict), everything was rolled back; an endpoint whose
 * effects all stay in its data sources (the compiler's `retry`: no imported JS, outbound call,
 * session, task or socket message) is then run again from the start, a few times, after a random
 * pause that grows each time, so the transactions that collided do not collide again in step.
 * Any other endpoint answers the 503 ("try again") as it is.
 *
 * Endpoints that only read are not listed and pay nothing: the handler runs as before. Drivers
 * whose dialect declares no transactions (Redis; MongoDB, whose transactions depend on the server)
 * run each write on its own; the build refuses endpoints for which that would lose atomicity.
 */
import { isTransactionConflict, type Driver } from "@kova/query";
import type { Reply } from "./app.js";
import { ClientGoneError } from "./body.js";
import type { Exchange, StageOutcome } from "./exchange.js";

/** The handler stage's work: the handler alone, or inside its data sources' transactions. */
export function runHandler(ex: Exchange): StageOutcome | Promise<StageOutcome> {
  // BROADCAST TO: the messages go out once the transactions have committed (Exchange.broadcast queues them).
  if (ex.route.definition.broadcasts === true) return Promise.resolve(runAtomically(ex)).then((outcome) => {
    ex.flushBroadcasts();
    return outcome;
  });
  return runAtomically(ex);
}

function runAtomically(ex: Exchange): StageOutcome | Promise<StageOutcome> {
  const writes = ex.route.definition.writes;
  if (writes === undefined || writes.length === 0) return ex.route.definition.handler(ex);
  const drivers: Driver[] = [];
  for (const name of writes) {
    const driver = ex.db(name);
    if (driver.dialect.limits?.transactions === undefined) drivers.push(driver);
  }
  if (drivers.length === 0) return ex.route.definition.handler(ex);
  return ex.route.definition.retry === true ? retryingConflicts(ex, drivers) : inTransactions(ex, drivers, 0);
}

/** Attempts of an endpoint whose transaction the database gave up on, when it may run again. */
export const CONFLICT_ATTEMPTS = 8;

/** The longest pause before the first retry (ms); it doubles with each one. */
const CONFLICT_PAUSE_MS = 10;

async function retryingConflicts(ex: Exchange, drivers: readonly Driver[]): Promise<Reply> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await inTransactions(ex, drivers, 0);
    } catch (error) {
      if (attempt >= CONFLICT_ATTEMPTS || !isTransactionConflict(error) || ex.clientGone()) throw error;
    }
    // The failed attempt's BROADCASTs never go out; the next attempt queues its own.
    ex.dropBroadcasts();
    // "Full jitter": a random pause up to 10, 20, 40… ms.
    await new Promise((resolve) => setTimeout(resolve, Math.random() * CONFLICT_PAUSE_MS * 2 ** (attempt - 1)));
  }
}

function inTransactions(ex: Exchange, drivers: readonly Driver[], next: number): Promise<Reply> {
  if (next === drivers.length) return handleThenCheckClient(ex);
  return drivers[next].transaction(() => inTransactions(ex, drivers, next + 1));
}

async function handleThenCheckClient(ex: Exchange): Promise<Reply> {
  const reply = await ex.route.definition.handler(ex);
  // Nothing is committed yet: a client that went away gets nothing, so nothing is kept either.
  if (ex.clientGone()) throw new ClientGoneError("the client closed the connection before the response");
  return reply;
}

/**
 * `run` inside one transaction per written data source (a SOCKET handler's, or any other body that
 * is not a request): commits when it returns, rolls back when it throws.
 */
export function runInTransactions<T>(db: (name: string) => Driver, writes: readonly string[] | undefined, run: () => Promise<T>): Promise<T> {
  const drivers = (writes ?? []).map(db).filter((d) => d.dialect.limits?.transactions === undefined);
  const nest = (i: number): Promise<T> => (i === drivers.length ? run() : drivers[i].transaction(() => nest(i + 1)));
  return nest(0);
}
