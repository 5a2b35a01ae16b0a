/**
 * Export and import for MySQL/MariaDB (DataTransfer, @kova/query transfer.ts). Reads page through
 * the tables by key (5,000 rows a query); an import batch is one transaction of multi-row INSERTs
 * (mysql2 expands `VALUES ?` from nested arrays), 1,000 rows a statement. Explicit ids and versions
 * move InnoDB's AUTO_INCREMENT counters past them, so new writes continue after the imported ones.
 */
import type mysql from "mysql2/promise";
import { IMPORT_TABLE, type DataTransfer, type EntitySchema, type FieldSchema, type ImportMark, type TransferBatch, type TransferRow, type TransferVersion } from "@kova/query";
import { historyColumn, historyTable, quoteIdent } from "./mysql-compiled.js";
import { datetimeToIso, decodeValue, encodeFieldValue, epochToDatetime } from "./mysql-values.js";

const PAGE = 5000;
const CHUNK = 1000;

/** A stored value as the Kova value the API returns. */
function decode(field: FieldSchema, value: unknown): unknown {
  if (value === null || value === undefined) return null;
  if (field.items !== undefined) return typeof value === "string" ? JSON.parse(value) : value;
  if ((field.type === "float" || field.type === "decimal") && typeof value === "string") return Number(value);
  return decodeValue(field.type, value);
}

export class MysqlTransfer implements DataTransfer {
  constructor(private readonly pool: () => mysql.Pool) {}

  private async query<T>(sql: string, values: unknown[] = []): Promise<T> {
    const [rows] = await this.pool().query(sql, values);
    return rows as T;
  }

  private async columns(table: string): Promise<Set<string> | undefined> {
    const rows = await this.query<Array<{ name: string }>>(`SELECT COLUMN_NAME AS name FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ?`, [table]);
    return rows.length === 0 ? undefined : new Set(rows.map((r) => r.name));
  }

  async storedEntities(): Promise<EntitySchema[]> {
    if ((await this.columns("_kova_schema")) === undefined) return [];
    const rows = await this.query<Array<{ entity: string; table: string; fields: string | FieldSchema[] }>>(`SELECT \`entity\`, \`table\`, \`fields\` FROM \`_kova_schema\` ORDER BY \`entity\``);
    const out: EntitySchema[] = [];
    for (const r of rows) {
      const entity: EntitySchema = { name: r.entity, table: r.table, fields: typeof r.fields === "string" ? (JSON.parse(r.fields) as FieldSchema[]) : r.fields };
      out.push((await this.columns(historyTable(entity))) === undefined ? { ...entity, history: false } : entity);
    }
    return out;
  }

  async *rows(entity: EntitySchema, asOf?: number): AsyncIterable<TransferRow> {
    const history = historyTable(entity);
    const table = asOf === undefined ? entity.table : history;
    const have = await this.columns(table);
    if (have === undefined) throw new Error(asOf === undefined ? `${entity.name} has no table` : `${entity.name} keeps no history (NO HISTORY), so it cannot be read as of an instant`);
    const fields = entity.fields.filter((f) => have.has(asOf === undefined ? f.name : historyColumn(f.name)));
    const list = fields.map((f) => `, h.${quoteIdent(asOf === undefined ? f.name : historyColumn(f.name))}`).join("");
    const select =
      asOf === undefined
        ? `SELECT h.\`id\`${list} FROM ${quoteIdent(table)} h WHERE h.\`id\` > ? ORDER BY h.\`id\` LIMIT ${PAGE}`
        : `SELECT h.\`id\`${list} FROM ${quoteIdent(history)} h WHERE h.\`id\` > ? AND h.\`op\` <> 'delete' AND h.\`version\` = ` +
          `(SELECT max(v.\`version\`) FROM ${quoteIdent(history)} v WHERE v.\`id\` = h.\`id\` AND v.\`at\` <= ?) ORDER BY h.\`id\` LIMIT ${PAGE}`;
    let after = 0;
    for (;;) {
      const rows = await this.query<Array<Record<string, unknown>>>(select, asOf === undefined ? [after] : [after, epochToDatetime(asOf)]);
      for (const row of rows) {
        const out: Record<string, unknown> = {};
        for (const f of fields) out[f.name] = decode(f, row[asOf === undefined ? f.name : historyColumn(f.name)]);
        yield { id: Number(row.id), fields: out };
      }
      if (rows.length < PAGE) return;
      after = Number(rows[rows.length - 1].id);
    }
  }

