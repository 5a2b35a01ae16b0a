/**
 * The row being written: a write's values (an object argument, or fields set one by one) checked
 * against the entity and turned into stored values, in field declaration order. Which keys are
 * known, which may be null and what an insert fills in are the same for every data source; only
 * the value encoding is the driver's, passed in as `WriteEncoding`.
 */
import { QueryError } from "../driver.js";
import { computedDefault, isIdentifierField } from "./computed-defaults.js";
import { auditActor } from "./audit-fields.js";
import { readsRow, type EntitySchema, type FieldSchema, type Operand, type WriteValues } from "../plan.js";

export interface WriteRecord<V> {
  /** Stored values by field position; undefined where the write does not set the field. */
  values: Array<V | undefined>;
  /** The `id` the values carry (used by save; ignored by insert, where the store assigns it). */
  id: unknown;
  /**
   * Set when the write stamps an AUDIT entity's fields (its plan carries `audit`): the caller,
   * null when anonymous. Completing the record for an insert then sets created_by to it.
   */
  actor?: string | null;
  /** On a write of an IDENTIFIER entity (its plan carries `identifier`): the insert's attempt at a free identifier. */
  attempt?: number;
}

/** How one driver checks and stores a field's value (see checkFieldValue for the shared rules). */
export interface WriteEncoding<V> {
  /** A value checked against the field and in its stored form; null passes (nullability is checked here). */
  encode(field: FieldSchema, value: unknown): V;
  /** The value a `default` clause gives the field on insert, or undefined without one. */
  defaultValue(field: FieldSchema, now: number): V | undefined;
}

/** An entity's fields indexed for checking writes quickly (built once per entity, reused per row). */
export class EntityWriteCodec<V> {
  readonly positions = new Map<string, number>();

  constructor(
    readonly entity: EntitySchema,
    private readonly encoding: WriteEncoding<V>,
  ) {
    entity.fields.forEach((f, i) => this.positions.set(f.name, i));
  }

  position(field: string): number {
    const at = this.positions.get(field);
    if (at === undefined) throw new Error(`entity ${this.entity.name} has no field "${field}"`);
    return at;
  }

  private unknownField(name: string): never {
    const known = this.entity.fields.map((f) => f.name).join(", ");
    throw new QueryError(`unknown field "${name}" for ${this.entity.name} (its fields: ${known})`, 400, name);
  }

  /** Sets one key of the write: `id` is kept aside, undefined leaves the field unset. */
  private assign(record: WriteRecord<V>, key: string, value: unknown, audited = false, softDeleted = false, tenanted = false, publicId = false, identified = false): void {
    if (key === "id") {
      record.id = value;
      return;
    }
    const position = this.positions.get(key);
    if (position === undefined) this.unknownField(key);
    if (value === undefined) return;
    const field = this.entity.fields[position];
    // An audited write stamps these itself: a client's value is ignored, not checked.
    if (audited && field.audit !== undefined) return;
    // So does a SOFT DELETE entity's write with deleted_at/deleted_by: only DELETE and RESTORE set them.
    if (softDeleted && field.softDelete !== undefined) return;
    // So does a write of a TENANT BY entity its tenant column (tenant-scope.ts): never the client's.
    if (tenanted && field.tenant !== undefined) return;
    // A PUBLIC ID entity's public_id is made on insert and never changed (public-id.ts).
    if (publicId && field.publicId !== undefined) return;
    // So is an IDENTIFIER entity's identifier, kept afterwards (identifier.ts).
    if (identified && isIdentifierField(field)) return;
    if (value === null && !field.optional) {
      throw new QueryError(`field "${field.name}" is required and cannot be null`, 400, field.name);
    }
    record.values[position] = this.encoding.encode(field, value);
  }

  /** Checks an object's keys and values (keys left out, or undefined, are not set). */
  fromObject(input: unknown, audited = false, softDeleted = false, tenanted = false, publicId = false, identified = false): WriteRecord<V> {
    if (input === null || typeof input !== "object" || Array.isArray(input)) {
      throw new QueryError(`the values to write into ${this.entity.name} must be an object`, 400);
    }
    const record: WriteRecord<V> = { values: new Array(this.entity.fields.length), id: undefined };
    for (const key of Object.keys(input)) this.assign(record, key, (input as Record<string, unknown>)[key], audited, softDeleted, tenanted, publicId, identified);
    return record;
  }

