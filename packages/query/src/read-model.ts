/**
 * `READ MODEL ProductSummary FROM Product GROUP_BY category { category, products: COUNT(*) }`
 * (docs/entities.md, "Read models"): a table with one row per group of the source entity's live
 * rows, read like an entity and never written by a program.
 *
 * It is kept in sync by a rewrite of every write of the source, done here once for every SQL
 * driver: the write runs inside a transaction (the endpoint's, or one of its own) together with
 *   1. a read of the group keys the write's rows have before it (UPDATE, SAVE of a record);
 *   2. the write itself, whose returned rows give the keys after it (and a DELETE's, the keys before);
 *   3. for each affected group: delete its row of the model, compute it afresh with GROUP_BY over
 *      the source's live rows of that group, insert the result (no row when the group is empty).
 * So the model commits or rolls back with the write that changed it: it never shows a write that
 * rolled back and never misses one that committed. A delete of a record that source rows refer to
 * with ON DELETE CASCADE / SET NULL changes source rows without a plan of the source: the model is
 * then recomputed whole, in the same transaction.
 *
 * Every statement here is an ordinary plan compiled by the driver's own dialect, so the model reads
 * and writes exactly as entities do; `rebuildReadModel` and `checkReadModel` (`kova db
 * rebuild-read-model`, `kova db check-read-model`) use the same plans.
 */
import { QueryError, type CompiledQuery, type Driver } from "./driver.js";
import { withExecute } from "./driver-view.js";
import type { AggregateFn, EntitySchema, Filter, Operand, ProjectedColumn, QueryPlan, SelectPlan } from "./plan.js";
import { isSoftDeleteEntity, liveFilter } from "./soft-delete.js";
import { tenantField } from "./tenant-scope.js";

/** What makes an entity schema a read model (EntitySchema.readModel). */
export interface ReadModelSchema {
  /** The entity whose live rows are grouped. */
  source: string;
  /**
   * The source's fields the rows are grouped by, each a column of the model of the same name; a
   * TENANT BY source's tenant column comes first (each tenant has its own groups).
   */
  groupBy: string[];
  /** The computed columns: `name: COUNT(*)` (field null), `SUM(price)`, … */
  aggregates: ReadModelAggregate[];
}

export interface ReadModelAggregate {
  name: string;
  fn: AggregateFn;
  field: string | null;
}

type Row = Record<string, unknown>;

/** How many times a group is recomputed when a concurrent transaction stored its row first. */
const MAX_REFRESH_ATTEMPTS = 25;
type Execute = (query: CompiledQuery, args: readonly unknown[]) => Promise<unknown>;

/** The read models among `entities` whose source is `entity`. */
export function readModelsOf(entity: string, entities: Iterable<EntitySchema>): EntitySchema[] {
  return [...entities].filter((e) => e.readModel?.source === entity);
}

/** The read model's definition (throws for an entity that is not one: a caller's mistake). */
function definition(model: EntitySchema): ReadModelSchema {
  if (model.readModel === undefined) throw new Error(`${model.name} is not a READ MODEL`);
  return model.readModel;
}

/** `a == $0 AND b == $1 …` over the grouped fields (null-safe, so a null key is a group too). */
function keyFilter(groupBy: readonly string[], first: number): Filter | null {
  const items: Filter[] = groupBy.map((field, i) => ({ kind: "compare", op: "==", left: { kind: "field", field }, right: { kind: "arg", index: first + i } }));
  if (items.length === 0) return null;
  return items.length === 1 ? items[0] : { kind: "and", items };
}

function and(a: Filter | null, b: Filter | null): Filter | null {
  if (a === null) return b;
  if (b === null) return a;
  return { kind: "and", items: [a, b] };
}

/** The caller's tenant for a plan of a TENANT BY source: the group's tenant (PostgreSQL's row-level security reads it). */
function tenantOperand(model: ReadModelSchema, source: EntitySchema, first: number): { tenant?: Operand } {
  const field = tenantField(source);
  if (field === undefined) return {};
  return { tenant: { kind: "arg", index: first + model.groupBy.indexOf(field.name) } };
}

