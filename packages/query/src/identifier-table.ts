/**
 * `ENTITY Article IDENTIFIER slug(title) VERSIONED { … }` (docs/entities.md, "Versioned
 * identifiers"): the table of every identifier an entity's records were ever given — the current
 * ones and the retired ones — and the statements on it.
 *
 * One row per identifier: the identifier, the record (its integer key) that holds or held it, and
 * on a TENANT BY entity the tenant. Its UNIQUE index (per tenant) is what makes an identifier
 * never given twice, current or retired, without a race: an insert or an update first *claims* its
 * new identifier here (an insert of a row; the loser of a race gets the 409 and takes the next
 * suffix), and only then writes the record. It is described as an entity, as the data key table
 * is (secrets/data-keys.ts), so every driver's own migration creates it and every statement on it
 * is a plan its dialect compiles — nothing per driver. NO HISTORY: it is an index, and the
 * record's own history already shows each identifier it had.
 *
 * `record` is a plain integer, not a reference: a record deleted for good leaves its rows, so its
 * identifiers stay taken (a link to it finds nothing rather than another record).
 */
import type { CompiledQuery } from "./driver.js";
import type { EntitySchema, FieldSchema, Filter, Operand, QueryPlan, SelectPlan } from "./plan.js";
import { encryptedEntities } from "./secrets/data-keys.js";
import { tenantField } from "./tenant-scope.js";
import { isIdentifierField } from "./values/computed-defaults.js";

/** The field of the identifier table naming the record (its integer key). */
export const IDENTIFIER_RECORD_FIELD = "record";

/** The field an IDENTIFIER entity keeps its identifier in (reserved on such an entity). */
export const IDENTIFIER_FIELD = "identifier";

/** The identifier field of an IDENTIFIER entity, or undefined. */
export function identifierFieldOf(entity: EntitySchema | undefined): FieldSchema | undefined {
  return entity?.fields.find(isIdentifierField);
}

/** How the entity's identifier is made (`IDENTIFIER slug(…)`), or undefined when it has none. */
export function identifierRule(entity: EntitySchema | undefined): { identifier: string[]; empty: string; versioned?: true } | undefined {
  const computed = identifierFieldOf(entity)?.computed;
  return computed !== undefined && "identifier" in computed ? computed : undefined;
}

/** Whether the entity's identifier is `VERSIONED`. */
export function isVersionedIdentifier(entity: EntitySchema | undefined): boolean {
  return identifierRule(entity)?.versioned === true;
}

/** The table of a VERSIONED identifier entity's identifiers; undefined for any other entity. */
export function identifierTable(entity: EntitySchema): EntitySchema | undefined {
  if (!isVersionedIdentifier(entity)) return undefined;
  const tenant = tenantField(entity);
  const fields: FieldSchema[] = [
    { name: IDENTIFIER_FIELD, type: "string", optional: false, unique: tenant === undefined, index: false },
    { name: IDENTIFIER_RECORD_FIELD, type: "int", optional: true, unique: false, index: true },
  ];
  if (tenant !== undefined) fields.push({ ...tenant });
  return {
    name: `Kova${entity.name}Identifier`,
    table: `kova_${entity.table}_identifiers`,
    fields,
    ...(tenant === undefined ? {} : { uniques: [[tenant.name, IDENTIFIER_FIELD]] }),
    history: false,
  };
}

/** The entities with the identifier tables their VERSIONED identifiers need (once each). */
export function identifierTables(entities: readonly EntitySchema[]): EntitySchema[] {
  const out = [...entities];
  for (const entity of entities) {
    const table = identifierTable(entity);
    if (table !== undefined && !out.some((e) => e.name === table.name)) out.push(table);
  }
  return out;
}

/**
 * The entities a data source stores: the app's, the tables of VERSIONED identifiers, and the data
 * key and erasure tables when some field is ENCRYPTED. What the runtime migrates at start-up.
 */
export function storedEntities(entities: readonly EntitySchema[]): EntitySchema[] {
  return identifierTables(encryptedEntities(entities));
}

const arg = (index: number): Operand => ({ kind: "arg", index });
const field = (name: string): Operand => ({ kind: "field", field: name });
const is = (name: string, index: number): Filter => ({ kind: "compare", op: "==", left: field(name), right: arg(index) });

/**
 * The statements on one VERSIONED entity's identifier table, and on the entity itself, that the
 * runtime needs. Every one takes the arguments [identifier or key, second value, tenant] (the
 * tenant null on an entity without TENANT BY); each is compiled once, on first use.
 */
