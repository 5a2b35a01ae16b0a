/**
 * What a store holds, read from `_kova_schema` and the tables it names: the entities with their
 * fields, row and version counts (for the manifest), and the check that every live row equals its
 * latest version (for `kova db verify`).
 */
import type Database from "better-sqlite3";
import type { FieldSchema } from "@kova/query";
import { HISTORY_SUFFIX, historyColumn, quoteIdent } from "../sqlite-compiled.js";
import { SCHEMA_TABLE } from "../sqlite-schema.js";
import type { ManifestEntity } from "./backup-format.js";

export interface StoredEntity {
  name: string;
  table: string;
  fields: FieldSchema[];
  /** Whether the history table exists (absent for NO HISTORY entities). */
  history: boolean;
}

function historyTable(entity: { table: string }): string {
  return entity.table + HISTORY_SUFFIX;
}

function tableExists(db: Database.Database, name: string): boolean {
  return db.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?`).get(name) !== undefined;
}

export function storedEntities(db: Database.Database): StoredEntity[] {
  if (!tableExists(db, SCHEMA_TABLE)) return [];
  const rows = db.prepare(`SELECT entity, "table", fields FROM ${SCHEMA_TABLE} ORDER BY entity`).all() as Array<{ entity: string; table: string; fields: string }>;
  return rows.map((r) => ({ name: r.entity, table: r.table, fields: JSON.parse(r.fields) as FieldSchema[], history: tableExists(db, historyTable({ table: r.table })) }));
}

export function describeEntities(db: Database.Database): ManifestEntity[] {
  return storedEntities(db).map((e) => {
    const rows = db.prepare(`SELECT count(*) FROM ${quoteIdent(e.table)}`).pluck().get() as number;
    const history = e.history ? (db.prepare(`SELECT count(*) AS n, max("version") AS last FROM ${quoteIdent(historyTable(e))}`).get() as { n: number; last: number | null }) : { n: 0, last: null };
    return { name: e.name, table: e.table, fields: e.fields, rows, versions: history.n, lastVersion: history.last };
  });
}

/** The live table's columns (other than id) that the history table also has, as [live, history] pairs. */
export function sharedColumns(db: Database.Database, entity: StoredEntity): Array<[string, string]> {
  const live = (db.prepare(`SELECT name FROM pragma_table_info(?)`).pluck().all(entity.table) as string[]).filter((c) => c !== "id");
  const history = new Set(db.prepare(`SELECT name FROM pragma_table_info(?)`).pluck().all(historyTable(entity)) as string[]);
  return live.map((c): [string, string] => [c, historyColumn(c)]).filter(([, h]) => history.has(h));
}

export interface RowMismatch {
  entity: string;
  id: number;
  problem: string;
}

/**
 * Live rows that differ from their latest version, live rows with no version, and ids whose latest
 * version is not a delete but have no live row. At most `limit` of them.
 */
export function liveRowMismatches(db: Database.Database, limit = 20): RowMismatch[] {
  const out: RowMismatch[] = [];
  for (const entity of storedEntities(db)) {
    if (!entity.history) continue;
    const live = quoteIdent(entity.table);
    const history = quoteIdent(historyTable(entity));
    const pairs = sharedColumns(db, entity);
    const latest = `SELECT h.* FROM ${history} h WHERE h."version" = (SELECT max("version") FROM ${history} WHERE "id" = h."id")`;
    const differs = pairs.map(([l, h]) => `l.${quoteIdent(l)} IS NOT v.${quoteIdent(h)}`).join(" OR ") || "0";
    const rows = db
      .prepare(
        `SELECT l."id" AS id, CASE WHEN v."id" IS NULL THEN 'has no version in the history' WHEN v."op" = 'delete' THEN 'is live but its latest version is a delete' ` +
          `ELSE 'differs from its latest version' END AS problem FROM ${live} l LEFT JOIN (${latest}) v ON v."id" = l."id" ` +
          `WHERE v."id" IS NULL OR v."op" = 'delete' OR ${differs} ` +
          `UNION ALL SELECT v."id", 'has a latest version (' || v."op" || ') but no live row' FROM (${latest}) v ` +
          `WHERE v."op" <> 'delete' AND NOT EXISTS (SELECT 1 FROM ${live} l WHERE l."id" = v."id") LIMIT ?`,
      )
      .all(limit - out.length) as Array<{ id: number; problem: string }>;
    out.push(...rows.map((r) => ({ entity: entity.name, id: r.id, problem: r.problem })));
    if (out.length >= limit) break;
  }
  return out;
}