/** The fresh GROUP_BY over the source's live rows: of the groups whose keys are args 0…n-1, or of all (`whole`). */
export function freshPlan(model: EntitySchema, source: EntitySchema, whole: boolean): SelectPlan {
  const rm = definition(model);
  const columns: ProjectedColumn[] = [
    ...rm.groupBy.map((field) => ({ name: field, value: { kind: "field", field } as Operand })),
    ...rm.aggregates.map((a) => ({ name: a.name, value: { kind: "aggregate", fn: a.fn, field: a.field, distinct: false } as Operand })),
  ];
  const live = isSoftDeleteEntity(source) ? liveFilter() : null;
  // A record without a value in a grouped field (an optional one, or a row stored before the field
  // was added) belongs to no group: the model has no null group (a key lookup could not find it).
  const grouped = rm.groupBy.reduce<Filter | null>((all, field) => and(all, { kind: "isNull", operand: { kind: "field", field }, negated: true }), null);
  return {
    kind: "select",
    entity: source.name,
    fields: null,
    shape: { columns, distinct: false, groupBy: rm.groupBy, having: null, result: "rows" },
    where: and(and(whole ? null : keyFilter(rm.groupBy, 0), live), grouped),
    orderBy: rm.groupBy.map((field) => ({ field, direction: "ASC" })),
    limit: null,
    offset: null,
    asOf: null,
    single: false,
    ...(whole ? {} : tenantOperand(rm, source, 0)),
  };
}

/** The model's stored rows, ordered by group. */
export function storedPlan(model: EntitySchema): SelectPlan {
  const rm = definition(model);
  return {
    kind: "select",
    entity: model.name,
    fields: null,
    where: null,
    orderBy: rm.groupBy.map((field) => ({ field, direction: "ASC" })),
    limit: null,
    offset: null,
    asOf: null,
    single: false,
  };
}

/** Deletes the model's row of the group whose keys are args 0…n-1 (or every row: `whole`). */
function clearPlan(model: EntitySchema, source: EntitySchema, whole: boolean): QueryPlan {
  const rm = definition(model);
  return { kind: "delete", entity: model.name, where: whole ? null : keyFilter(rm.groupBy, 0), single: false, ...(whole ? {} : tenantOperand(rm, source, 0)) };
}

/** Inserts one computed row (arg 0); a tenant's row carries its tenant (arg 1). */
function storePlan(model: EntitySchema): QueryPlan {
  const tenant = tenantField(model) !== undefined;
  return {
    kind: "insert",
    entity: model.name,
    values: { kind: "object", operand: { kind: "arg", index: 0 }, ...(tenant ? { tenant: { value: { kind: "arg", index: 1 } } } : {}) },
    ...(tenant ? { tenant: { kind: "arg", index: 1 } as Operand } : {}),
  };
}

/** The plans of one read model, compiled by the driver's dialect once. */
class ModelStatements {
  readonly fresh: CompiledQuery;
  readonly freshAll: CompiledQuery;
  readonly clear: CompiledQuery;
  readonly clearAll: CompiledQuery;
  readonly store: CompiledQuery;
  readonly stored: CompiledQuery;
  readonly tenantField: string | undefined;

  constructor(
    readonly model: EntitySchema,
    readonly source: EntitySchema,
    driver: Driver,
    entities: ReadonlyMap<string, EntitySchema>,
  ) {
    const compile = (plan: QueryPlan) => driver.dialect.compile(plan, entities);
    this.fresh = compile(freshPlan(model, source, false));
    this.freshAll = compile(freshPlan(model, source, true));
    this.clear = compile(clearPlan(model, source, false));
    this.clearAll = compile(clearPlan(model, source, true));
    this.store = compile(storePlan(model));
    this.stored = compile(storedPlan(model));
    this.tenantField = tenantField(model)?.name;
  }

  get groupBy(): string[] {
    return definition(this.model).groupBy;
  }

  private storeArgs(row: Row): unknown[] {
    return this.tenantField === undefined ? [row] : [row, row[this.tenantField]];
  }

  /**
   * Recomputes the groups with these keys (each the values of groupBy, in order). A group's row is
   * UNIQUE: when another transaction stored the group's row after this one cleared it (two writes
   * of one group at once, on a database server), the store fails as a conflict and the group is
   * recomputed again; each statement reads what has committed by then (PostgreSQL's READ
   * COMMITTED), so the second try sees the other's write.
   */
  async refresh(execute: Execute, keys: ReadonlyArray<readonly unknown[]>): Promise<void> {
    for (const key of keys) {
      for (let attempt = 1; ; attempt++) {
        try {
          await execute(this.clear, key);
          const rows = (await execute(this.fresh, key)) as Row[];
          for (const row of rows) await execute(this.store, this.storeArgs(row));
          break;
        } catch (error) {
          if (!(error instanceof QueryError && error.status === 409) || attempt >= MAX_REFRESH_ATTEMPTS) throw error;
        }
      }
    }
  }

