/**
 * Bulk inserts: many rows of one entity in one transaction, each checked like an insert and each
 * recorded as an "insert" version. Rows go to SQLite in chunks of multi-row INSERTs (one call per
 * chunk instead of two per row), with ids assigned here from the AUTOINCREMENT counter.
 */
import type { SqliteDatabase, SqliteStatement } from "./sqlite-database.js";
import { keepsHistory, type EntitySchema } from "@kova/query";
import { historyColumn, historyTable, quoteIdent } from "./sqlite-compiled.js";
import type { QueryRunner } from "./sqlite-runner.js";
import { translateConstraint } from "./sqlite-runner.js";
import type { SqliteValue } from "./sqlite-values.js";

/** SQLite's default limit on placeholders in one statement. */
const MAX_PARAMS = 32766;
const MAX_ROWS_PER_CHUNK = 200;

interface ChunkStatements {
  live: SqliteStatement;
  history: SqliteStatement;
}

export class BatchWriter {
  private readonly chunks = new Map<string, ChunkStatements>();

  constructor(private readonly runner: QueryRunner) {}

  private rowsPerChunk(entity: EntitySchema): number {
    return Math.max(1, Math.min(MAX_ROWS_PER_CHUNK, Math.floor(MAX_PARAMS / (entity.fields.length + 3))));
  }

  private statements(entity: EntitySchema, rows: number): ChunkStatements {
    const key = `${JSON.stringify(entity)}\u0000${rows}`;
    let found = this.chunks.get(key);
    if (found !== undefined) return found;
    const fieldNames = entity.fields.map((f) => quoteIdent(f.name));
    const historyNames = entity.fields.map((f) => quoteIdent(historyColumn(f.name)));
    const liveRow = `(${["?", ...fieldNames.map(() => "?")].join(", ")})`;
    const historyRow = `(${["?", "'insert'", "?", ...fieldNames.map(() => "?")].join(", ")})`;
    const repeat = (row: string) => Array.from({ length: rows }, () => row).join(", ");
    found = {
      live: this.runner.statement(`INSERT INTO ${quoteIdent(entity.table)} (${["\"id\"", ...fieldNames].join(", ")}) VALUES ${repeat(liveRow)}`),
      history: this.runner.statement(
        `INSERT INTO ${quoteIdent(historyTable(entity))} (${["\"id\"", "\"op\"", "\"at\"", ...historyNames].join(", ")}) VALUES ${repeat(historyRow)}`,
      ),
    };
    this.chunks.set(key, found);
    return found;
  }

  write(entity: EntitySchema, rows: readonly unknown[]): number[] {
    const runner = this.runner;
    const codec = runner.codec(entity);
    const width = entity.fields.length;
    const perChunk = this.rowsPerChunk(entity);
    const sequence = runner.db.prepare(`SELECT seq FROM sqlite_sequence WHERE name = ?`).pluck();
    const ids: number[] = new Array(rows.length);
    // History control (@kova/query history-control.ts): a SECRET field's version column stays NULL;
    // NO HISTORY writes no versions.
    const secret = entity.fields.map((f) => f.secret === true);
    const keep = keepsHistory(entity);
    const insertAll = runner.db.transaction(() => {
      const at = runner.nextInstant();
      // AUTOINCREMENT's counter never goes back, so ids of deleted rows are not handed out again.
      let nextId = ((sequence.get(entity.table) as number | undefined) ?? 0) + 1;
      for (let start = 0; start < rows.length; start += perChunk) {
        const count = Math.min(perChunk, rows.length - start);
        const live = new Array<SqliteValue>(count * (width + 1));
        const history = new Array<SqliteValue>(count * (width + 2));
        let l = 0;
        let h = 0;
        for (let r = start; r < start + count; r++) {
          const values = codec.completeForInsert(codec.fromObject(rows[r]), at);
          const id = nextId++;
          ids[r] = id;
          live[l++] = id;
          history[h++] = id;
          history[h++] = at;
          for (let f = 0; f < width; f++) {
            live[l++] = values[f];
            history[h++] = secret[f] ? null : values[f];
          }
        }
        const statements = this.statements(entity, count);
        statements.live.run(live);
        // The chunk's versions are consecutive (one multi-row INSERT): the events carry them.
        const last = keep ? Number(statements.history.run(history).lastInsertRowid) : null;
        const written: SqliteValue[][] = [];
        for (let r = 0; r < count; r++) written.push(live.slice(r * (width + 1), (r + 1) * (width + 1)));
        runner.changeInserts(entity, written, last === null ? null : last - count + 1, at);
      }
    });
    const mark = runner.outboxMark();
    try {
      insertAll();
    } catch (error) {
      runner.outboxRollbackTo(mark);
      throw translateConstraint(error, entity);
    }
    return ids;
  }
}
