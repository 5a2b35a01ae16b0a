/**
 * Export and import for PostgreSQL (DataTransfer, @kova/query transfer.ts). Reads page through the
 * tables by key (5,000 rows a query: constant memory, no long-held cursor); an import batch is one
 * transaction whose rows go in as ONE parameter, a JSON array that `json_populate_recordset` turns
 * into typed rows, so a batch of ten thousand rows is one statement per table, not ten thousand.
 */
import { IMPORT_TABLE, toIsoInstant, type DataTransfer, type EntitySchema, type FieldSchema, type ImportMark, type TransferBatch, type TransferRow, type TransferVersion } from "@kova/query";
import { historyTable, quoteIdent } from "./pg-compiled.js";
import type { PgPool, PgSession } from "./pg-pool.js";
import { encodeFieldValue } from "./pg-values.js";

const PAGE = 5000;

/** A value read from the table or from the history's jsonb, as the Kova value the API returns. */
function decode(field: FieldSchema, value: unknown): unknown {
  if (value === null || value === undefined) return null;
  if (field.type === "datetime" && field.items === undefined) return toIsoInstant(value) ?? value;
  return value;
}

/** A value to write, checked by the driver's own rules, in the form json_populate_recordset reads. */
function encode(field: FieldSchema, value: unknown): unknown {
  const stored = encodeFieldValue(field, value);
  // encodeFieldValue gives JSON text for json fields; inside the JSON array it must be the value itself.
  return field.type === "json" && field.items === undefined && typeof stored === "string" ? JSON.parse(stored) : stored;
}

function fieldsObject(entity: EntitySchema, fields: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const f of entity.fields) out[f.name] = encode(f, fields[f.name]);
  return out;
}

export class PgTransfer implements DataTransfer {
  constructor(private readonly pool: () => PgPool) {}

  private async query(text: string, values: unknown[] = []): Promise<{ rows: Record<string, any>[] }> {
    return this.pool().query(text, values);
  }

  private async exists(table: string): Promise<boolean> {
    return (await this.query(`SELECT to_regclass($1) IS NOT NULL AS found`, [quoteIdent(table)])).rows[0].found as boolean;
  }

  async storedEntities(): Promise<EntitySchema[]> {
    if (!(await this.exists("_kova_schema"))) return [];
    const { rows } = await this.query(`SELECT "entity", "table", "fields" FROM "_kova_schema" ORDER BY "entity"`);
    const out: EntitySchema[] = [];
    for (const r of rows) {
      const entity: EntitySchema = { name: r.entity, table: r.table, fields: r.fields as FieldSchema[] };
      out.push((await this.exists(historyTable(entity))) ? entity : { ...entity, history: false });
    }
    return out;
  }

  private async liveFields(entity: EntitySchema): Promise<FieldSchema[]> {
    const { rows } = await this.query(`SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = $1`, [entity.table]);
    const columns = new Set(rows.map((r) => r.column_name as string));
    return entity.fields.filter((f) => columns.has(f.name));
  }

  async *rows(entity: EntitySchema, asOf?: number): AsyncIterable<TransferRow> {
    let after = 0;
    if (asOf === undefined) {
      const fields = await this.liveFields(entity);
      const select = `SELECT "id"${fields.map((f) => `, ${quoteIdent(f.name)}`).join("")} FROM ${quoteIdent(entity.table)} WHERE "id" > $1 ORDER BY "id" LIMIT ${PAGE}`;
      for (;;) {
        const { rows } = await this.query(select, [after]);
        for (const row of rows) {
          const out: Record<string, unknown> = {};
          for (const f of fields) out[f.name] = decode(f, row[f.name]);
          yield { id: Number(row.id), fields: out };
        }
        if (rows.length < PAGE) return;
        after = Number(rows[rows.length - 1].id);
      }
    }
    if (!(await this.exists(historyTable(entity)))) throw new Error(`${entity.name} keeps no history (NO HISTORY), so it cannot be read as of an instant`);
    const history = quoteIdent(historyTable(entity));
    const select =
      `SELECT h."id", h."data" FROM ${history} h WHERE h."id" > $1 AND h."op" <> 'delete' AND h."version" = ` +
      `(SELECT max(v."version") FROM ${history} v WHERE v."id" = h."id" AND v."at" <= $2::timestamptz) ORDER BY h."id" LIMIT ${PAGE}`;
    const at = new Date(asOf).toISOString();
    for (;;) {
      const { rows } = await this.query(select, [after, at]);
      for (const row of rows) yield { id: Number(row.id), fields: this.fromData(entity, row.data) };
      if (rows.length < PAGE) return;
      after = Number(rows[rows.length - 1].id);
    }
  }

