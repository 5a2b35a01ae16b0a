/**
 * The entities a driver stores, learned once from `migrate(entities)` (the data source's
 * `entities` in the generated app). Compiled queries name their entity (`plan.entity`) rather
 * than carry its schema, so the generated app holds each schema once, not once per query.
 */
import type { EntitySchema } from "./plan.js";

export class EntitySchemas {
  private readonly byName = new Map<string, EntitySchema>();

  constructor(
    /** The data source, for the message when a query names an entity never migrated. */
    private readonly source: string,
    /** Where to look when migrate() did not run in this process (the embedded store reads its own record). */
    private readonly fallback?: (name: string) => EntitySchema | undefined,
  ) {}

  remember(entities: readonly EntitySchema[]): void {
    for (const entity of entities) this.byName.set(entity.name, entity);
  }

  /** The entity, or undefined when this data source does not keep it (a reference to another source's). */
  find(name: string): EntitySchema | undefined {
    let entity = this.byName.get(name);
    if (entity === undefined && this.fallback !== undefined) {
      entity = this.fallback(name);
      if (entity !== undefined) this.byName.set(name, entity);
    }
    return entity;
  }

  /** The entity stored in `table` (a database error names the table), among those migrate() gave. */
  byTable(table: string): EntitySchema | undefined {
    for (const entity of this.byName.values()) if (entity.table === table) return entity;
    return undefined;
  }

  get(name: string): EntitySchema {
    let entity = this.byName.get(name);
    if (entity === undefined && this.fallback !== undefined) {
      entity = this.fallback(name);
      if (entity !== undefined) this.byName.set(name, entity);
    }
    if (entity === undefined) {
      throw new Error(`data source "${this.source}" has no entity ${name}: a driver learns its entities from migrate(), which must run first`);
    }
    return entity;
  }
}