  async *versions(entity: EntitySchema, upTo?: number): AsyncIterable<TransferVersion> {
    const history = historyTable(entity);
    const have = await this.columns(history);
    if (have === undefined) return;
    const fields = entity.fields.filter((f) => have.has(historyColumn(f.name)));
    const select =
      `SELECT \`version\`, \`id\`, \`op\`, \`at\`${fields.map((f) => `, ${quoteIdent(historyColumn(f.name))}`).join("")} FROM ${quoteIdent(history)} ` +
      `WHERE \`version\` > ?${upTo === undefined ? "" : " AND `at` <= ?"} ORDER BY \`version\` LIMIT ${PAGE}`;
    let after = 0;
    for (;;) {
      const rows = await this.query<Array<Record<string, unknown>>>(select, upTo === undefined ? [after] : [after, epochToDatetime(upTo)]);
      for (const row of rows) {
        const out: Record<string, unknown> = {};
        for (const f of fields) out[f.name] = decode(f, row[historyColumn(f.name)]);
        yield { version: Number(row.version), id: Number(row.id), op: row.op as TransferVersion["op"], at: Date.parse(datetimeToIso(String(row.at))), fields: out };
      }
      if (rows.length < PAGE) return;
      after = Number(rows[rows.length - 1].version);
    }
  }

  async load(batches: readonly TransferBatch[], mark: ImportMark): Promise<void> {
    const connection = await this.pool().getConnection();
    try {
      await connection.query(`CREATE TABLE IF NOT EXISTS \`${IMPORT_TABLE}\` (\`id\` VARCHAR(64) PRIMARY KEY, \`line\` BIGINT NOT NULL, \`done\` TINYINT NOT NULL, \`updated_at\` DATETIME(3) NOT NULL)`);
      await connection.beginTransaction();
      try {
        const now = epochToDatetime(Date.now());
        for (const { entity, rows, versions } of batches) {
          const fields = entity.fields;
          const encoded = rows.map((r) => [r.id, ...fields.map((f) => encodeFieldValue(f, r.fields[f.name]))]);
          const live = `INSERT INTO ${quoteIdent(entity.table)} (\`id\`${fields.map((f) => `, ${quoteIdent(f.name)}`).join("")}) VALUES ?`;
          for (let i = 0; i < encoded.length; i += CHUNK) await connection.query(live, [encoded.slice(i, i + CHUNK)]);
          if (entity.history === false || (await this.columns(historyTable(entity))) === undefined) continue;
          const columns = fields.map((f) => `, ${quoteIdent(historyColumn(f.name))}`).join("");
          const recorded =
            versions === undefined
              ? encoded.map(([id, ...values]) => [id, "insert", now, ...values])
              : versions.map((v) => [v.version, v.id, v.op, epochToDatetime(v.at), ...fields.map((f) => encodeFieldValue(f, v.fields[f.name]))]);
          const insert = `INSERT INTO ${quoteIdent(historyTable(entity))} (${versions === undefined ? "" : "`version`, "}\`id\`, \`op\`, \`at\`${columns}) VALUES ?`;
          for (let i = 0; i < recorded.length; i += CHUNK) await connection.query(insert, [recorded.slice(i, i + CHUNK)]);
        }
        await connection.query(
          `INSERT INTO \`${IMPORT_TABLE}\` (\`id\`, \`line\`, \`done\`, \`updated_at\`) VALUES (?, ?, ?, ?) ` +
            `ON DUPLICATE KEY UPDATE \`line\` = VALUES(\`line\`), \`done\` = VALUES(\`done\`), \`updated_at\` = VALUES(\`updated_at\`)`,
          [mark.id, mark.line, mark.done ? 1 : 0, now],
        );
        await connection.commit();
      } catch (error) {
        await connection.rollback().catch(() => {});
        throw error;
      }
    } finally {
      connection.release();
    }
  }

  async mark(id: string): Promise<ImportMark | undefined> {
    if ((await this.columns(IMPORT_TABLE)) === undefined) return undefined;
    const rows = await this.query<Array<{ line: number; done: number }>>(`SELECT \`line\`, \`done\` FROM \`${IMPORT_TABLE}\` WHERE \`id\` = ?`, [id]);
    return rows.length === 0 ? undefined : { id, line: Number(rows[0].line), done: Number(rows[0].done) === 1 };
  }

  async finish(): Promise<void> {
    // InnoDB moves AUTO_INCREMENT past explicit ids and versions as they are inserted.
  }
}
