/**
 * `migrate` on a live connection: runs the DDL of pg-schema.ts and the parts that depend on what
 * already exists (refusing type changes, backfilling defaults of new fields, dropping indexes a
 * field no longer wants), then records each entity in `_kova_schema`.
 */
import { createHash } from "node:crypto";
import { checkViolationMessage, refuseStoredTypeChanges, type EntitySchema, type FieldSchema } from "@kova/query";
import { fitIdentifier, quoteIdent, type SqlFlavor } from "./pg-compiled.js";
import {
  backfillStatements,
  compositeIndexName,
  entityDdl,
  foreignKeyDdl,
  plainIndexName,
  SCHEMA_TABLE,
  schemaTableDdl,
  staleCheckDrops,
  staleCommentDrops,
  uniqueIndexName,
  wantedIndexes,
} from "./pg-schema.js";
import type { PgSession } from "./pg-pool.js";

/**
 * Serialises concurrent migrations of one schema (two app processes starting at once). The second
 * key is the schema, so apps in other schemas of the database (and tests, each in a schema of its
 * own) never wait for each other.
 */
const MIGRATION_LOCK = `pg_advisory_xact_lock(740350325, hashtext(current_schema()))`;

/**
 * What one entity's storage was made from: its fields and every DDL statement Kova would run for
 * it. Recorded in `_kova_schema` by each migration, so that a start whose entities all carry the
 * mark they were last migrated with runs no DDL at all. Without it every start ran `ALTER TABLE …
 * ADD COLUMN IF NOT EXISTS` on every table, and each takes an ACCESS EXCLUSIVE lock even when the
 * column exists: a rolling restart waited behind any open transaction on those tables, and every
 * request of the nodes still serving queued behind the restart.
 */
function storageMark(entity: EntitySchema, flavor: SqlFlavor, byName: ReadonlyMap<string, EntitySchema>): string {
  const made = [entity.table, entity.fields, entity.uniques ?? [], entityDdl(entity, flavor), foreignKeyDdl(entity, byName)];
  return createHash("sha256").update(JSON.stringify(made)).digest("hex");
}

/** True when every entity's storage is as its last migration left it (read from the catalog, no lock taken). */
async function upToDate(client: PgSession, entities: readonly EntitySchema[], flavor: SqlFlavor): Promise<boolean> {
  const tables = [SCHEMA_TABLE, ...entities.map((e) => e.table)].map(quoteIdent);
  const present = await client.query(`SELECT bool_and(to_regclass(name) IS NOT NULL) AS ok FROM unnest($1::text[]) AS name`, [tables]);
  if (present.rows[0]?.ok !== true) return false;
  const recorded = await client.query(`SELECT * FROM ${quoteIdent(SCHEMA_TABLE)}`);
  const marks = new Map(recorded.rows.map((r) => [r.entity as string, r.storage_mark as string | null | undefined]));
  const byName = new Map(entities.map((e) => [e.name, e]));
  return entities.every((entity) => marks.get(entity.name) === storageMark(entity, flavor, byName));
}

async function recordedFields(client: PgSession, entity: EntitySchema): Promise<FieldSchema[] | undefined> {
  const result = await client.query(`SELECT "fields" FROM ${quoteIdent(SCHEMA_TABLE)} WHERE "entity" = $1`, [entity.name]);
  return result.rows.length === 0 ? undefined : (result.rows[0].fields as FieldSchema[]);
}

async function existingColumns(client: PgSession, table: string): Promise<Set<string>> {
  const result = await client.query(
    `SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = $1`,
    [fitIdentifier(table)],
  );
  return new Set(result.rows.map((r) => r.column_name as string));
}

async function existingIndexes(client: PgSession, table: string): Promise<Set<string>> {
  const result = await client.query(`SELECT indexname FROM pg_indexes WHERE schemaname = current_schema() AND tablename = $1`, [fitIdentifier(table)]);
  return new Set(result.rows.map((r) => r.indexname as string));
}