  /** Recomputes every group. */
  async rebuild(execute: Execute): Promise<number> {
    await execute(this.clearAll, []);
    const rows = (await execute(this.freshAll, [])) as Row[];
    for (const row of rows) await execute(this.store, this.storeArgs(row));
    return rows.length;
  }
}

/** The group key of a row (undefined when the row does not carry the grouped fields). */
function keyOf(row: unknown, groupBy: readonly string[]): unknown[] | undefined {
  if (row === null || typeof row !== "object") return undefined;
  const record = row as Row;
  if (!groupBy.every((f) => f in record)) return undefined;
  return groupBy.map((f) => record[f] ?? null);
}

const rowsOf = (result: unknown): unknown[] => (Array.isArray(result) ? result : result === null || result === undefined ? [] : [result]);

/** Distinct keys, in first-seen order. */
function distinctKeys(keys: ReadonlyArray<unknown[] | undefined>): unknown[][] {
  const seen = new Map<string, unknown[]>();
  for (const key of keys) if (key !== undefined) seen.set(JSON.stringify(key), key);
  return [...seen.values()];
}

/**
 * The driver as an app with read models uses it: every write of a read model's source also
 * recomputes the groups it touched, in the write's transaction (see the file comment). A driver
 * whose entities have no read model is returned as it is.
 */
export function readModelDriver(driver: Driver, entities: readonly EntitySchema[]): Driver {
  const models = entities.filter((e) => e.readModel !== undefined);
  if (models.length === 0) return driver;
  // The build refuses this (KV2962); an app built otherwise must not run with a model left behind.
  const noTransactions = driver.dialect.limits?.transactions;
  if (noTransactions !== undefined) throw new Error(`READ MODEL ${models[0].name} needs transactions, which driver ${driver.dialect.name} has not: ${noTransactions}`);
  const byName = new Map(entities.map((e) => [e.name, e]));
  let compiled: Map<string, ModelStatements[]> | undefined;
  // Compiled on first need: a dialect compiles at run time here, as identifierDriver's reads do.
  const statementsOf = (entity: string): ModelStatements[] => {
    compiled ??= compileAll(driver, models, byName);
    return compiled.get(entity) ?? [];
  };
  // Entities whose delete changes a source's rows through ON DELETE CASCADE / SET NULL.
  const cascades = new Map<string, ModelStatements[]>();
  const cascadesOf = (entity: string): ModelStatements[] => {
    if (!cascades.has(entity)) {
      const all = [...new Set(models.map((m) => definition(m).source))].flatMap((s) => statementsOf(s));
      cascades.set(entity, all.filter((m) => m.source.fields.some((f) => f.references === entity && (f.onDelete === "cascade" || f.onDelete === "setNull"))));
    }
    return cascades.get(entity)!;
  };

  return withExecute(driver, (inner) => async (query, args) => {
    const plan = query.plan;
    if (plan.kind === "select" || plan.kind === "history") return inner(query, args);
    const own = statementsOf(plan.entity);
    const cascade = plan.kind === "delete" ? cascadesOf(plan.entity) : [];
    if (own.length === 0 && cascade.length === 0) return inner(query, args);
    return driver.transaction(async () => {
      const before = await keysBefore(inner, plan, args, own, byName, driver);
      const result = await inner(query, args);
      const after = rowsOf(result);
      for (const m of own) await m.refresh(inner, distinctKeys([...(before.get(m) ?? []), ...after.map((r) => keyOf(r, m.groupBy))]));
      for (const m of cascade) await m.rebuild(inner);
      return result;
    });
  });
}

function compileAll(driver: Driver, models: readonly EntitySchema[], byName: ReadonlyMap<string, EntitySchema>): Map<string, ModelStatements[]> {
  const out = new Map<string, ModelStatements[]>();
  for (const model of models) {
    const sourceName = definition(model).source;
    const source = byName.get(sourceName);
    if (source === undefined) throw new Error(`READ MODEL ${model.name} groups ${sourceName}, which this data source does not hold`);
    const list = out.get(sourceName) ?? [];
    list.push(new ModelStatements(model, source, driver, byName));
    out.set(sourceName, list);
  }
  return out;
}

/**
 * The group keys the write's rows have before it: an UPDATE's (its WHERE, read first), a SAVE's
 * record (by the id it carries). An INSERT has none; a DELETE returns its rows as they were.
 */