  /** The record a plan's write values describe, with the request's arguments. */
  fromPlan(values: WriteValues, args: readonly unknown[]): WriteRecord<V> {
    let record: WriteRecord<V>;
    const softDeleted = values.softDelete !== undefined;
    const tenanted = values.tenant !== undefined;
    const publicId = values.publicId === true;
    const identified = values.identifier !== undefined;
    if (values.kind === "object") record = this.fromObject(operandValue(values.operand, args), values.audit !== undefined, softDeleted, tenanted, publicId, identified);
    else {
      record = { values: new Array(this.entity.fields.length), id: undefined };
      for (const { field, value } of values.fields) {
        // `SET hits = hits + 1`: the database computes it from the row, in the same statement.
        if (!readsRow(value)) this.assign(record, field, operandValue(value, args), false, softDeleted, tenanted, publicId, identified);
      }
    }
    if (values.softDelete !== undefined && values.softDelete.action !== "write") this.stampSoftDelete(record, values.softDelete, args);
    if (values.tenant?.value != null) this.stampTenant(record, operandValue(values.tenant.value, args));
    if (values.audit !== undefined) this.stampUpdate(record, auditActor(operandValue(values.audit.by, args)), writesNothing(values, record));
    if (values.identifier !== undefined) record.attempt = values.identifier.attempt;
    // The runtime's own identifier for the record (identifier.ts: a VERSIONED one made again, a backfill).
    if (values.identifier?.value !== undefined) this.stampIdentifier(record, operandValue(values.identifier.value, args));
    return record;
  }

  /**
   * An AUDIT entity's write: what a client sent for the audit fields is dropped (they are the
   * server's, as `id` is), and updated_at/updated_by are set — by every write, an update too.
   * created_at/created_by are set when the record is completed for an insert (see complete).
   * An update that sets nothing (`SET $body` with `{}`) stays a no-op: nobody changed the record.
   */
  private stampUpdate(record: WriteRecord<V>, actor: string | null, nothing: boolean): void {
    record.actor = actor;
    const now = Date.now();
    this.entity.fields.forEach((f, i) => {
      if (f.audit === undefined) return;
      record.values[i] = nothing ? undefined : f.audit === "updatedAt" ? this.encoding.encode(f, now) : f.audit === "updatedBy" ? this.encoding.encode(f, actor) : undefined;
    });
  }

  /**
   * A SOFT DELETE entity's delete (rewritten as an update) stamps deleted_at with the write's
   * instant and deleted_by with its caller; a RESTORE sets both back to null.
   */
  private stampSoftDelete(record: WriteRecord<V>, change: { action: "delete"; by: Operand } | { action: "restore" }, args: readonly unknown[]): void {
    const now = Date.now();
    this.entity.fields.forEach((f, i) => {
      if (f.softDelete === undefined) return;
      const value = change.action === "restore" ? null : f.softDelete === "deletedAt" ? now : auditActor(operandValue(change.by, args));
      record.values[i] = this.encoding.encode(f, value);
    });
  }

  /** The identifier the runtime made for the record (never a client's: those are ignored). */
  private stampIdentifier(record: WriteRecord<V>, identifier: unknown): void {
    const position = this.entity.fields.findIndex(isIdentifierField);
    if (position >= 0) record.values[position] = this.encoding.encode(this.entity.fields[position], identifier);
  }

  /** An insert or save of a TENANT BY entity: the record belongs to the caller's tenant (a claim, never empty). */
  private stampTenant(record: WriteRecord<V>, tenant: unknown): void {
    if (tenant === undefined || tenant === null || tenant === "") throw new QueryError(`the caller has no tenant to write ${this.entity.name} for`, 403);
    const position = this.entity.fields.findIndex((f) => f.tenant !== undefined);
    if (position >= 0) record.values[position] = this.encoding.encode(this.entity.fields[position], String(tenant));
  }

  /** Fills what an insert leaves out: defaults, null for optional fields; a missing required field is a 400. */
  completeForInsert(record: WriteRecord<V>, now: number): V[] {
    return this.complete(record, now, "");
  }

  /**
   * Fills what a SAVE that replaces a record leaves out, as an insert does: the value is the whole
   * record, so an omitted field gets its default, else null if optional; a missing required
   * field is a 400 naming it. One exception: a `DEFAULT now()` field left out keeps the instant
   * it holds (when the record was made), rather than being stamped again by every SAVE; it stays
   * undefined here, and each driver's replace writes such a field only when it is set.
   */
  completeForReplace(record: WriteRecord<V>, now: number): V[] {
    return this.complete(record, now, " (SAVE replaces the whole record)", true);
  }

  private complete(record: WriteRecord<V>, now: number, why: string, replace = false): V[] {
    const { fields } = this.entity;
    if (record.actor !== undefined) {
      // An insert or a replace always writes: last changed at the write's own instant, by its
      // caller; a new record was also made then. A SAVE that replaces a record keeps its
      // created_at/created_by (they are stamps: isStamp).
      for (let i = 0; i < fields.length; i++) {
        const role = fields[i].audit;
        if (role === "updatedAt" || (role === "createdAt" && !replace)) record.values[i] = this.encoding.encode(fields[i], now);
        else if (role === "updatedBy" || (role === "createdBy" && !replace)) record.values[i] = this.encoding.encode(fields[i], record.actor);
      }
    }
    // Computed defaults first read the values as the write gave them (slug(title) of the title sent).
    for (let i = 0; i < fields.length; i++) {
      if (record.values[i] !== undefined || fields[i].computed === undefined || (replace && isStamp(fields[i]))) continue;
      const value = computedDefault(
        fields[i],
        (name) => {
          const at = this.positions.get(name);
          return at === undefined ? undefined : record.values[at];
        },
        record.attempt,
      );
      record.values[i] = this.encoding.encode(fields[i], value);
    }
    for (let i = 0; i < fields.length; i++) {
      if (record.values[i] !== undefined) continue;
      if (replace && isStamp(fields[i])) continue;
      const fallback = this.encoding.defaultValue(fields[i], now);
      if (fallback !== undefined) record.values[i] = fallback;
      else if (fields[i].optional) record.values[i] = null as V;
      else throw new QueryError(`missing required field "${fields[i].name}" for ${this.entity.name}${why}`, 400, fields[i].name);
    }
    return record.values as V[];
  }

