/**
 * The row being written: a write's values (an object argument or fields set one by one) checked
 * against the entity and turned into bound values, in field declaration order. The rules are the
 * embedded store's, so both drivers accept and refuse the same writes with the same messages.
 */
import { QueryError, type EntitySchema, type FieldSchema, type Operand, type WriteValues } from "@kova/query";
import { defaultValue, encodeFieldValue, type PgValue } from "./pg-values.js";

export interface WriteRecord {
  /** Bound values by field position; undefined where the write does not set the field. */
  values: Array<PgValue | undefined>;
  /** The `id` the values carry (used by save; ignored by insert, where the store assigns it). */
  id: unknown;
}

/** An entity's fields indexed for checking writes (built once per entity, reused per row). */
export class EntityCodec {
  readonly positions = new Map<string, number>();

  constructor(readonly entity: EntitySchema) {
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

  private set(record: WriteRecord, field: FieldSchema, position: number, value: unknown): void {
    if (value === undefined) return;
    if (value === null && !field.optional) {
      throw new QueryError(`field "${field.name}" is required and cannot be null`, 400, field.name);
    }
    record.values[position] = encodeFieldValue(field, value);
  }

  /** Checks an object's keys and values (keys left out, or undefined, are not set). */
  fromObject(input: unknown): WriteRecord {
    if (input === null || typeof input !== "object" || Array.isArray(input)) {
      throw new QueryError(`the values to write into ${this.entity.name} must be an object`, 400);
    }
    const record: WriteRecord = { values: new Array(this.entity.fields.length), id: undefined };
    for (const key in input) {
      if (!Object.prototype.hasOwnProperty.call(input, key)) continue;
      const value = (input as Record<string, unknown>)[key];
      if (key === "id") {
        record.id = value;
        continue;
      }
      const position = this.positions.get(key);
      if (position === undefined) this.unknownField(key);
      this.set(record, this.entity.fields[position], position, value);
    }
    return record;
  }

  /** The record a plan's write values describe, with the request's arguments. */
  fromPlan(values: WriteValues, args: readonly unknown[]): WriteRecord {
    if (values.kind === "object") return this.fromObject(operandValue(values.operand, args));
    const record: WriteRecord = { values: new Array(this.entity.fields.length), id: undefined };
    for (const { field, value } of values.fields) {
      const resolved = operandValue(value, args);
      if (field === "id") {
        record.id = resolved;
        continue;
      }
      const position = this.positions.get(field);
      if (position === undefined) this.unknownField(field);
      this.set(record, this.entity.fields[position], position, resolved);
    }
    return record;
  }

  /** Fills what an insert leaves out: defaults, null for optional fields; a missing required field is an error. */
  completeForInsert(record: WriteRecord, now: number): PgValue[] {
    const fields = this.entity.fields;
    const values = record.values;
    for (let i = 0; i < fields.length; i++) {
      if (values[i] !== undefined) continue;
      const field = fields[i];
      const fallback = defaultValue(field, now);
      if (fallback !== undefined) values[i] = fallback;
      else if (field.optional) values[i] = null;
      else throw new QueryError(`missing required field "${field.name}" for ${this.entity.name}`, 400, field.name);
    }
    return values as PgValue[];
  }
}

export function operandValue(operand: Operand, args: readonly unknown[]): unknown {
  switch (operand.kind) {
    case "arg":
      return args[operand.index];
    case "literal":
      return operand.value;
    case "field":
      throw new Error(`a write value cannot be the field "${operand.field}"`);
  }
}

/** The id a save names, or undefined when it names none. */
export function saveId(id: unknown): number | undefined {
  if (id === undefined || id === null) return undefined;
  const n = typeof id === "string" && /^-?\d+$/.test(id.trim()) ? Number(id) : id;
  if (typeof n === "number" && Number.isSafeInteger(n)) return n;
  throw new QueryError(`field "id" must be an integer, got ${JSON.stringify(id) ?? String(id)}`, 400, "id");
}
