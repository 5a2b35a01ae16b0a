/**
 * The runtime's part of `IDENTIFIER slug(title) VERSIONED` (docs/entities.md, "Versioned
 * identifiers"), and of records that have no identifier yet. Every identifier a VERSIONED entity's
 * record gets is first claimed in the entity's identifier table (identifier-table.ts), so none is
 * ever given to two records, current or retired:
 * - an insert claims `base` (then `base-2`, … on a 409), inserts the record with that identifier,
 *   and writes the new record's key into the claim;
 * - an update that may change the fields the identifier is made from reads the rows it will
 *   change, works out each one's new identifier (kept when it was made from the same slug; one the
 *   record had before, taken back; else a new claim) and updates each row with it, one statement
 *   per row, so each change is one version with its new identifier;
 * - a query comparing `identifier` with a value that finds nothing is run again with the current
 *   identifier of the record that held that value, so old links keep finding the record (whose
 *   `identifier` then shows the current one: the endpoint can redirect).
 * Several statements, so each runs in one transaction (the endpoint's when there is one).
 *
 * backfillIdentifiers gives records made before their entity had an IDENTIFIER theirs, by the
 * same rule as an insert, when a data source is migrated.
 */
import type { CompiledQuery, Driver } from "./driver.js";
import { IdentifierContext, identifierTaken, highestSuffix, madeFrom, MAX_IDENTIFIER_ATTEMPTS, writtenValue } from "./identifier.js";
import { IDENTIFIER_FIELD, identifierRule, type IdentifierStatements } from "./identifier-table.js";
import type { EntitySchema, Filter, InsertPlan, Operand, QueryPlan, SelectPlan, UpdatePlan, WriteValues } from "./plan.js";
import { tenantField } from "./tenant-scope.js";
import { identifierBase, identifierCandidate } from "./values/computed-defaults.js";
import { operandValue } from "./values/write-record.js";

type Run = (query: CompiledQuery, args: readonly unknown[]) => Promise<unknown>;
type Row = Record<string, unknown>;

const arg = (index: number): Operand => ({ kind: "arg", index });
const idIs = (index: number): Filter => ({ kind: "compare", op: "==", left: { kind: "field", field: "id" }, right: arg(index) });
const both = (a: Filter | null, b: Filter): Filter => (a === null ? b : { kind: "and", items: [a, b] });

function tenantOf(plan: QueryPlan, args: readonly unknown[]): unknown {
  return plan.tenant === undefined ? null : operandValue(plan.tenant, args);
}

/** The suffix number of an identifier made from `base` (`base` itself: 1). */
function suffixOf(base: string, identifier: string): number {
  return identifier === base ? 1 : Number(identifier.slice(base.length + 1));
}

/**
 * Claims the first free identifier made from `base`, from attempt `from` on, for `record` (null:
 * the record is not made yet) and returns it. Taken ones are skipped past the highest suffix made.
 */
async function claim(s: IdentifierStatements, run: Run, base: string, record: unknown, tenant: unknown, from = 1): Promise<string> {
  let attempt = from;
  for (let tries = 1; ; tries++) {
    const candidate = identifierCandidate(base, attempt);
    try {
      await run(s.claim(), [candidate, record, tenant]);
      return candidate;
    } catch (error) {
      if (!identifierTaken(error) || tries >= MAX_IDENTIFIER_ATTEMPTS) throw error;
    }
    const taken = (await run(s.taken(), [base, `${base}-%`, tenant])) as Row[];
    attempt = Math.max(attempt + 1, highestSuffix(base, taken.map((r) => r[IDENTIFIER_FIELD])) + 1);
  }
}

// Per app insert: the same statement storing the identifier passed after the request's own arguments (by argument count).
const stampedInserts = new WeakMap<CompiledQuery, Map<number, CompiledQuery>>();

function stampedInsert(query: CompiledQuery, plan: InsertPlan, argCount: number): CompiledQuery {
  let byCount = stampedInserts.get(query);
  if (byCount === undefined) stampedInserts.set(query, (byCount = new Map()));
  let stamped = byCount.get(argCount);
  if (stamped === undefined) byCount.set(argCount, (stamped = { ...query, plan: { ...plan, values: { ...plan.values, identifier: { attempt: 1, value: arg(argCount) } } } }));
  return stamped;
}