  /** The fields a write sets, by name (a partial update changes only these). */
  changes(record: WriteRecord<V>): Record<string, V> {
    const out: Record<string, V> = {};
    this.entity.fields.forEach((f, i) => {
      if (record.values[i] !== undefined) out[f.name] = record.values[i]!;
    });
    return out;
  }
}

/**
 * A `DEFAULT now()` or `DEFAULT uuid()` field, an AUDIT entity's created_at/by or an IDENTIFIER
 * entity's identifier: stamped when the record is made, kept by a SAVE that leaves it out.
 */
export function isStamp(field: FieldSchema): boolean {
  if (isIdentifierField(field)) return true;
  if (field.audit === "createdAt" || field.audit === "createdBy") return true;
  // A SAVE neither deletes nor restores: a record's deleted_at/deleted_by stay as they are.
  if (field.softDelete !== undefined) return true;
  return (field.default !== undefined && "now" in field.default) || (field.computed !== undefined && ("uuid" in field.computed || "publicId" in field.computed));
}

/** The value of a write operand: an argument or a literal (a field is no value to write). */
export function operandValue(operand: Operand, args: readonly unknown[]): unknown {
  switch (operand.kind) {
    case "arg":
      return args[operand.index];
    case "literal":
      return operand.value;
    case "field":
    case "arith":
      throw new Error(`a write value that reads the row (${operand.kind}) is computed by the database, not passed in`);
  }
}

/**
 * Whether a write sets no field at all (`PATCH {}`): such an update changes nothing, so it records
 * no version (every driver answers with the rows as they are).
 */
export function writesNothing<V>(values: WriteValues, record: WriteRecord<V>): boolean {
  if (values.kind === "fields" && values.fields.some((f) => f.field !== "id" && readsRow(f.value))) return false;
  return record.values.every((v) => v === undefined);
}

/** Codecs by entity, so a write never rebuilds one (entities are compared by their JSON). */
export class CodecCache<V> {
  private readonly codecs = new Map<string, EntityWriteCodec<V>>();

  constructor(private readonly rules: WriteEncoding<V>) {}

  codec(entity: EntitySchema): EntityWriteCodec<V> {
    const key = JSON.stringify(entity);
    let codec = this.codecs.get(key);
    if (codec === undefined) {
      codec = new EntityWriteCodec<V>(entity, this.rules);
      this.codecs.set(key, codec);
    }
    return codec;
  }
}

/**
 * What `SAVE value INTO Entity` does (docs/language.md, "SAVE"; the same on every driver): it is a
 * PUT, replacing the record.
 * - no id (or id null): an insert, exactly as INSERT (the store assigns a new id);
 * - the id of an existing record: every field is written (`values`, completed as by
 *   `completeForReplace`), and one `update` version is recorded;
 * - an id no record has (never had, or deleted): the driver throws `noRecordToSave` (404) and
 *   writes nothing: ids come only from the store's sequence, so no record is created at an id
 *   the client chose;
 * - an id that is no integer: a 400.
 * Values are checked (400) before the driver looks for the record.
 */
export type SaveTarget<T, V> = { kind: "insert"; record: WriteRecord<V> } | { kind: "replace"; id: T; values: V[] };

export function saveTarget<T extends number | bigint, V>(
  codec: EntityWriteCodec<V>,
  record: WriteRecord<V>,
  readId: (id: unknown) => T | undefined,
  now: number,
): SaveTarget<T, V> {
  const id = saveId(record.id, readId);
  if (id === undefined) return { kind: "insert", record };
  return { kind: "replace", id, values: codec.completeForReplace(record, now) };
}

/** The 404 of a SAVE naming an id no record has (see SaveTarget). */
export function noRecordToSave(entity: EntitySchema, id: number | bigint): QueryError {
  return new QueryError(`no ${entity.name} with id ${String(id)} to replace (SAVE without an id creates one)`, 404, "id");
}

/**
 * The id a save names, read with `readId` (each driver reads ids as its filters do), or undefined
 * when it names none; an id that is no integer is a 400.
 */
export function saveId<T extends number | bigint>(id: unknown, readId: (id: unknown) => T | undefined): T | undefined {
  if (id === undefined || id === null) return undefined;
  const n = readId(id);
  if (n !== undefined) return n;
  throw new QueryError(`field "id" must be an integer, got ${JSON.stringify(id) ?? String(id)}`, 400, "id");
}
