/**
 * `ENTITY Article PUBLIC ID uuid IDENTIFIER slug(title) { … }` (docs/entities.md, "Human-readable
 * identifiers"): the trinity pattern's third part. Every record gets a field `identifier`, the
 * slug of the named fields when it is inserted (`Hello, World!` → `hello-world`), UNIQUE (per
 * tenant on a TENANT BY entity), with `-2`, `-3`… when another record already holds it, and kept
 * when the fields change later (stable: links people shared keep working). Routes and queries
 * read it like any field (`WHERE identifier = $identifier`).
 *
 * Uniqueness without a race, the same on every driver: the database's UNIQUE index decides. An
 * insert tries the plain slug; when the driver answers that another record holds it (the 409 of
 * a UNIQUE violation naming `identifier`), it tries again with the next free suffix. Inside a
 * transaction each statement runs under a savepoint (every SQL driver), so the failed attempt
 * undoes itself alone. Two concurrent inserts of one title both succeed: the loser of the index
 * race simply takes the next number. Three steps:
 * - rewriteIdentifier (the compiler runs it on every plan): writes of the entity carry
 *   `values.identifier`, so the record codec ignores a client's identifier and an insert makes it;
 * - the record codec (values/write-record.ts) makes `base` or `base-<attempt>`;
 * - identifierDriver (the runtime wraps every driver with it): on the identifier's 409 it reads
 *   which suffixes are taken and runs the insert again with the next attempt.
 *
 * `IDENTIFIER slug(title) VERSIONED`: the identifier follows its fields. Every identifier a record
 * is given is first claimed in the entity's identifier table (identifier-table.ts), whose UNIQUE
 * index keeps current and retired identifiers apart from every other record's; an update that
 * changes the fields gives each record it changes its new identifier in the same statement
 * (identifier-versions.ts), and a query that finds nothing by a retired identifier is run again
 * with the current one of the record that held it. Records made before their entity had an
 * IDENTIFIER get theirs when the data source is migrated (backfillIdentifiers).
 */
import { withExecute } from "./driver-view.js";
import type { CompiledQuery, Driver } from "./driver.js";
import { IDENTIFIER_FIELD, identifierFieldOf, identifierRule, identifierTable, identifierTables, IdentifierStatements } from "./identifier-table.js";
import { aliasedQuery, versionedInsert, versionedUpdate } from "./identifier-versions.js";
import type { EntitySchema, FieldSchema, Filter, QueryPlan, SelectPlan, WriteValues } from "./plan.js";
import { tenantField } from "./tenant-scope.js";
import { identifierBase } from "./values/computed-defaults.js";
import { operandValue } from "./values/write-record.js";

/** The ways an identifier can be made (`IDENTIFIER slug(…)`). */
export const IDENTIFIER_KINDS: readonly string[] = ["slug"];

/** Inserts give up after this many identifiers taken by others in a row (a 409 naming identifier). */
export const MAX_IDENTIFIER_ATTEMPTS = 100;

/**
 * The identifier's field: text in the slug rich type's canonical form, required, UNIQUE on its own
 * (or, `perTenant`, with the tenant column: the checker adds that composite UNIQUE), made from
 * `from` on insert; `empty` when those fields give no slug; `versioned` when it follows them.
 */
export function identifierField(from: readonly string[], empty: string, perTenant: boolean, versioned = false): FieldSchema {
  const computed = versioned ? { identifier: [...from], empty, versioned: true as const } : { identifier: [...from], empty };
  return { name: IDENTIFIER_FIELD, type: "string", optional: false, unique: !perTenant, index: false, rich: { name: "slug" }, computed };
}

/** The plan as it writes an IDENTIFIER entity; plans of other entities, and reads, are returned as they are. */
export function rewriteIdentifier(plan: QueryPlan, entity: (name: string) => EntitySchema | undefined): QueryPlan {
  if (identifierFieldOf(entity(plan.entity)) === undefined) return plan;
  switch (plan.kind) {
    case "insert":
    case "save":
    case "update":
      return { ...plan, values: { ...plan.values, identifier: { attempt: 1 } } };
    default:
      return plan;
  }
}

/** Whether `error` is a driver's 409 saying another record already holds the identifier. */
export function identifierTaken(error: unknown): boolean {
  const e = error as { name?: unknown; status?: unknown; field?: unknown; fields?: unknown } | null;
  if (e === null || typeof e !== "object" || e.name !== "QueryError" || e.status !== 409) return false;
  const fields = Array.isArray(e.fields) ? (e.fields as unknown[]) : [e.field];
  return fields.includes(IDENTIFIER_FIELD);
}

/** The value the write gives a field (`$body`'s key, or a listed field's value), as the codec reads it; undefined when it gives none. */
export function writtenValue(values: WriteValues, args: readonly unknown[], name: string): unknown {
  if (values.kind === "object") {
    const object = operandValue(values.operand, args);
    return object !== null && typeof object === "object" ? (object as Record<string, unknown>)[name] : undefined;
  }
  const listed = values.fields.find((f) => f.field === name);
  // `SET title = subtitle`: computed by the database, so not known here (the caller reads the row).
  if (listed === undefined || (listed.value.kind !== "arg" && listed.value.kind !== "literal")) return undefined;
  return operandValue(listed.value, args);
}

/**
 * The read of the identifiers already made from `base` (`base` itself and `base-…`), within the
 * caller's tenant on a TENANT BY entity: args are [base, `base-%`, tenant]. Not scoped by soft
 * delete: a deleted record still holds its identifier.
 */
