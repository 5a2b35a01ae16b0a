/**
 * References enforced on delete, the same for every SQL driver: before records of an entity are
 * deleted, the records of the same data source that refer to them are dealt with as each reference
 * declares (`ON DELETE`): `restrict` (the default) refuses with a 409 naming the reference,
 * `cascade` deletes them too and `setNull` clears the reference. Cascades and SET NULL run as
 * ordinary compiled writes, so every record they remove or change gets its history version
 * (operation `delete` / `update`), exactly as if the endpoint had written it.
 *
 * The statements are compiled here, at run time, with the driver's own dialect, from the schemas
 * `migrate()` was given (and cached): a cascade can recurse through its data (a comment's replies'
 * replies), which no fixed list of statements written at build time could follow. The caller runs
 * the whole in one transaction (the endpoint's, or one of its own), so a refusal keeps nothing.
 *
 * Inserts and updates that name a missing parent are refused by the database's FOREIGN KEY
 * (PostgreSQL, MySQL) or by the embedded store's runner, which checks the parent in the same
 * transaction.
 */
import { QueryError, type CompiledQuery, type Dialect, type EntitySchema, type FieldSchema, type OnDelete, type QueryPlan } from "@kova/query";

type Run = (query: CompiledQuery, args: readonly unknown[]) => Promise<unknown>;

interface Dependent {
  entity: EntitySchema;
  field: FieldSchema;
  action: OnDelete;
}

export class References {
  private readonly entities = new Map<string, EntitySchema>();
  /** Who refers to each entity (same data source only). */
  private readonly dependents = new Map<string, Dependent[]>();
  private readonly compiled = new Map<string, CompiledQuery>();
  private readonly targets = new WeakMap<CompiledQuery, CompiledQuery>();

  constructor(private readonly dialect: Dialect) {}

  remember(entities: readonly EntitySchema[]): void {
    for (const entity of entities) this.entities.set(entity.name, entity);
    this.dependents.clear();
    this.compiled.clear();
    for (const entity of this.entities.values()) {
      for (const field of entity.fields) {
        if (field.references === undefined || !this.entities.has(field.references)) continue;
        const list = this.dependents.get(field.references) ?? [];
        list.push({ entity, field, action: field.onDelete ?? "restrict" });
        this.dependents.set(field.references, list);
      }
    }
  }

  /** Whether running `query` must first deal with records that refer to the ones it deletes. */
  guards(query: CompiledQuery): boolean {
    return query.plan.kind === "delete" && this.dependents.has(query.plan.entity);
  }

  /** Runs delete `query`, dealing first with the records that refer to the ones it deletes. */
  async delete(query: CompiledQuery, args: readonly unknown[], run: Run): Promise<unknown> {
    await this.beforeDelete(query, args, run, new Map());
    return run(query, args);
  }

  private async beforeDelete(query: CompiledQuery, args: readonly unknown[], run: Run, deleting: Map<string, Set<number>>): Promise<void> {
    const plan = query.plan;
    if (plan.kind !== "delete") return;
    const dependents = this.dependents.get(plan.entity);
    if (dependents === undefined) return;
    const seen = deleting.get(plan.entity) ?? new Set<number>();
    deleting.set(plan.entity, seen);
    // Ids already being deleted higher up (a cycle of references) are not visited twice.
    const ids = idsOf(await run(this.targetsOf(query), args)).filter((id) => !seen.has(id));
    if (ids.length === 0) return;
    for (const id of ids) seen.add(id);
    // Every RESTRICT first, so a refused delete has run nothing else.
    for (const d of dependents) {
      if (d.action !== "restrict") continue;
      const found = await run(this.statement(d, "restrict"), [ids]);
      if (Array.isArray(found) && found.length > 0) {
        throw new QueryError(
          `cannot delete this ${plan.entity}: a ${d.entity.name} refers to it by ${d.field.name} (ON DELETE RESTRICT); delete or change that ${d.entity.name} first`,
          409,
          d.field.name,
          [d.field.name],
        );
      }
    }
    for (const d of dependents) {
      if (d.action === "restrict") continue;
      const statement = this.statement(d, d.action);
      if (d.action === "cascade") await this.beforeDelete(statement, [ids], run, deleting);
      await run(statement, [ids]);
    }
  }

  /** The ids a delete will remove: its own WHERE, as a select of ids. */
  private targetsOf(query: CompiledQuery): CompiledQuery {
    let targets = this.targets.get(query);
    if (targets === undefined) {
      const plan = query.plan as Extract<QueryPlan, { kind: "delete" }>;
      targets = this.compile({ kind: "select", entity: plan.entity, fields: [], where: plan.where, orderBy: [], limit: null, offset: null, asOf: null, single: false });
      this.targets.set(query, targets);
    }
    return targets;
  }

  /** `field IN $ids` on the referring entity: a probe (restrict), a delete (cascade) or SET field = null. */
  private statement(d: Dependent, action: OnDelete): CompiledQuery {
    const key = `${action}:${d.entity.name}.${d.field.name}`;
    let compiled = this.compiled.get(key);
    if (compiled === undefined) {
      const where = { kind: "in" as const, left: { kind: "field" as const, field: d.field.name }, right: { kind: "arg" as const, index: 0 } };
      const entity = d.entity.name;
      compiled = this.compile(
        action === "restrict"
          ? { kind: "select", entity, fields: [], where, orderBy: [], limit: { kind: "literal", value: 1 }, offset: null, asOf: null, single: false }
          : action === "cascade"
            ? { kind: "delete", entity, where, single: false }
            : { kind: "update", entity, where, single: false, values: { kind: "fields", fields: [{ field: d.field.name, value: { kind: "literal", value: null } }] } },
      );
      this.compiled.set(key, compiled);
    }
    return compiled;
  }

  private compile(plan: QueryPlan): CompiledQuery {
    return this.dialect.compile(plan, this.entities);
  }
}

function idsOf(rows: unknown): number[] {
  if (!Array.isArray(rows)) return [];
  return rows.map((row) => Number((row as { id: unknown }).id));
}