async function keysBefore(
  execute: Execute,
  plan: QueryPlan,
  args: readonly unknown[],
  models: readonly ModelStatements[],
  entities: ReadonlyMap<string, EntitySchema>,
  driver: Driver,
): Promise<Map<ModelStatements, Array<unknown[] | undefined>>> {
  const out = new Map<ModelStatements, Array<unknown[] | undefined>>();
  if (models.length === 0 || (plan.kind !== "update" && plan.kind !== "save")) return out;
  let where: Filter | null;
  let readArgs = args;
  if (plan.kind === "update") where = plan.where;
  else {
    const id = plan.values.kind === "object" && plan.values.operand.kind === "arg" ? (args[plan.values.operand.index] as Row | null)?.id : undefined;
    if (id === undefined || id === null) return out;
    where = { kind: "compare", op: "==", left: { kind: "field", field: "id" }, right: { kind: "arg", index: args.length } };
    readArgs = [...args, id];
  }
  const fields = [...new Set(models.flatMap((m) => m.groupBy))];
  const read: SelectPlan = { kind: "select", entity: plan.entity, fields, where, orderBy: [], limit: null, offset: null, asOf: null, single: false, ...(plan.tenant === undefined ? {} : { tenant: plan.tenant }) };
  const rows = rowsOf(await execute(driver.dialect.compile(read, entities), readArgs));
  for (const m of models) out.set(m, rows.map((r) => keyOf(r, m.groupBy)));
  return out;
}

/** The model's statements on this driver (`entities`: the data source's). */
function statementsFor(driver: Driver, entities: readonly EntitySchema[], name: string): ModelStatements {
  const byName = new Map(entities.map((e) => [e.name, e]));
  const model = byName.get(name);
  if (model?.readModel === undefined) {
    const known = entities.filter((e) => e.readModel !== undefined).map((e) => e.name);
    throw new Error(`no READ MODEL named '${name}'` + (known.length > 0 ? ` (read models: ${known.join(", ")})` : " (the program declares none)"));
  }
  const source = byName.get(model.readModel.source);
  if (source === undefined) throw new Error(`READ MODEL ${name} groups ${model.readModel.source}, which this data source does not hold`);
  return new ModelStatements(model, source, driver, byName);
}

/** `kova db rebuild-read-model`: every row of the model computed afresh, in one transaction; returns how many groups it holds. */
export async function rebuildReadModel(driver: Driver, entities: readonly EntitySchema[], name: string): Promise<number> {
  const m = statementsFor(driver, entities, name);
  return driver.transaction((tx) => m.rebuild((q, a) => tx.execute(q, a)));
}

/** A group whose stored row differs from a fresh computation (either side null: the row is missing there). */
export interface ReadModelDifference {
  key: Row;
  stored: Row | null;
  fresh: Row | null;
}

/** `kova db check-read-model`: the stored rows against a fresh GROUP_BY, group by group; empty when they are equal. */
export async function checkReadModel(driver: Driver, entities: readonly EntitySchema[], name: string): Promise<ReadModelDifference[]> {
  const m = statementsFor(driver, entities, name);
  const columns = [...m.groupBy, ...definition(m.model).aggregates.map((a) => a.name)];
  const pick = (row: Row): Row => Object.fromEntries(columns.map((c) => [c, normalise(row[c])]));
  const [stored, fresh] = await driver.transaction(async (tx) => [
    (await tx.execute(m.stored, [])) as Row[],
    (await tx.execute(m.freshAll, [])) as Row[],
  ]);
  const keyText = (row: Row) => JSON.stringify(m.groupBy.map((f) => normalise(row[f])));
  const storedBy = new Map(stored.map((r) => [keyText(r), pick(r)]));
  const freshBy = new Map(fresh.map((r) => [keyText(r), pick(r)]));
  const differences: ReadModelDifference[] = [];
  for (const key of new Set([...storedBy.keys(), ...freshBy.keys()])) {
    const s = storedBy.get(key) ?? null;
    const f = freshBy.get(key) ?? null;
    if (s !== null && f !== null && JSON.stringify(s) === JSON.stringify(f)) continue;
    const row = (s ?? f)!;
    differences.push({ key: Object.fromEntries(m.groupBy.map((g) => [g, row[g]])), stored: s, fresh: f });
  }
  return differences;
}

/** Numbers compared as numbers (a database may answer a sum as text or a bigint), instants as ISO text. */
function normalise(value: unknown): unknown {
  if (typeof value === "bigint") return Number(value);
  if (typeof value === "string" && value.trim() !== "" && /^-?\d+(\.\d+)?(e[+-]?\d+)?$/i.test(value)) return Number(value);
  if (value instanceof Date) return value.toISOString();
  return value ?? null;
}