function takenPlan(entity: EntitySchema): SelectPlan {
  const own = (index: number) => ({ kind: "arg", index }) as const;
  const field = { kind: "field", field: IDENTIFIER_FIELD } as const;
  const made: Filter = { kind: "or", items: [{ kind: "compare", op: "==", left: field, right: own(0) }, { kind: "like", left: field, right: own(1) }] };
  const tenant = tenantField(entity);
  const where: Filter = tenant === undefined ? made : { kind: "and", items: [made, { kind: "compare", op: "==", left: { kind: "field", field: tenant.name }, right: own(2) }] };
  return {
    kind: "select", entity: entity.name, fields: [IDENTIFIER_FIELD], where, orderBy: [], limit: null, offset: null, asOf: null, single: false,
    ...(tenant === undefined ? {} : { tenant: own(2) }),
  };
}

/** Whether `identifier` was made from `base`: `base` itself or `base-<n>`. */
export function madeFrom(base: string, identifier: unknown): identifier is string {
  return identifier === base || (typeof identifier === "string" && identifier.startsWith(`${base}-`) && /^\d+$/.test(identifier.slice(base.length + 1)));
}

/** The highest suffix among identifiers made from `base` (`base` itself counts as 1; none: 0). */
export function highestSuffix(base: string, taken: readonly unknown[]): number {
  let highest = 0;
  for (const value of taken) {
    if (value === base) highest = Math.max(highest, 1);
    else if (madeFrom(base, value)) highest = Math.max(highest, Number(value.slice(base.length + 1)));
  }
  return highest;
}

/** What the runtime's identifier work needs of a data source: its entities, compiled statements, and each entity's reads of taken identifiers. */
export class IdentifierContext {
  readonly byName: Map<string, EntitySchema>;
  private readonly reads = new Map<string, CompiledQuery | null>();
  private readonly versions = new Map<string, IdentifierStatements>();

  constructor(
    readonly driver: Driver,
    entities: readonly EntitySchema[],
  ) {
    this.byName = new Map(identifierTables(entities).map((e) => [e.name, e]));
  }

  compile(plan: QueryPlan): CompiledQuery {
    return this.driver.dialect.compile(plan, this.byName);
  }

  /** The entity's read of taken identifiers, compiled on first need (null: the dialect cannot; the suffixes are then tried one by one). */
  takenRead(entity: EntitySchema): CompiledQuery | null {
    if (!this.reads.has(entity.name)) {
      let compiled: CompiledQuery | null = null;
      try {
        compiled = this.compile(takenPlan(entity));
      } catch {
        // A store without LIKE.
      }
      this.reads.set(entity.name, compiled);
    }
    return this.reads.get(entity.name) ?? null;
  }

  /** The statements of a VERSIONED entity's identifier table (undefined for any other entity). */
  statements(entity: EntitySchema): IdentifierStatements | undefined {
    let statements = this.versions.get(entity.name);
    if (statements === undefined) {
      const table = identifierTable(entity);
      if (table === undefined) return undefined;
      this.versions.set(entity.name, (statements = new IdentifierStatements(entity, table, (plan) => this.compile(plan))));
    }
    return statements;
  }
}

/**
 * The driver as the app uses it: an insert (or a SAVE making a record) of an IDENTIFIER entity
 * whose identifier another record holds is run again with the next free suffix, up to
 * MAX_IDENTIFIER_ATTEMPTS times; a VERSIONED entity's writes and lookups also go through its
 * identifier table (identifier-versions.ts); everything else is the driver's own (driver-view.ts).
 */
export function identifierDriver(driver: Driver, entities: readonly EntitySchema[]): Driver {
  if (!entities.some((e) => identifierFieldOf(e) !== undefined)) return driver;
  const context = new IdentifierContext(driver, entities);

  return withExecute(driver, (inner) => async (query, args) => {
    const plan = query.plan;
    const entity = context.byName.get(plan.entity);
    const rule = identifierRule(entity);
    if (entity === undefined || rule === undefined) return inner(query, args);
    const statements = context.statements(entity);
    if (statements !== undefined) {
      if (plan.kind === "insert" && plan.values.identifier !== undefined && plan.values.identifier.value === undefined) return versionedInsert(statements, inner, driver, query, args);
      if (plan.kind === "update" && plan.values.identifier !== undefined && plan.values.identifier.value === undefined) return versionedUpdate(statements, inner, driver, (p) => context.compile(p), query, args);
      return aliasedQuery(statements, inner, query, args);
    }
    if ((plan.kind !== "insert" && plan.kind !== "save") || plan.values.identifier === undefined) return inner(query, args);
    const first = plan.values.identifier.attempt;
    let attempt = first;
    for (let tries = 1; ; tries++) {
      const attemptQuery = attempt === first ? query : { ...query, plan: { ...plan, values: { ...plan.values, identifier: { attempt } } } };
      try {
        return await inner(attemptQuery, args);
      } catch (error) {
        if (!identifierTaken(error) || tries >= MAX_IDENTIFIER_ATTEMPTS) throw error;
      }
      // Taken: start from the highest suffix made so far (a read; without one, the next number).
      let next = attempt + 1;
      const read = context.takenRead(entity);
      if (read !== null) {
        const base = identifierBase(rule.identifier.map((name) => writtenValue(plan.values, args, name)), rule.empty);
        const tenant = plan.tenant === undefined ? null : operandValue(plan.tenant, args);
        const rows = (await inner(read, [base, `${base}-%`, tenant])) as Array<Record<string, unknown>>;
        next = Math.max(next, highestSuffix(base, rows.map((r) => r[IDENTIFIER_FIELD])) + 1);
      }
      attempt = next;
    }
  });
}