/** An insert into a VERSIONED entity: claim, insert with the claimed identifier, give the claim the new record's key. */
export async function versionedInsert(s: IdentifierStatements, run: Run, driver: Driver, query: CompiledQuery, args: readonly unknown[]): Promise<unknown> {
  if (query.plan.kind !== "insert") return run(query, args);
  const plan: InsertPlan = query.plan;
  const rule = identifierRule(s.entity)!;
  const base = identifierBase(
    rule.identifier.map((name) => writtenValue(plan.values, args, name)),
    rule.empty,
  );
  const tenant = tenantOf(plan, args);
  const stamped = stampedInsert(query, plan, args.length);
  return driver.transaction(async () => {
    let from = 1;
    for (let tries = 1; ; tries++) {
      const identifier = await claim(s, run, base, null, tenant, from);
      let row: unknown;
      try {
        row = await run(stamped, [...args, identifier]);
      } catch (error) {
        // Best effort: after a deadlock the database has already rolled the claim back with the rest.
        await run(s.unclaim(), [identifier, null, tenant]).catch(() => undefined);
        // Held by a record the table does not list yet (made before the entity was VERSIONED): the next one.
        if (identifierTaken(error) && tries < MAX_IDENTIFIER_ATTEMPTS) {
          from = suffixOf(base, identifier) + 1;
          continue;
        }
        throw error;
      }
      await run(s.link(), [identifier, (row as Row).id, tenant]);
      return row;
    }
  });
}

/** Whether the write may set field `name` (a key of `$body`, or a listed field). */
function mayWrite(values: WriteValues, args: readonly unknown[], name: string): boolean {
  if (values.kind === "fields") return values.fields.some((f) => f.field === name);
  const object = operandValue(values.operand, args);
  return object !== null && typeof object === "object" && (object as Row)[name] !== undefined;
}

/** The value field `name` of `row` has after the write. */
function valueAfter(values: WriteValues, args: readonly unknown[], row: Row, name: string): unknown {
  if (values.kind === "fields") {
    const listed = values.fields.find((f) => f.field === name);
    if (listed === undefined) return row[name];
    if (listed.value.kind === "field") return row[listed.value.field];
    if (listed.value.kind !== "arg" && listed.value.kind !== "literal") return row[name];
  }
  const written = writtenValue(values, args, name);
  return written === undefined ? row[name] : written;
}

/**
 * The identifier `row` has after an update: its own when that was made from the same slug, one it
 * had before when that was (the record takes it back), else a new one, claimed.
 */
async function identifierAfter(s: IdentifierStatements, run: Run, values: WriteValues, args: readonly unknown[], row: Row, tenant: unknown): Promise<string> {
  const rule = identifierRule(s.entity)!;
  const base = identifierBase(
    rule.identifier.map((name) => valueAfter(values, args, row, name)),
    rule.empty,
  );
  const current = row[IDENTIFIER_FIELD];
  if (madeFrom(base, current)) return current;
  const taken = (await run(s.taken(), [base, `${base}-%`, tenant])) as Row[];
  const own = taken
    .filter((r) => r.record !== null && r.record !== undefined && String(r.record) === String(row.id) && madeFrom(base, r[IDENTIFIER_FIELD]))
    .map((r) => r[IDENTIFIER_FIELD] as string)
    .sort((a, b) => suffixOf(base, a) - suffixOf(base, b));
  if (own.length > 0) return own[0];
  return claim(s, run, base, row.id, tenant, highestSuffix(base, taken.map((r) => r[IDENTIFIER_FIELD])) + 1);
}

// Per app statement: the read of the rows an update changes, and the update of one of them (by argument count).
const rowReads = new WeakMap<CompiledQuery, CompiledQuery>();
const rowUpdates = new WeakMap<CompiledQuery, Map<number, CompiledQuery>>();

function rowsRead(compile: (plan: QueryPlan) => CompiledQuery, query: CompiledQuery): CompiledQuery {
  let read = rowReads.get(query);
  if (read === undefined) {
    const plan = query.plan as UpdatePlan;
    const select: SelectPlan = { kind: "select", entity: plan.entity, fields: null, where: plan.where, orderBy: [], limit: null, offset: null, asOf: null, single: false, ...(plan.tenant === undefined ? {} : { tenant: plan.tenant }) };
    rowReads.set(query, (read = compile(select)));
  }
  return read;
}

