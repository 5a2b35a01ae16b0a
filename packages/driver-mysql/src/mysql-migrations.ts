/**
 * `kova migrate` for MySQL/MariaDB: the same DDL `migrate()` runs at start-up, as files a person
 * can read and review. Each change is turned into SQL by comparing the entity before and after it
 * with `ddlFor`, so files and start-up migrations never disagree. Dropped fields and entities keep
 * their data (a row's history must stay readable): drops only remove indexes. Type changes are
 * refused, as at start-up.
 */
import { refuseTypeChange, type EntitySchema, type FieldSchema, type Migrations, type SchemaChange } from "@kova/query";
import { historyTable, quoteIdent } from "./mysql-compiled.js";
import { ddlFor, tableStatesOf } from "./mysql-schema.js";

/** ddlFor's statements for `after`, given tables shaped like `before` (without the _kova_schema one). */
function evolve(before: EntitySchema, after: EntitySchema, all: readonly EntitySchema[]): string[] {
  return ddlFor([after], { existing: tableStatesOf(before, all), all }).slice(1);
}

function withField(entity: EntitySchema, name: string, field: FieldSchema | undefined): EntitySchema {
  const fields = entity.fields.flatMap((f) => (f.name !== name ? [f] : field === undefined ? [] : [field]));
  return { ...entity, fields };
}

export const mysqlMigrations: Migrations = {
  sql(changes: readonly SchemaChange[], declared: readonly EntitySchema[] = []): string[] {
    const out: string[] = [];
    const all = [...declared, ...changes.map((c) => c.entity).filter((e) => !declared.some((d) => d.name === e.name))];
    // New tables first, then their FOREIGN KEYs (which may name each other's tables).
    const created = changes.flatMap((c) => (c.kind === "createEntity" ? [c.entity] : []));
    if (created.length > 0) {
      const ddl = ddlFor(created, { all }).slice(1);
      out.push(...ddl.filter((s) => !s.includes(" FOREIGN KEY ")), ...ddl.filter((s) => s.includes(" FOREIGN KEY ")));
    }
    for (const change of changes) {
      switch (change.kind) {
        case "createEntity":
          break;
        case "addField":
          out.push(...evolve(withField(change.entity, change.field.name, undefined), change.entity, all));
          break;
        case "alterField":
          refuseTypeChange(change);
          out.push(...evolve(withField(change.entity, change.to.name, change.from), change.entity, all));
          break;
        case "alterConstraints":
          out.push(...evolve(change.from, change.entity, all));
          break;
        case "dropField":
          out.push(`-- ${change.entity.name}.${change.field.name} removed: its column and history are kept`);
          out.push(...evolve(change.entity, withField(change.entity, change.field.name, undefined), all));
          break;
        case "dropEntity":
          out.push(`-- ${change.entity.name} removed: ${quoteIdent(change.entity.table)} and ${quoteIdent(historyTable(change.entity))} are kept`);
          break;
      }
    }
    return out;
  },
};
