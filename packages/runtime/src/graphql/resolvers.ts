/**
 * What the GraphQL fields do: each builds a query plan (values as arguments), has the entity's data
 * source compile it with its own dialect (once per plan shape, then cached) and runs it. Related
 * records are batched per request: every `author` (or `comments`, or `history`) asked for by the
 * rows of one list is read with one statement (`WHERE id IN (…)`), never one per row.
 */
import { isSoftDeleteEntity, maskRecordingDriver, MaskedValues, QueryError, rewriteIdentifier, rewritePublicId, rewriteSoftDelete, scopeToTenant, tenantClaimOf, tenantField, type CompiledQuery, type DeletedRows, type Driver, type EntitySchema, type Filter, type Operand, type OrderTerm, type QueryPlan } from "@kova/query";
import type { AuthClaims } from "../auth/scheme.js";
import type { DataSources } from "../data-sources.js";
import type { Exchange } from "../exchange.js";
import type { GraphqlAccessPolicy } from "./access.js";
import type { EndpointRunner } from "./mapped.js";
import { changesOf } from "./subscriptions.js";

/** Per request: the caller, and the batches waiting for the current tick to end. */
export interface GraphqlContext {
  batches: Map<string, Batch>;
  /** The verified claims of the request's credential; null for an anonymous caller. */
  auth: AuthClaims | null;
  /** The /graphql request (mapped endpoints run inside it). */
  exchange: Exchange;
}

interface Batch {
  keys: unknown[];
  done: Promise<Map<unknown, unknown[]>>;
}

/** Rows remember the instant they were read at, so related rows are read as of the same instant. */
const AS_OF = Symbol("kova.asOf");
type Row = Record<string | symbol, unknown>;

export interface GraphqlResolvers {
  list(ctx: GraphqlContext, entity: string, args: Record<string, unknown>): Promise<Row[]>;
  /** `id` is the integer key, or the public id of a PUBLIC ID entity; `deleted` as a list's. */
  byId(ctx: GraphqlContext, entity: string, id: unknown, asOf: string | undefined, deleted?: DeletedRows): Promise<Row | null>;
  one(ctx: GraphqlContext, entity: string, id: unknown, parent: Row): Promise<Row | null>;
  many(ctx: GraphqlContext, entity: string, by: string, id: unknown, parent: Row, args: Record<string, unknown>): Promise<Row[]>;
  history(ctx: GraphqlContext, entity: string, id: unknown): Promise<unknown[]>;
  create(ctx: GraphqlContext, entity: string, input: Record<string, unknown>): Promise<Row>;
  update(ctx: GraphqlContext, entity: string, id: unknown, input: Record<string, unknown>): Promise<Row | null>;
  remove(ctx: GraphqlContext, entity: string, id: unknown): Promise<Row | null>;
  /** A SOFT DELETE entity's RESTORE: the deleted record is live again (null when no deleted record has the id). */
  restore(ctx: GraphqlContext, entity: string, id: unknown): Promise<Row | null>;
  /** The change events of an entity (of one record, given `id`), for a subscription. */
  changes(ctx: GraphqlContext, entity: string, id: unknown): AsyncIterable<unknown>;
  /** A mutation mapped to a declared endpoint (mapped.ts). */
  endpoint(ctx: GraphqlContext, name: string, args: Record<string, unknown>): Promise<unknown>;
}

/** Builds plans from GraphQL arguments; `args` collects the values the plan's `arg` operands name. */
class PlanArgs {
  readonly values: unknown[] = [];
  arg(value: unknown): Operand {
    this.values.push(value);
    return { kind: "arg", index: this.values.length - 1 };
  }
}

const COMPARISONS: Record<string, "==" | "!=" | "<" | "<=" | ">" | ">="> = { eq: "==", ne: "!=", lt: "<", lte: "<=", gt: ">", gte: ">=" };

function filterOf(where: Record<string, unknown> | undefined | null, args: PlanArgs): Filter | null {
  if (where === undefined || where === null) return null;
  const items: Filter[] = [];
  for (const [key, value] of Object.entries(where)) {
    if (value === undefined || value === null) continue;
    if (key === "and" || key === "or") {
      const parts = (value as Array<Record<string, unknown>>).map((w) => filterOf(w, args)).filter((f): f is Filter => f !== null);
      if (parts.length > 0) items.push({ kind: key, items: parts });
      continue;
    }
    if (key === "not") {
      const inner = filterOf(value as Record<string, unknown>, args);
      if (inner !== null) items.push({ kind: "not", item: inner });
      continue;
    }
    const field: Operand = { kind: "field", field: key };
    for (const [op, operand] of Object.entries(value as Record<string, unknown>)) {
      if (operand === undefined) continue;
      if (op === "isNull") items.push({ kind: "isNull", operand: field, negated: operand === false });
      else if (op === "in") items.push({ kind: "in", left: field, right: args.arg(operand) });
      else if (op === "like") items.push({ kind: "like", left: field, right: args.arg(operand) });
      else items.push({ kind: "compare", op: COMPARISONS[op], left: field, right: args.arg(operand) });
    }
  }
  if (items.length === 0) return null;
  return items.length === 1 ? items[0] : { kind: "and", items };
}