function rowUpdate(compile: (plan: QueryPlan) => CompiledQuery, query: CompiledQuery, argCount: number): CompiledQuery {
  let byCount = rowUpdates.get(query);
  if (byCount === undefined) rowUpdates.set(query, (byCount = new Map()));
  let update = byCount.get(argCount);
  if (update === undefined) {
    const plan = query.plan as UpdatePlan;
    // The row's key and its identifier come after the request's own arguments.
    const one: UpdatePlan = { ...plan, where: both(plan.where, idIs(argCount)), single: true, values: { ...plan.values, identifier: { attempt: 1, value: arg(argCount + 1) } } };
    byCount.set(argCount, (update = compile(one)));
  }
  return update;
}

/** An update of a VERSIONED entity: each row it changes gets the identifier its new fields make, in the same statement. */
export async function versionedUpdate(s: IdentifierStatements, run: Run, driver: Driver, compile: (plan: QueryPlan) => CompiledQuery, query: CompiledQuery, args: readonly unknown[]): Promise<unknown> {
  if (query.plan.kind !== "update") return run(query, args);
  const plan: UpdatePlan = query.plan;
  const rule = identifierRule(s.entity)!;
  // Sets none of the fields the identifier is made from: it stays (and a retired one finds the record).
  if (!rule.identifier.some((name) => mayWrite(plan.values, args, name))) return aliasedQuery(s, run, query, args);
  return driver.transaction(async () => {
    const read = rowsRead(compile, query);
    let used = args;
    let rows = (await run(read, args)) as Row[];
    if (rows.length === 0) {
      const resolved = await resolveAliases(s, run, plan, args);
      if (resolved === undefined) return run(query, args);
      used = resolved;
      rows = (await run(read, used)) as Row[];
      if (rows.length === 0) return run(query, used);
    }
    const one = rowUpdate(compile, query, used.length);
    const tenant = tenantOf(plan, used);
    const out: unknown[] = [];
    for (const row of rows) {
      const identifier = await identifierAfter(s, run, plan.values, used, row, tenant);
      const updated = await run(one, [...used, row.id, identifier]);
      if (updated !== null && updated !== undefined) out.push(updated);
    }
    return plan.single ? (out[0] ?? null) : out;
  });
}

/** The arguments a plan compares `identifier` with (`WHERE identifier = $x`, at any depth of AND/OR/NOT). */
function identifierArgs(plan: QueryPlan): number[] {
  if (plan.kind === "insert" || plan.kind === "save") return [];
  const out: number[] = [];
  const visit = (filter: Filter | null): void => {
    if (filter === null) return;
    switch (filter.kind) {
      case "and":
      case "or":
        filter.items.forEach(visit);
        return;
      case "not":
        visit(filter.item);
        return;
      case "compare": {
        if (filter.op !== "==" && filter.op !== "!=") return;
        const { left, right } = filter;
        if (left.kind === "field" && left.field === IDENTIFIER_FIELD && right.kind === "arg") out.push(right.index);
        else if (right.kind === "field" && right.field === IDENTIFIER_FIELD && left.kind === "arg") out.push(left.index);
        return;
      }
      default:
        return;
    }
  };
  visit(plan.where ?? null);
  return out;
}

/** Whether a query's result holds no row (null, an empty list, an empty page). */
function foundNothing(result: unknown): boolean {
  if (result === null || result === undefined) return true;
  if (Array.isArray(result)) return result.length === 0;
  const items = (result as { items?: unknown }).items;
  return Array.isArray(items) && items.length === 0;
}

/** `args` with each identifier compared in the plan that a record held before replaced by that record's current one; undefined when none was. */
async function resolveAliases(s: IdentifierStatements, run: Run, plan: QueryPlan, args: readonly unknown[]): Promise<unknown[] | undefined> {
  const tenant = tenantOf(plan, args);
  const out = [...args];
  let changed = false;
  for (const index of identifierArgs(plan)) {
    const value = args[index];
    if (typeof value !== "string") continue;
    const holder = (await run(s.holder(), [value, null, tenant])) as Row | null;
    if (holder === null || holder === undefined || holder.record === null || holder.record === undefined) continue;
    const current = ((await run(s.current(), [holder.record, null, tenant])) as Row | null)?.[IDENTIFIER_FIELD];
    if (typeof current === "string" && current !== value) {
      out[index] = current;
      changed = true;
    }
  }
  return changed ? out : undefined;
}