export class IdentifierStatements {
  private readonly compiled = new Map<string, CompiledQuery>();
  private readonly tenant: FieldSchema | undefined;

  constructor(
    readonly entity: EntitySchema,
    readonly table: EntitySchema,
    private readonly compile: (plan: QueryPlan) => CompiledQuery,
  ) {
    this.tenant = tenantField(entity);
  }

  private statement(name: string, plan: () => QueryPlan): CompiledQuery {
    let query = this.compiled.get(name);
    if (query === undefined) this.compiled.set(name, (query = this.compile(plan())));
    return query;
  }

  /** `where` within the caller's tenant (argument 2) on a TENANT BY entity. */
  private scoped(where: Filter): Filter {
    return this.tenant === undefined ? where : { kind: "and", items: [where, is(this.tenant.name, 2)] };
  }

  private scope(): { tenant?: Operand } {
    return this.tenant === undefined ? {} : { tenant: arg(2) };
  }

  private select(entity: string, fields: string[] | null, where: Filter, single: boolean): SelectPlan {
    return { kind: "select", entity, fields, where: this.scoped(where), orderBy: [], limit: null, offset: null, asOf: null, single, ...this.scope() };
  }

  /** Claims identifier [0] for record [1] (null: the record is not made yet): a 409 naming identifier when it is taken. */
  claim(): CompiledQuery {
    const values = { kind: "fields" as const, fields: [{ field: IDENTIFIER_FIELD, value: arg(0) }, { field: IDENTIFIER_RECORD_FIELD, value: arg(1) }] };
    return this.statement("claim", () => ({
      kind: "insert",
      entity: this.table.name,
      values: this.tenant === undefined ? values : { ...values, tenant: { value: arg(2) } },
      ...this.scope(),
    }));
  }

  /** Gives claimed identifier [0] to the record [1] made after the claim. */
  link(): CompiledQuery {
    const values = { kind: "fields" as const, fields: [{ field: IDENTIFIER_RECORD_FIELD, value: arg(1) }] };
    return this.statement("link", () => ({
      kind: "update",
      entity: this.table.name,
      values: this.tenant === undefined ? values : { ...values, tenant: { value: null } },
      where: this.scoped(is(IDENTIFIER_FIELD, 0)),
      single: true,
      ...this.scope(),
    }));
  }

  /** Gives up claim [0] when the record it was for was not made after all. */
  unclaim(): CompiledQuery {
    const where: Filter = { kind: "and", items: [is(IDENTIFIER_FIELD, 0), { kind: "isNull", operand: field(IDENTIFIER_RECORD_FIELD), negated: false }] };
    return this.statement("unclaim", () => ({ kind: "delete", entity: this.table.name, where: this.scoped(where), single: false, ...this.scope() }));
  }

  /** The identifiers made from base [0] (itself, or [1] = `base-%`), with the records holding them. */
  taken(): CompiledQuery {
    const where: Filter = { kind: "or", items: [is(IDENTIFIER_FIELD, 0), { kind: "like", left: field(IDENTIFIER_FIELD), right: arg(1) }] };
    return this.statement("taken", () => this.select(this.table.name, [IDENTIFIER_FIELD, IDENTIFIER_RECORD_FIELD], where, false));
  }

  /** The record that holds or held identifier [0] (one row or null). */
  holder(): CompiledQuery {
    return this.statement("holder", () => this.select(this.table.name, [IDENTIFIER_RECORD_FIELD], is(IDENTIFIER_FIELD, 0), true));
  }

  /** The current identifier of record [0] of the entity (one row or null). */
  current(): CompiledQuery {
    return this.statement("current", () => this.select(this.entity.name, [IDENTIFIER_FIELD], is("id", 0), true));
  }

  /** The records of the entity whose identifier no row of the table holds yet (made before it was VERSIONED). */
  unlisted(): CompiledQuery {
    const listed: Filter = { kind: "related", relation: { kind: "many", name: "identifiers", entity: this.table.name, field: IDENTIFIER_RECORD_FIELD }, filter: null };
    const where: Filter = { kind: "and", items: [{ kind: "isNull", operand: field(IDENTIFIER_FIELD), negated: true }, { kind: "not", item: listed }] };
    return this.statement("unlisted", () => ({ kind: "select", entity: this.entity.name, fields: null, where, orderBy: [], limit: null, offset: null, asOf: null, single: false }));
  }
}