/** The `deleted` argument (schema.ts's DeletedRows enum) as the soft-delete rewrite names it. */
function deletedRows(value: unknown): DeletedRows {
  return value === "with" || value === "only" ? value : "hide";
}

function orderOf(orderBy: unknown): OrderTerm[] {
  const terms = ((orderBy ?? []) as Array<{ field: string; direction?: "ASC" | "DESC" }>).map((t) => ({ field: t.field, direction: t.direction ?? "ASC" }));
  // A stable order whatever is asked: the id last.
  if (!terms.some((t) => t.field === "id")) terms.push({ field: "id", direction: "ASC" });
  return terms;
}

export class Resolvers implements GraphqlResolvers {
  private readonly compiled = new Map<string, CompiledQuery>();
  private readonly entityMap: Map<string, EntitySchema>;
  /** The data source of each entity. */
  private readonly sourceOf = new Map<string, string>();

  constructor(
    private readonly dataSources: DataSources,
    sources: ReadonlyArray<{ name: string; entities: readonly EntitySchema[] }>,
    private readonly maxLimit: number,
    private readonly access: GraphqlAccessPolicy,
    private readonly endpoints: EndpointRunner,
  ) {
    this.entityMap = new Map();
    for (const s of sources) {
      for (const e of s.entities) {
        this.entityMap.set(e.name, e);
        this.sourceOf.set(e.name, s.name);
      }
    }
  }

  /** Statements run, for tests and metrics. */
  statements = 0;

  private async run(ctx: GraphqlContext, entity: string, source: QueryPlan, args: PlanArgs, caller: Operand = { kind: "literal", value: null }, deleted: DeletedRows = "hide"): Promise<unknown> {
    const sourceName = this.sourceOf.get(entity);
    const masked = this.dataSources.maskedEntities(sourceName);
    // MASKED fields: the request notes what it reads, and its answer is masked (runtime/masked-reply.ts).
    const driver: Driver = masked === undefined ? this.dataSources.get(sourceName) : maskRecordingDriver(this.dataSources.get(sourceName), masked, () => (ctx.exchange.masked ??= new MaskedValues()));
    // The same plan rewrites as a compiled query's (@kova/query), in the compiler's order: SOFT
    // DELETE (deleted rows hidden unless asked for, a delete stamps), TENANT BY (every plan scoped
    // to the caller's tenant), PUBLIC ID (`id` is the public id; the data source's view answers it
    // as `id`, and references to such records as their public ids), then IDENTIFIER (a client's
    // identifier ignored, an insert makes it; the data source retries on a collision).
    const schemaOf = (name: string) => this.entityMap.get(name);
    const softened = rewriteSoftDelete(source, { entity: schemaOf, caller: () => caller }, deleted);
    const scoped = scopeToTenant(softened, schemaOf, () => args.arg(this.tenantOf(ctx)));
    const plan = rewriteIdentifier(rewritePublicId(scoped, schemaOf), schemaOf);
    const values = args.values;
    const key = JSON.stringify(plan);
    let compiled = this.compiled.get(key);
    if (compiled === undefined) {
      compiled = driver.dialect.compile(plan, this.entityMap);
      this.compiled.set(key, compiled);
    }
    this.statements++;
    return driver.execute(compiled, values);
  }

  private limit(value: unknown): number {
    if (value === undefined || value === null) return this.maxLimit;
    const n = Number(value);
    if (!Number.isInteger(n) || n < 0 || n > this.maxLimit) throw new QueryError(`limit must be a whole number from 0 to ${this.maxLimit}, got ${String(value)}`, 400);
    return n;
  }

  private remember(rows: Row[], asOf: unknown): Row[] {
    if (asOf !== undefined && asOf !== null) for (const row of rows) Object.defineProperty(row, AS_OF, { value: asOf, enumerable: false });
    return rows;
  }