async function migrateEntity(client: PgSession, entity: EntitySchema, flavor: SqlFlavor, mark: string): Promise<void> {
  const previous = await recordedFields(client, entity);
  refuseStoredTypeChanges(entity, previous);
  const before = await existingColumns(client, entity.table);
  const drops = previous === undefined ? [] : [...(flavor.dialect === "postgres" ? staleCheckDrops(entity, previous) : []), ...staleCommentDrops(entity, { fields: previous })];
  for (const statement of [...drops, ...entityDdl(entity, flavor)]) {
    try {
      await client.query(statement);
    } catch (error) {
      if ((error as { code?: string }).code === "23514") {
        throw new Error(checkViolationMessage((error as Error).message, [entity], "postgres") ?? (error as Error).message);
      }
      if ((error as { code?: string }).code !== "23505") throw error;
      const composite = entity.uniques?.find((fields) => statement.includes(quoteIdent(compositeIndexName(entity, true, fields))));
      if (composite !== undefined) {
        throw new Error(`cannot make ${entity.name} (${composite.join(", ")}) UNIQUE: stored rows already share these values (${(error as Error).message})`);
      }
      const field = entity.fields.find((f) => f.unique && statement.includes(quoteIdent(uniqueIndexName(entity, f.name))));
      throw new Error(
        `cannot make ${entity.name}.${field?.name ?? "?"} UNIQUE: stored rows already share a value (${(error as Error).message})`,
      );
    }
  }
  if (before.size > 0) {
    for (const field of entity.fields) {
      if (before.has(fitIdentifier(field.name))) continue;
      for (const { text, values } of backfillStatements(entity, field)) await client.query(text, values);
    }
  }
  // Indexes this entity once wanted (for its current or recorded fields) but no longer does.
  const wanted = wantedIndexes(entity);
  const ours = new Set<string>();
  for (const field of [...entity.fields, ...(previous ?? [])]) {
    ours.add(uniqueIndexName(entity, field.name));
    ours.add(plainIndexName(entity, field.name));
  }
  for (const name of await existingIndexes(client, entity.table)) {
    const composite = name.startsWith(fitIdentifier(`${entity.table}__unique_`)) || name.startsWith(fitIdentifier(`${entity.table}__index_`));
    if ((ours.has(name) || composite) && !wanted.has(name)) await client.query(flavor.dropIndex(name));
  }
  await client.query(
    `INSERT INTO ${quoteIdent(SCHEMA_TABLE)} ("entity", "table", "fields", "migrated_at", "storage_mark") VALUES ($1, $2, $3::jsonb, now(), $4) ` +
      `ON CONFLICT ("entity") DO UPDATE SET "table" = excluded."table", "fields" = excluded."fields", "migrated_at" = excluded."migrated_at", "storage_mark" = excluded."storage_mark"`,
    [entity.name, entity.table, JSON.stringify(entity.fields), mark],
  );
}

/** Creates or evolves the storage of `entities` (in one transaction where the database allows). */
export async function migrateEntities(client: PgSession, entities: readonly EntitySchema[], flavor: SqlFlavor): Promise<void> {
  if (await upToDate(client, entities, flavor)) return;
  const byName = new Map(entities.map((e) => [e.name, e]));
  const migrateAll = async () => {
    for (const statement of schemaTableDdl()) await client.query(statement);
    for (const entity of entities) await migrateEntity(client, entity, flavor, storageMark(entity, flavor, byName));
    await addForeignKeys(client, entities);
  };
  if (!flavor.transactionalDdl) return migrateAll();
  await client.query("BEGIN");
  try {
    // Index builds on large tables may take longer than a request's statement timeout.
    await client.query("SET LOCAL statement_timeout = 0");
    await client.query(`SELECT ${MIGRATION_LOCK}`);
    await migrateAll();
    await client.query("COMMIT");
  } catch (error) {
    await client.query("ROLLBACK").catch(() => undefined);
    throw error;
  }
}

/** Every reference's FOREIGN KEY, once all tables exist; stored rows that break one are named. */
async function addForeignKeys(client: PgSession, entities: readonly EntitySchema[]): Promise<void> {
  const byName = new Map(entities.map((e) => [e.name, e]));
  for (const entity of entities) {
    for (const statement of foreignKeyDdl(entity, byName)) {
      try {
        await client.query(statement);
      } catch (error) {
        if ((error as { code?: string }).code !== "23503") throw error;
        const field = entity.fields.find((f) => f.references !== undefined && statement.includes(`FOREIGN KEY (${quoteIdent(f.name)})`));
        throw new Error(
          `cannot enforce ${entity.name}.${field?.name ?? "?"} as a reference to ${field?.references ?? "?"}: stored ${entity.name} rows refer to ids that no ` +
            `${field?.references ?? "record"} has; fix or delete them first (${(error as Error).message})`,
        );
      }
    }
  }
}
