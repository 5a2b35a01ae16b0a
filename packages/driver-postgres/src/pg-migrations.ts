import { refuseTypeChange, type EntitySchema, type Migrations, type SchemaChange } from "@kova/query";
import { fitIdentifier, quoteIdent, type SqlFlavor } from "./pg-compiled.js";
import { backfillStatements, compositeIndexName, entityDdl, foreignKeyDdl, plainIndexName, staleCheckDrops, staleCommentDrops, uniqueIndexName, wantedIndexes } from "./pg-schema.js";

/**
 * `kova migrate` for PostgreSQL-family databases: the same idempotent DDL the driver runs at
 * start-up (create tables and history tables, add columns, indexes), plus the backfill of new
 * fields' defaults and the drop of indexes a field no longer wants. Dropped fields and entities keep
 * their data (history must stay readable), so they become comments.
 */
export function pgMigrations(flavor: SqlFlavor): Migrations {
  return {
    sql(changes: readonly SchemaChange[], entities: readonly EntitySchema[] = []): string[] {
      const out: string[] = [];
      const done = new Set<string>();
      const byName = new Map([...changes.map((c) => [c.entity.name, c.entity] as const), ...entities.map((e) => [e.name, e] as const)]);
      for (const change of changes) {
        if (change.kind === "alterConstraints") {
          out.push(...staleCommentDrops(change.entity, { doc: change.from.doc, fields: [] }));
          const wanted = wantedIndexes(change.entity);
          for (const [unique, list] of [[true, change.from.uniques ?? []], [false, change.from.indexes ?? []]] as const) {
            for (const fields of list) {
              const name = compositeIndexName(change.entity, unique, fields);
              if (!wanted.has(name)) out.push(flavor.dropIndex(name));
            }
          }
        }
        if (change.kind === "dropEntity") {
          out.push(`-- ${change.entity.name} removed: ${quoteIdent(change.entity.table)} and its history are kept`);
          continue;
        }
        if (change.kind === "dropField") {
          out.push(`-- ${change.entity.name}.${change.field.name} removed: its column and history are kept`);
          for (const name of [uniqueIndexName(change.entity, change.field.name), plainIndexName(change.entity, change.field.name)]) {
            out.push(flavor.dropIndex(fitIdentifier(name)));
          }
          // Its kept column no longer follows the field's rule (a new field may reuse the name).
          if (flavor.dialect === "postgres") out.push(...staleCheckDrops({ ...change.entity, fields: [] }, [change.field]));
          continue;
        }
        const entity = change.entity;
        if (change.kind === "alterField") {
          refuseTypeChange(change);
          const wanted = wantedIndexes(entity);
          for (const name of [uniqueIndexName(entity, change.to.name), plainIndexName(entity, change.to.name)]) {
            if (!wanted.has(name)) out.push(flavor.dropIndex(fitIdentifier(name)));
          }
          if (flavor.dialect === "postgres") out.push(...staleCheckDrops(entity, [change.from]));
          out.push(...staleCommentDrops(entity, { fields: [change.from] }));
        }
        if (!done.has(entity.name)) {
          done.add(entity.name);
          out.push(...entityDdl(entity, flavor));
        }
        if (change.kind === "addField") {
          for (const { text, values } of backfillStatements(entity, change.field)) out.push(inline(text, values));
        }
      }
      // References last, once every table they name exists.
      for (const name of done) out.push(...foreignKeyDdl(byName.get(name)!, byName));
      return out;
    },
  };
}

/** A migration file is read by people: parameters become SQL literals (strings quoted, never raw). */
function inline(text: string, values: unknown[]): string {
  return text.replace(/\$(\d+)/g, (_, n: string) => literal(values[Number(n) - 1]));
}

function literal(value: unknown): string {
  if (value === null || value === undefined) return "NULL";
  if (typeof value === "number") return Number.isFinite(value) ? String(value) : "NULL";
  if (typeof value === "boolean") return value ? "TRUE" : "FALSE";
  const text = typeof value === "string" ? value : JSON.stringify(value);
  return `'${text.replace(/'/g, "''")}'`;
}
