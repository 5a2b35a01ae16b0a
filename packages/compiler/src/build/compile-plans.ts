import { isSoftDeleteEntity, isVersionedIdentifier, readModelsOf, type CompiledQuery, type Dialect, type EntitySchema } from "@kova/query";
import { diagnostic, type Diagnostic } from "../diagnostics/diagnostic.js";
import type { AppModel } from "../ir/nodes.js";
import { driverLimitDiagnostics } from "./atomicity.js";
import { changeEventDiagnostics } from "./change-events.js";
import { encryptedPlanDiagnostics } from "./encrypted-plans.js";
import { compileRoutines, type Routine } from "../emit/plpgsql/index.js";

export interface CompiledPlans {
  /** Each query's statement, by query id (missing for the refused ones). */
  compiled: Map<string, CompiledQuery>;
  /** One diagnostic per query a dialect refused, at the query's span. */
  diagnostics: Diagnostic[];
  /** The PL/pgSQL function of each `ACTION … IN DATABASE`, by action name (emit/plpgsql). */
  routines: Map<string, Routine>;
}

/**
 * Compiles every query plan with the dialect of the data source it runs on, before any back end
 * prints. A dialect refuses a plan it cannot run (it throws, e.g. a range scan on a key-value store);
 * every refusal becomes a diagnostic with the query's span, so all of them are reported at once.
 * What a driver cannot promise (rollback, constraints) is refused here too (atomicity.ts).
 */
export function compilePlans(app: AppModel, dialects: ReadonlyMap<string, Dialect>): CompiledPlans {
  const entities = new Map<string, EntitySchema>(app.entities.map((e) => [e.name, e]));
  const driverOf = new Map(app.dataSources.map((s) => [s.name, s.driver]));
  const compiled = new Map<string, CompiledQuery>();
  const diagnostics: Diagnostic[] = [];
  for (const q of app.queries) {
    const driver = driverOf.get(q.source)!;
    const dialect = dialects.get(driver);
    if (!dialect) continue; // the caller reports drivers it could not load
    // A read model is recomputed in its source's write transactions: a driver without them cannot keep it.
    const model = readModelTouched(q.entity, app.entities);
    if (model !== undefined && dialect.limits?.transactions !== undefined) {
      diagnostics.push(
        diagnostic("ReadModelNotSupportedByDriver", q.span, `READ MODEL ${model.name} is kept in step in the transactions of ${model.readModel!.source}'s writes, but data source '${q.source}' runs on ${driver}: ${dialect.limits.transactions}`, {
          suggestion: `keep ${model.readModel!.source} and ${model.name} in a SQL data source (the embedded store, PostgreSQL, MySQL/MariaDB)`,
        }),
      );
      continue;
    }
    // A VERSIONED identifier is claimed in a table of its own, in the write's transaction, under a UNIQUE index.
    const unable = dialect.limits?.transactions ?? dialect.limits?.constraints;
    if (isVersionedIdentifier(entities.get(q.entity)) && unable !== undefined) {
      diagnostics.push(
        diagnostic("VersionedIdentifierNotSupportedByDriver", q.span, `${q.entity}'s IDENTIFIER is VERSIONED, but data source '${q.source}' runs on ${driver}: ${unable}`, {
          suggestion: `keep ${q.entity} in a SQL data source (the embedded store, PostgreSQL, MySQL/MariaDB), or leave VERSIONED out (its identifier is then stable)`,
        }),
      );
      continue;
    }
    if (q.plan.tenant !== undefined && dialect.limits?.tenants !== undefined) {
      diagnostics.push(diagnostic("TenantNotSupportedByDriver", q.span, `${q.entity} is scoped to tenants, but data source '${q.source}' runs on ${driver}: ${dialect.limits.tenants}`, { suggestion: `keep ${q.entity} in a SQL data source` }));
      continue;
    }
    try {
      compiled.set(q.id, dialect.compile(q.plan, entities));
    } catch (error) {
      // A SOFT DELETE entity's plans test deleted_at besides what the source says: tell the user why.
      const soft = isSoftDeleteEntity(entities.get(q.entity)) ? ` (${q.entity} is SOFT DELETE, so each of its queries also tests deleted_at; see docs/entities.md, "Soft delete")` : "";
      const why = (error instanceof Error ? error.message : String(error)) + soft;
      diagnostics.push(diagnostic("QueryNotSupportedByDriver", q.span, why, { suggestion: `move ${q.entity} to a data source whose driver can run this query, or change the query` }));
    }
  }
  diagnostics.push(...driverLimitDiagnostics(app, dialects));
  diagnostics.push(...changeEventDiagnostics(app, dialects));
  diagnostics.push(...encryptedPlanDiagnostics(app, dialects));
  // After the queries: an action's function runs their compiled statements.
  const routines = compileRoutines(app, compiled);
  diagnostics.push(...routines.diagnostics);
  return { compiled, diagnostics, routines: routines.routines };
}

/** The read model a query of `entity` reads (the model itself) or keeps in step (a write of its source). */
function readModelTouched(entity: string, entities: readonly EntitySchema[]): EntitySchema | undefined {
  const own = entities.find((e) => e.name === entity);
  if (own?.readModel !== undefined) return own;
  return readModelsOf(entity, entities)[0];
}