  private fromData(entity: EntitySchema, data: Record<string, unknown>): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const f of entity.fields) out[f.name] = decode(f, data[f.name]);
    return out;
  }

  async *versions(entity: EntitySchema, upTo?: number): AsyncIterable<TransferVersion> {
    if (!(await this.exists(historyTable(entity)))) return;
    const select =
      `SELECT "version", "id", "op", "at", "data" FROM ${quoteIdent(historyTable(entity))} WHERE "version" > $1` +
      `${upTo === undefined ? "" : ` AND "at" <= $2::timestamptz`} ORDER BY "version" LIMIT ${PAGE}`;
    let after = 0;
    for (;;) {
      const { rows } = await this.query(select, upTo === undefined ? [after] : [after, new Date(upTo).toISOString()]);
      for (const row of rows) {
        yield { version: Number(row.version), id: Number(row.id), op: row.op, at: Date.parse(row.at as string), fields: this.fromData(entity, row.data) };
      }
      if (rows.length < PAGE) return;
      after = Number(rows[rows.length - 1].version);
    }
  }

  async load(batches: readonly TransferBatch[], mark: ImportMark): Promise<void> {
    await this.pool().hold(async (client) => this.loadOn(client, batches, mark));
  }

  private async loadOn(client: PgSession, batches: readonly TransferBatch[], mark: ImportMark): Promise<void> {
    try {
      await client.query(`CREATE TABLE IF NOT EXISTS ${IMPORT_TABLE} ("id" text PRIMARY KEY, "line" bigint NOT NULL, "done" boolean NOT NULL, "updated_at" timestamptz NOT NULL)`);
      await client.query("BEGIN");
      const now = new Date().toISOString();
      for (const { entity, rows, versions } of batches) {
        const columns = entity.fields.map((f) => quoteIdent(f.name));
        if (rows.length > 0) {
          const json = rows.map((r) => ({ id: r.id, ...fieldsObject(entity, r.fields) }));
          await client.query(
            `INSERT INTO ${quoteIdent(entity.table)} ("id"${columns.map((c) => `, ${c}`).join("")}) ` +
              `SELECT "id"${columns.map((c) => `, ${c}`).join("")} FROM json_populate_recordset(NULL::${quoteIdent(entity.table)}, $1::json)`,
            [JSON.stringify(json)],
          );
        }
        const history = historyTable(entity);
        if (entity.history === false) continue;
        const recorded =
          versions === undefined
            ? rows.map((r) => ({ id: r.id, op: "insert", at: now, data: fieldsObject(entity, r.fields) }))
            : versions.map((v) => ({ version: v.version, id: v.id, op: v.op, at: new Date(v.at).toISOString(), data: fieldsObject(entity, v.fields) }));
        if (recorded.length === 0) continue;
        const keep = versions === undefined ? `"id", "op", "at", "data"` : `"version", "id", "op", "at", "data"`;
        await client.query(`INSERT INTO ${quoteIdent(history)} (${keep}) SELECT ${keep} FROM json_populate_recordset(NULL::${quoteIdent(history)}, $1::json)`, [JSON.stringify(recorded)]);
      }
      await client.query(
        `INSERT INTO ${IMPORT_TABLE} ("id", "line", "done", "updated_at") VALUES ($1, $2, $3, now()) ` +
          `ON CONFLICT ("id") DO UPDATE SET "line" = excluded."line", "done" = excluded."done", "updated_at" = excluded."updated_at"`,
        [mark.id, mark.line, mark.done],
      );
      await client.query("COMMIT");
    } catch (error) {
      await client.query("ROLLBACK").catch(() => {});
      throw error;
    }
  }

  async mark(id: string): Promise<ImportMark | undefined> {
    if (!(await this.exists(IMPORT_TABLE))) return undefined;
    const { rows } = await this.query(`SELECT "line", "done" FROM ${IMPORT_TABLE} WHERE "id" = $1`, [id]);
    return rows.length === 0 ? undefined : { id, line: Number(rows[0].line), done: rows[0].done as boolean };
  }

  async finish(entities: readonly EntitySchema[]): Promise<void> {
    // Imported rows and versions carry their own ids and numbers: the sequences must continue after them.
    for (const entity of entities) {
      const table = quoteIdent(entity.table);
      const history = historyTable(entity);
      const hasHistory = entity.history !== false && (await this.exists(history));
      const ids = hasHistory ? `GREATEST((SELECT max("id") FROM ${table}), (SELECT max("id") FROM ${quoteIdent(history)}))` : `(SELECT max("id") FROM ${table})`;
      await this.query(`SELECT setval(pg_get_serial_sequence($1, 'id'), COALESCE(${ids}, 0) + 1, false)`, [table]);
      if (hasHistory) {
        await this.query(`SELECT setval(pg_get_serial_sequence($1, 'version'), COALESCE((SELECT max("version") FROM ${quoteIdent(history)}), 0) + 1, false)`, [quoteIdent(history)]);
      }
    }
  }
}
