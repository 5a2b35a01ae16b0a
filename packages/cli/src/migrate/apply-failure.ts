import { checkViolationMessage, type EntitySchema } from "@kova/query";
import type { MigrationFile } from "./migration-files.js";

const QUOTED = String.raw`["\x60]([^"\x60]+)["\x60]`;
const CREATE_UNIQUE = new RegExp(String.raw`^CREATE UNIQUE INDEX (?:IF NOT EXISTS )?${QUOTED} ON ${QUOTED} \(${QUOTED}\)`, "i");
const ADD_UNIQUE = new RegExp(String.raw`^ALTER TABLE ${QUOTED} ADD UNIQUE (?:KEY |INDEX )?${QUOTED} \(${QUOTED}`, "i");
/** How SQLite, PostgreSQL and MySQL/MariaDB word a duplicate found while building a unique index. */
const DUPLICATES = /UNIQUE constraint failed|could not create unique index|is duplicated|Duplicate entry|ER_DUP_ENTRY|already share a value/i;

interface UniqueIndex {
  index: string;
  table: string;
  column: string;
}

function uniqueIndexes(file: MigrationFile): UniqueIndex[] {
  const found: UniqueIndex[] = [];
  for (const statement of file.statements) {
    const created = CREATE_UNIQUE.exec(statement.trim());
    if (created) found.push({ index: created[1], table: created[2], column: created[3] });
    const added = ADD_UNIQUE.exec(statement.trim());
    if (added) found.push({ table: added[1], index: added[2], column: added[3] });
  }
  return found;
}

/**
 * The message for a file that failed: when stored rows break a UNIQUE the file adds, the same
 * sentence app start-up gives ("cannot make Item.name UNIQUE: stored rows already share a value"),
 * naming the entity and field from the snapshot; otherwise the database's own reason.
 */
export function describeApplyFailure(source: string, file: MigrationFile, error: unknown, entities: readonly EntitySchema[]): string {
  const reason = error instanceof Error ? error.message : String(error);
  const notApplied = `${file.name} was not applied`;
  // A new or changed CHECK over stored rows that break it: the constraint's name says which field.
  const broken = checkViolationMessage(reason, entities, "postgres") ?? checkViolationMessage(reason, entities, "mysql");
  if (broken !== undefined) return `${source}: ${broken} (${notApplied})`;
  if (DUPLICATES.test(reason)) {
    const candidates = uniqueIndexes(file);
    const named = candidates.find((u) => reason.includes(u.index) || reason.includes(`${u.table}.${u.column}`));
    const unique = named ?? (candidates.length === 1 ? candidates[0] : undefined);
    if (unique !== undefined) {
      const entity = entities.find((e) => e.table === unique.table);
      const field = entity?.fields.find((f) => f.name === unique.column)?.name ?? unique.column;
      return (
        `${source}: cannot make ${entity?.name ?? unique.table}.${field} UNIQUE: stored rows already share a value; ` +
        `remove or change the duplicates, then run kova migrate apply again (${notApplied}; the database said: ${reason})`
      );
    }
  }
  return `${source}: ${reason}${reason.includes(file.name) ? "" : ` (${notApplied})`}`;
}
