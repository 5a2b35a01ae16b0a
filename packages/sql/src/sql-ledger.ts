import { guardOf } from "./sql-guard.js";

/**
 * The `_kova_migrations` ledger: which `kova migrate` files a database has run. Every SQL driver
 * applies files the same way; only how a statement runs and whether DDL can be rolled back differ.
 */

/** One connection, held for the whole apply (a flavour's lock, if any, is taken around it). */
export interface LedgerSession {
  exec(sql: string): Promise<void>;
  /** The names the ledger holds. */
  applied(): Promise<string[]>;
  /** Records a file as applied (with the database's or the process's current time). */
  record(name: string): Promise<void>;
  /**
   * Whether a table has a column or index, from the database's catalog: given by a database whose
   * ADD COLUMN / ADD KEY / DROP INDEX cannot say IF [NOT] EXISTS in every version it supports (see
   * sql-guard.ts). Those statements then run only when needed. Absent: every statement runs as written.
   */
  has?(object: "column" | "index", table: string, name: string): Promise<boolean>;
}

export interface LedgerOptions {
  /** CREATE TABLE IF NOT EXISTS "_kova_migrations" ("name" … PRIMARY KEY, "applied_at" …). */
  createTable: string;
  /**
   * true: each file runs in one transaction, all or nothing. false (MySQL, which commits DDL as
   * it runs): statement by statement, and a failure says that the ones before it took effect.
   */
  transactional: boolean;
  /** The data source's name, for messages. */
  source: string;
}

export const LEDGER_TABLE = "_kova_migrations";

/** Runs one statement of a file; a guarded one (sql-guard.ts) only when needed, if the session says. */
async function run(session: LedgerSession, statement: string): Promise<void> {
  const guard = session.has === undefined ? undefined : guardOf(statement);
  if (guard === undefined) return session.exec(statement);
  const present = await session.has!(guard.object, guard.table, guard.name);
  if (present === (guard.when === "present")) await session.exec(guard.plain);
}

const reasonOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

/** Runs the files the ledger does not hold yet, in order; returns the names applied. */
export async function applyLedger(
  session: LedgerSession,
  files: ReadonlyArray<{ name: string; statements: string[] }>,
  options: LedgerOptions,
): Promise<string[]> {
  await session.exec(options.createTable);
  const done = new Set(await session.applied());
  const applied: string[] = [];
  for (const file of files) {
    if (done.has(file.name)) continue;
    const statements = file.statements.map((s) => s.trim().replace(/;\s*$/, "")).filter((s) => s !== "" && !s.startsWith("--"));
    if (options.transactional) {
      await session.exec("BEGIN");
      try {
        for (const statement of statements) await run(session, statement);
        await session.record(file.name);
        await session.exec("COMMIT");
      } catch (error) {
        await session.exec("ROLLBACK").catch(() => undefined);
        throw new Error(`migration ${file.name} failed and was rolled back: ${reasonOf(error)}`);
      }
    } else {
      for (const statement of statements) {
        try {
          await run(session, statement);
        } catch (error) {
          throw new Error(
            `migration ${file.name} of data source "${options.source}" failed: ${reasonOf(error)}; statement: ${statement}` +
              " (DDL commits as it runs here: the statements before this one took effect; fix the cause and apply again)",
          );
        }
      }
      await session.record(file.name);
    }
    applied.push(file.name);
  }
  return applied;
}