/** A query of a VERSIONED entity: when it finds nothing by an identifier a record held before, it is run again with that record's current one. */
export async function aliasedQuery(s: IdentifierStatements, run: Run, query: CompiledQuery, args: readonly unknown[]): Promise<unknown> {
  if (identifierArgs(query.plan).length === 0) return run(query, args);
  const result = await run(query, args);
  if (!foundNothing(result)) return result;
  const resolved = await resolveAliases(s, run, query.plan, args);
  return resolved === undefined ? result : run(query, resolved);
}

/**
 * Gives every record of the data source's IDENTIFIER entities that has no identifier one (made
 * before the entity had an IDENTIFIER: `kova migrate` and the start-up migration add the column
 * empty), by the rule an insert follows — the slug of its fields, `-2`, `-3`… when taken — and lists
 * a VERSIONED entity's current identifiers the identifier table does not hold yet. Each record so
 * given an identifier gets a version (an update) in its history. Returns how many records got one.
 * Drivers without transactions (MongoDB, Redis) are left as they are.
 */
export async function backfillIdentifiers(driver: Driver, entities: readonly EntitySchema[]): Promise<number> {
  if (driver.dialect.limits?.transactions !== undefined) return 0;
  const context = new IdentifierContext(driver, entities);
  const run: Run = (query, args) => driver.execute(query, args);
  let made = 0;
  for (const entity of entities) {
    const rule = identifierRule(entity);
    if (rule === undefined) continue;
    const tenant = tenantField(entity);
    const tenantOfRow = (row: Row) => (tenant === undefined ? null : (row[tenant.name] ?? null));
    const s = context.statements(entity);
    const none: Filter = { kind: "isNull", operand: { kind: "field", field: IDENTIFIER_FIELD }, negated: false };
    const missing = context.compile({ kind: "select", entity: entity.name, fields: null, where: none, orderBy: [{ field: "id", direction: "ASC" }], limit: null, offset: null, asOf: null, single: false });
    // Only while it has none: another process starting at the same time may have given it one.
    const mine = both(idIs(0), none);
    const store = context.compile({
      kind: "update",
      entity: entity.name,
      values: { kind: "fields", fields: [], identifier: { attempt: 1, value: arg(1) }, ...(tenant === undefined ? {} : { tenant: { value: null } }) },
      where: tenant === undefined ? mine : both(mine, { kind: "compare", op: "==", left: { kind: "field", field: tenant.name }, right: arg(2) }),
      single: true,
      ...(tenant === undefined ? {} : { tenant: arg(2) }),
    });
    made += await driver.transaction(async () => {
      // Identifiers made before the entity was VERSIONED: listed first, so no new one repeats them.
      if (s !== undefined) {
        for (const row of (await run(s.unlisted(), [])) as Row[]) {
          try {
            await run(s.claim(), [row[IDENTIFIER_FIELD], row.id, tenantOfRow(row)]);
          } catch (error) {
            if (!identifierTaken(error)) throw error;
          }
        }
      }
      let count = 0;
      for (const row of (await run(missing, [])) as Row[]) {
        const base = identifierBase(
          rule.identifier.map((name) => row[name]),
          rule.empty,
        );
        const owner = tenantOfRow(row);
        if (s !== undefined) {
          await run(store, [row.id, await claim(s, run, base, row.id, owner), owner]);
        } else {
          await storeFree(context, entity, run, store, row.id, base, owner);
        }
        count++;
      }
      return count;
    });
  }
  return made;
}

/** Stores the first identifier made from `base` no other record holds (its UNIQUE index decides) on record `id`. */
async function storeFree(context: IdentifierContext, entity: EntitySchema, run: Run, store: CompiledQuery, id: unknown, base: string, tenant: unknown): Promise<void> {
  let attempt = 1;
  for (let tries = 1; ; tries++) {
    try {
      await run(store, [id, identifierCandidate(base, attempt), tenant]);
      return;
    } catch (error) {
      if (!identifierTaken(error) || tries >= MAX_IDENTIFIER_ATTEMPTS) throw error;
    }
    let next = attempt + 1;
    const read = context.takenRead(entity);
    if (read !== null) {
      const rows = (await run(read, [base, `${base}-%`, tenant])) as Row[];
      next = Math.max(next, highestSuffix(base, rows.map((r) => r[IDENTIFIER_FIELD])) + 1);
    }
    attempt = next;
  }
}