  async list(ctx: GraphqlContext, entity: string, a: Record<string, unknown>): Promise<Row[]> {
    this.access.check(entity, "read", ctx.auth);
    const args = new PlanArgs();
    const where = filterOf(a.where as Record<string, unknown>, args);
    const limit = args.arg(this.limit(a.limit));
    const offset = a.offset === undefined || a.offset === null ? null : args.arg(a.offset);
    const asOf = a.asOf === undefined || a.asOf === null ? null : args.arg(a.asOf);
    const plan: QueryPlan = { kind: "select", entity, fields: null, where, orderBy: orderOf(a.orderBy), limit, offset, asOf, single: false };
    return this.remember((await this.run(ctx, entity, plan, args, undefined, deletedRows(a.deleted))) as Row[], a.asOf);
  }

  async byId(ctx: GraphqlContext, entity: string, id: unknown, asOf: string | undefined, deleted: DeletedRows = "hide"): Promise<Row | null> {
    this.access.check(entity, "read", ctx.auth);
    const args = new PlanArgs();
    const plan: QueryPlan = { kind: "select", entity, fields: null, where: { kind: "compare", op: "==", left: { kind: "field", field: "id" }, right: args.arg(id) }, orderBy: [], limit: null, offset: null, asOf: asOf === undefined ? null : args.arg(asOf), single: true };
    const row = (await this.run(ctx, entity, plan, args, undefined, deleted)) as Row | null;
    return row === null ? null : this.remember([row], asOf)[0];
  }

  /**
   * Collects keys asked for in this tick under one batch name and runs `load` once for all of them
   * (graphql-js resolves the fields of every row of a list before awaiting any of them).
   */
  private batch(ctx: GraphqlContext, name: string, key: unknown, load: (keys: unknown[]) => Promise<Map<unknown, unknown[]>>): Promise<unknown[]> {
    let batch = ctx.batches.get(name);
    if (batch === undefined) {
      const keys: unknown[] = [];
      batch = {
        keys,
        done: new Promise((resolve, reject) => {
          process.nextTick(() => {
            ctx.batches.delete(name);
            load([...new Set(keys)]).then(resolve, reject);
          });
        }),
      };
      ctx.batches.set(name, batch);
    }
    batch.keys.push(key);
    return batch.done.then((byKey) => byKey.get(key) ?? []);
  }

  async one(ctx: GraphqlContext, entity: string, id: unknown, parent: Row): Promise<Row | null> {
    if (id === null || id === undefined) return null;
    // A public entity's reference to a protected one does not open the protected one.
    this.access.check(entity, "read", ctx.auth);
    const asOf = parent[AS_OF];
    const rows = await this.batch(ctx, `one ${entity} ${String(asOf ?? "")}`, id, async (ids) => {
      const args = new PlanArgs();
      const where: Filter = { kind: "in", left: { kind: "field", field: "id" }, right: args.arg(ids) };
      const plan: QueryPlan = { kind: "select", entity, fields: null, where, orderBy: [], limit: null, offset: null, asOf: asOf === undefined ? null : args.arg(asOf), single: false };
      const found = this.remember((await this.run(ctx, entity, plan, args)) as Row[], asOf);
      return new Map(found.map((r) => [r.id, [r]]));
    });
    return (rows[0] as Row | undefined) ?? null;
  }

  async many(ctx: GraphqlContext, entity: string, by: string, id: unknown, parent: Row, a: Record<string, unknown>): Promise<Row[]> {
    this.access.check(entity, "read", ctx.auth);
    const asOf = parent[AS_OF];
    const name = `many ${entity}.${by} ${String(asOf ?? "")} ${JSON.stringify(a)}`;
    return (await this.batch(ctx, name, id, async (ids) => {
      const args = new PlanArgs();
      const related: Filter = { kind: "in", left: { kind: "field", field: by }, right: args.arg(ids) };
      const extra = filterOf(a.where as Record<string, unknown>, args);
      const plan: QueryPlan = { kind: "select", entity, fields: null, where: extra === null ? related : { kind: "and", items: [related, extra] }, orderBy: orderOf(a.orderBy), limit: null, offset: null, asOf: asOf === undefined ? null : args.arg(asOf), single: false };
      const found = this.remember((await this.run(ctx, entity, plan, args)) as Row[], asOf);
      const byParent = new Map<unknown, Row[]>();
      for (const row of found) {
        const list = byParent.get(row[by]) ?? [];
        list.push(row);
        byParent.set(row[by], list);
      }
      return byParent;
    })) as Row[];
  }

