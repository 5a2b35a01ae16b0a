/**
 * A small but real in-memory Driver (rows in Maps) for the runtime's tests: it implements the
 * @kova/query Driver interface for inserts and id/all selects, enforces UNIQUE fields with a 409
 * QueryError, and can be switched "down" to fail like an unreachable database.
 */
import { QueryError, type CompiledQuery, type Dialect, type Driver, type EntitySchema, type Executor, type HealthReport, type QueryPlan } from "@kova/query";

export const memoryDialect: Dialect = {
  name: "memory",
  compile(plan: QueryPlan): CompiledQuery {
    return { dialect: "memory", plan };
  },
};

export class MemoryDriver implements Driver {
  readonly dialect = memoryDialect;
  private readonly tables = new Map<string, Map<number, Record<string, unknown>>>();
  private readonly schemas = new Map<string, EntitySchema>();
  private nextId = 1;
  /** While true, every call fails as a refused connection would. */
  down = false;
  connected = false;
  closed = false;

  async connect(): Promise<void> {
    this.failIfDown();
    this.connected = true;
  }

  async migrate(entities: readonly EntitySchema[]): Promise<void> {
    for (const entity of entities) {
      this.schemas.set(entity.name, entity);
      if (!this.tables.has(entity.name)) this.tables.set(entity.name, new Map());
    }
  }

  async execute(query: CompiledQuery, args: readonly unknown[]): Promise<unknown> {
    this.failIfDown();
    const plan = query.plan;
    const table = this.tables.get(plan.entity);
    if (table === undefined) throw new Error(`no table for ${plan.entity}`);
    if (plan.kind === "insert" && plan.values.kind === "object" && plan.values.operand.kind === "arg") {
      const values = args[plan.values.operand.index] as Record<string, unknown>;
      for (const field of this.schemas.get(plan.entity)?.fields ?? []) {
        if (field.unique && [...table.values()].some((row) => row[field.name] === values[field.name])) {
          throw new QueryError(`a ${plan.entity} with this ${field.name} already exists`, 409, field.name);
        }
      }
      const row = { id: this.nextId++, ...values };
      table.set(row.id, row);
      return row;
    }
    if (plan.kind === "select") {
      const where = plan.where;
      if (where?.kind === "compare" && where.right.kind === "arg") {
        const row = table.get(args[where.right.index] as number);
        return plan.single ? (row ?? null) : row === undefined ? [] : [row];
      }
      return [...table.values()];
    }
    throw new Error(`the memory driver does not run ${plan.kind} plans`);
  }

  async transaction<T>(work: (tx: Executor) => Promise<T>): Promise<T> {
    return work(this);
  }

  async health(): Promise<HealthReport> {
    return this.down ? { ok: false, detail: "memory store switched off" } : { ok: true, detail: "memory" };
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  private failIfDown(): void {
    if (this.down) throw Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:5432"), { code: "ECONNREFUSED" });
  }
}
