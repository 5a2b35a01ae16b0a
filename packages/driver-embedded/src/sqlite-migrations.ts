import { refuseTypeChange, type Migrations, type SchemaChange } from "@kova/query";
import { historyTable, quoteIdent } from "./sqlite-compiled.js";
import { addColumnStatements, compositeIndexStatements, createTableStatements, fieldIndexNames, fieldIndexStatements } from "./sqlite-schema.js";

/**
 * `kova migrate` for the embedded store: the same DDL the driver runs at start-up, as files a
 * person can read and review. Dropped fields and entities keep their data (the history of a row
 * must stay readable), so drops only remove indexes; type changes are refused, as at start-up.
 */
export const sqliteMigrations: Migrations = {
  sql(changes: readonly SchemaChange[]): string[] {
    const out: string[] = [];
    for (const change of changes) {
      switch (change.kind) {
        case "createEntity":
          out.push(...createTableStatements(change.entity));
          for (const field of change.entity.fields) out.push(...fieldIndexStatements(change.entity, field));
          out.push(...compositeIndexStatements(change.entity).values());
          break;
        case "alterConstraints": {
          const wanted = compositeIndexStatements(change.entity);
          for (const name of compositeIndexStatements(change.from).keys()) if (!wanted.has(name)) out.push(`DROP INDEX IF EXISTS ${quoteIdent(name)}`);
          out.push(...wanted.values());
          break;
        }
        case "addField":
          out.push(...addColumnStatements(change.entity, change.field), ...fieldIndexStatements(change.entity, change.field));
          break;
        case "alterField":
          refuseTypeChange(change);
          for (const name of fieldIndexNames(change.entity, change.to.name)) out.push(`DROP INDEX IF EXISTS ${quoteIdent(name)}`);
          out.push(...fieldIndexStatements(change.entity, change.to));
          break;
        case "dropField":
          out.push(`-- ${change.entity.name}.${change.field.name} removed: its column and history are kept`);
          for (const name of fieldIndexNames(change.entity, change.field.name)) out.push(`DROP INDEX IF EXISTS ${quoteIdent(name)}`);
          break;
        case "dropEntity":
          out.push(`-- ${change.entity.name} removed: ${quoteIdent(change.entity.table)} and ${quoteIdent(historyTable(change.entity))} are kept`);
          break;
      }
    }
    return out;
  },
};