  async history(ctx: GraphqlContext, entity: string, id: unknown): Promise<unknown[]> {
    this.access.check(entity, "read", ctx.auth);
    return this.batch(ctx, `history ${entity}`, id, async (ids) => {
      const args = new PlanArgs();
      const plan: QueryPlan = { kind: "history", entity, where: { kind: "in", left: { kind: "field", field: "id" }, right: args.arg(ids) }, orderBy: [{ field: "version", direction: "ASC" }], limit: null, offset: null };
      const versions = (await this.run(ctx, entity, plan, args)) as Array<{ data: Row }>;
      const byRow = new Map<unknown, unknown[]>();
      for (const v of versions) {
        const list = byRow.get(v.data.id) ?? [];
        list.push(v);
        byRow.set(v.data.id, list);
      }
      return byRow;
    });
  }

  async create(ctx: GraphqlContext, entity: string, input: Record<string, unknown>): Promise<Row> {
    this.access.check(entity, "write", ctx.auth);
    const args = new PlanArgs();
    const plan: QueryPlan = { kind: "insert", entity, values: { kind: "object", operand: args.arg({ ...input }), ...this.audit(ctx, entity, args) } };
    return (await this.run(ctx, entity, plan, args)) as Row;
  }

  async update(ctx: GraphqlContext, entity: string, id: unknown, input: Record<string, unknown>): Promise<Row | null> {
    this.access.check(entity, "write", ctx.auth);
    const args = new PlanArgs();
    const values = args.arg({ ...input });
    const plan: QueryPlan = { kind: "update", entity, values: { kind: "object", operand: values, ...this.audit(ctx, entity, args) }, where: { kind: "compare", op: "==", left: { kind: "field", field: "id" }, right: args.arg(id) }, single: true };
    return (await this.run(ctx, entity, plan, args)) as Row | null;
  }

  /** An AUDIT entity's write carries the caller (`sub`), as a compiled write does (ir/plans.ts). */
  private audit(ctx: GraphqlContext, entity: string, args: PlanArgs): { audit?: { by: Operand } } {
    const audited = this.entityMap.get(entity)?.fields.some((f) => f.audit !== undefined) ?? false;
    return audited ? { audit: { by: args.arg(ctx.auth?.sub ?? null) } } : {};
  }

  async remove(ctx: GraphqlContext, entity: string, id: unknown): Promise<Row | null> {
    this.access.check(entity, "write", ctx.auth);
    const args = new PlanArgs();
    const plan: QueryPlan = { kind: "delete", entity, where: { kind: "compare", op: "==", left: { kind: "field", field: "id" }, right: args.arg(id) }, single: true };
    const caller: Operand = isSoftDeleteEntity(this.entityMap.get(entity)) ? args.arg(ctx.auth?.sub ?? null) : { kind: "literal", value: null };
    return (await this.run(ctx, entity, plan, args, caller)) as Row | null;
  }

  async restore(ctx: GraphqlContext, entity: string, id: unknown): Promise<Row | null> {
    this.access.check(entity, "write", ctx.auth);
    const args = new PlanArgs();
    // As the compiler plans RESTORE (ir/plans.ts): an update of the deleted record that clears the stamps.
    const plan: QueryPlan = { kind: "update", entity, values: { kind: "fields", fields: [], softDelete: { action: "restore" }, ...this.audit(ctx, entity, args) }, where: { kind: "compare", op: "==", left: { kind: "field", field: "id" }, right: args.arg(id) }, single: true };
    return (await this.run(ctx, entity, plan, args)) as Row | null;
  }

  changes(ctx: GraphqlContext, entity: string, id: unknown): AsyncIterable<unknown> {
    this.access.check(entity, "read", ctx.auth);
    const field = tenantField(this.entityMap.get(entity));
    if (field === undefined) return changesOf(this.dataSources, entity, id);
    // A tenant entity's feed carries the caller's tenant's records only.
    const tenant = this.tenantOf(ctx);
    return changesOf(this.dataSources, entity, id, (event) => (event.after ?? event.before)?.[field.name] === tenant);
  }

  /** The caller's tenant (its claim named by TENANT BY); a caller without one reads no tenant entity. */
  private tenantOf(ctx: GraphqlContext): string {
    const claim = tenantClaimOf(this.entityMap.values());
    const value = claim === undefined ? undefined : (ctx.auth as Record<string, unknown> | null)?.[claim];
    if (typeof value !== "string" || value === "") throw new QueryError(`this data is kept per tenant: it needs a signed-in caller with the '${claim}' claim`, 403, claim);
    return value;
  }

  endpoint(ctx: GraphqlContext, name: string, args: Record<string, unknown>): Promise<unknown> {
    return this.endpoints.run(ctx.exchange, name, args);
  }
}
