/**
 * The row being written: a write's values (an object argument or fields set one by one) checked
 * against the entity and turned into stored values, in field declaration order.
 */
import { QueryError, type EntitySchema, type FieldSchema, type Operand, type WriteValues } from "@kova/query";
import { defaultValue, encodeFieldValue, encodeSlotValue, type StoredValue } from "./mongo-values.js";

export interface WriteRecord {
  /** Stored values by field position; undefined where the write does not set the field. */
  values: Array<StoredValue | undefined>;
  /** The `id` the values carry (save uses it; insert ignores it, the store assigns ids). */
  id: unknown;
}

export class EntityCodec {
  private readonly positions = new Map<string, number>();

  constructor(readonly entity: EntitySchema) {
    entity.fields.forEach((f, i) => this.positions.set(f.name, i));
  }

  private unknownField(name: string): never {
    const known = this.entity.fields.map((f) => f.name).join(", ");
    throw new QueryError(`unknown field "${name}" for ${this.entity.name} (its fields: ${known})`, 400, name);
  }

  private set(record: WriteRecord, field: FieldSchema, position: number, value: unknown): void {
    if (value === undefined) return;
    if (value === null && !field.optional) throw new QueryError(`field "${field.name}" is required and cannot be null`, 400, field.name);
    record.values[position] = encodeFieldValue(field, value);
  }

  private assign(record: WriteRecord, key: string, value: unknown): void {
    if (key === "id") {
      record.id = value;
      return;
    }
    const position = this.positions.get(key);
    if (position === undefined) this.unknownField(key);
    this.set(record, this.entity.fields[position], position, value);
  }

  fromObject(input: unknown): WriteRecord {
    if (input === null || typeof input !== "object" || Array.isArray(input)) {
      throw new QueryError(`the values to write into ${this.entity.name} must be an object`, 400);
    }
    const record: WriteRecord = { values: new Array(this.entity.fields.length), id: undefined };
    for (const key of Object.keys(input)) this.assign(record, key, (input as Record<string, unknown>)[key]);
    return record;
  }

  fromPlan(values: WriteValues, args: readonly unknown[]): WriteRecord {
    if (values.kind === "object") return this.fromObject(operandValue(values.operand, args));
    const record: WriteRecord = { values: new Array(this.entity.fields.length), id: undefined };
    for (const { field, value } of values.fields) this.assign(record, field, operandValue(value, args));
    return record;
  }

  /** Fills what an insert leaves out: defaults, null for optional fields; a missing required field is a 400. */
  completeForInsert(record: WriteRecord, now: number): StoredValue[] {
    const { fields } = this.entity;
    for (let i = 0; i < fields.length; i++) {
      if (record.values[i] !== undefined) continue;
      const fallback = defaultValue(fields[i], now);
      if (fallback !== undefined) record.values[i] = fallback;
      else if (fields[i].optional) record.values[i] = null;
      else throw new QueryError(`missing required field "${fields[i].name}" for ${this.entity.name}`, 400, fields[i].name);
    }
    return record.values as StoredValue[];
  }

  /** The fields a write sets, by name (a partial update changes only these). */
  changes(record: WriteRecord): Record<string, StoredValue> {
    const out: Record<string, StoredValue> = {};
    this.entity.fields.forEach((f, i) => {
      if (record.values[i] !== undefined) out[f.name] = record.values[i]!;
    });
    return out;
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
  const encoded = encodeSlotValue({ kind: "scalar", type: "id" }, id);
  if (typeof encoded === "number" && Number.isSafeInteger(encoded)) return encoded;
  throw new QueryError(`field "id" must be an integer, got ${JSON.stringify(id) ?? String(id)}`, 400, "id");
}
