/**
 * Point-in-time recovery for the embedded store: rebuilds the live tables of a copy of the store
 * as they were at an instant, from the history every write records. In the copy, each entity's
 * live table is replaced by the latest version of each id at or before the instant (ids whose
 * latest version is a delete stay deleted), and the versions after the instant are dropped, so the
 * rebuilt store's history ends where its data does. The store itself is not touched.
 *
 * Entities declared NO HISTORY keep no versions to rebuild from: they are copied as they are now,
 * and reported, so the caller can say so.
 */
import type Database from "better-sqlite3";
import { HISTORY_SUFFIX, quoteIdent } from "../sqlite-compiled.js";
import { sharedColumns, storedEntities } from "./store-contents.js";

export interface RebuildReport {
  /** Entity → live rows after the rebuild. */
  rows: Record<string, number>;
  /** Entities without history, left as they are. */
  unchanged: string[];
}

export function rebuildAt(db: Database.Database, at: number): RebuildReport {
  const report: RebuildReport = { rows: {}, unchanged: [] };
  db.transaction(() => {
    for (const entity of storedEntities(db)) {
      const live = quoteIdent(entity.table);
      if (!entity.history) {
        report.unchanged.push(entity.name);
        continue;
      }
      const history = quoteIdent(entity.table + HISTORY_SUFFIX);
      const pairs = sharedColumns(db, entity);
      db.exec(`DELETE FROM ${live}`);
      db.prepare(
        `INSERT INTO ${live} ("id"${pairs.map(([l]) => `, ${quoteIdent(l)}`).join("")}) ` +
          `SELECT h."id"${pairs.map(([, h]) => `, h.${quoteIdent(h)}`).join("")} FROM ${history} h ` +
          `WHERE h."version" IN (SELECT max("version") FROM ${history} WHERE "at" <= ? GROUP BY "id") AND h."op" <> 'delete'`,
      ).run(at);
      db.prepare(`DELETE FROM ${history} WHERE "at" > ?`).run(at);
      report.rows[entity.name] = db.prepare(`SELECT count(*) FROM ${live}`).pluck().get() as number;
    }
  })();
  return report;
}
