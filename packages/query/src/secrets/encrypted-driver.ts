/**
 * ENCRYPTED fields as the app sees them (docs/entities.md, "Encrypted fields"): the driver view
 * that encrypts what a write stores in them and decrypts what a read returns, the same on every
 * driver, on Node and in the playground. The database only ever holds ciphertext (envelope.ts),
 * and the record codec refuses anything else in such a field (values/write-values.ts).
 *
 * - A write (INSERT, SAVE, UPDATE of one record) checks each encrypted value against its field's
 *   type, encrypts it under a new data key, and — in the same transaction — stores that key,
 *   wrapped, linked to the written record (data-keys.ts). Each version thus has a key of its own,
 *   and every key of a record is linked to it.
 * - A read (rows, a write's returned rows, nested selections, HISTORY entries, AS OF) loads the
 *   data keys its values name in one statement and decrypts them. A value whose key no longer
 *   exists — the record was forgotten — reads as null.
 */
import { withExecute } from "../driver-view.js";
import type { Driver } from "../driver.js";
import type { EntitySchema, FieldSchema, HistoryEntry, NestedSelection, QueryPlan } from "../plan.js";
import { checkFieldValue, withoutEcho } from "../values/write-values.js";
import { operandValue } from "../values/write-record.js";
import type { DataKeys } from "./data-keys.js";
import { ciphertextKeyId, decryptValue, encryptValue, isCiphertext, newDataKey, type DataKey } from "./envelope.js";

/** The ENCRYPTED fields of an entity (empty for most). */
export function encryptedFields(entity: EntitySchema | undefined): FieldSchema[] {
  return entity?.fields.filter((f) => f.encrypted === true) ?? [];
}

/** `driver` with ENCRYPTED fields encrypted on the way in and decrypted on the way out (see the module comment). */
export function encryptedDriver(driver: Driver, entities: readonly EntitySchema[], keys: DataKeys | undefined): Driver {
  const byName = new Map(entities.map((e) => [e.name, e]));
  if (!entities.some((e) => encryptedFields(e).length > 0)) return driver;
  if (keys === undefined) throw new Error(`entities with ENCRYPTED fields (${entities.filter((e) => encryptedFields(e).length > 0).map((e) => e.name).join(", ")}) need the data source's keys`);
  const touches = (plan: QueryPlan) => encryptedFields(byName.get(plan.entity)).length > 0 || (plan.kind === "select" && (plan.nested ?? []).some((n) => reachesEncrypted(n, byName)));
  return withExecute(driver, (inner) => async (query, args) => {
    const plan = query.plan;
    if (!touches(plan)) return inner(query, args);
    const entity = byName.get(plan.entity)!;
    if (plan.kind !== "insert" && plan.kind !== "save" && plan.kind !== "update") return decryptResult(plan, await inner(query, args), byName, keys);
    const { args: sealed, dataKey } = await encryptWrite(plan, args, entity);
    if (dataKey === undefined) return decryptResult(plan, await inner(query, args), byName, keys);
    // The record and its key commit together (joining the endpoint's transaction when one is open).
    const result = await driver.transaction(async () => {
      const written = await inner(query, sealed);
      for (const row of rowsOf(written)) {
        const owner = keyOwner(entity, row);
        if (owner !== undefined) await keys.store(dataKey, owner.entity, owner.id);
      }
      return written;
    });
    return decryptResult(plan, result, byName, keys);
  });
}

/**
 * Whose data key it is: the data subject the written record's values belong to. A record of an
 * entity that is `PERSONAL DATA OF customer` belongs to the record its reference names (so that
 * forgetting the subject erases it too); any other record — a SUBJECT's, or one of an entity
 * that declares no subject — is its own subject.
 */
export function keyOwner(entity: EntitySchema, row: Readonly<Record<string, unknown>>): { entity: string; id: number } | undefined {
  const of = entity.personalDataOf;
  if (of !== undefined) {
    const ref = row[of.field];
    if (typeof ref === "number" || typeof ref === "bigint") return { entity: of.entity, id: Number(ref) };
  }
  return typeof row.id === "number" || typeof row.id === "bigint" ? { entity: entity.name, id: Number(row.id) } : undefined;
}

function reachesEncrypted(n: NestedSelection, byName: ReadonlyMap<string, EntitySchema>): boolean {
  return encryptedFields(byName.get(n.relation.entity)).length > 0 || n.nested.some((x) => reachesEncrypted(x, byName));
}

/** A write's arguments with its encrypted fields' values encrypted under one new data key (none when it writes none). */
async function encryptWrite(plan: Extract<QueryPlan, { kind: "insert" | "save" | "update" }>, args: readonly unknown[], entity: EntitySchema): Promise<{ args: readonly unknown[]; dataKey?: DataKey }> {
  const fields = new Map(encryptedFields(entity).map((f) => [f.name, f]));
  const out = [...args];
  let dataKey: DataKey | undefined;
  const seal = async (field: FieldSchema, value: unknown): Promise<unknown> => {
    // The declared type's rules (an email is an email) apply to the plaintext, before it is hidden.
    const { encrypted: _, ...plain } = field;
    // Its 400 never quotes the value: the plaintext is what the field keeps out of answers and logs.
    const checked = withoutEcho(() => checkFieldValue(plain, value));
    if (checked === null) return value;
    dataKey ??= await newDataKey();
    return encryptValue(dataKey, String(checked), entity.name, field.name);
  };
  const values = plan.values;
  if (values.kind === "object") {
    const input = operandValue(values.operand, args);
    if (values.operand.kind === "arg" && input !== null && typeof input === "object" && !Array.isArray(input)) {
      const copy = { ...(input as Record<string, unknown>) };
      for (const [name, field] of fields) if (copy[name] !== undefined) copy[name] = await seal(field, copy[name]);
      out[values.operand.index] = copy;
    }
  } else {
    for (const { field, value } of values.fields) {
      const declared = fields.get(field);
      if (declared !== undefined && value.kind === "arg") out[value.index] = await seal(declared, args[value.index]);
    }
  }
  return dataKey === undefined ? { args } : { args: out, dataKey };
}

type Row = Record<string, unknown>;

function rowsOf(result: unknown): Row[] {
  if (Array.isArray(result)) return result.filter((r): r is Row => r !== null && typeof r === "object");
  return result !== null && typeof result === "object" ? [result as Row] : [];
}

/** One encrypted value found in a result, and where it goes back. */
interface Sealed {
  row: Row;
  entity: string;
  field: string;
  value: string;
}

/** Every encrypted value of the rows of `entity` (and of their nested selections). */
function collect(rows: readonly Row[], entity: EntitySchema | undefined, nested: readonly NestedSelection[], byName: ReadonlyMap<string, EntitySchema>, out: Sealed[]): void {
  const fields = encryptedFields(entity);
  for (const row of rows) {
    for (const f of fields) {
      const value = row[f.name];
      if (isCiphertext(value)) out.push({ row, entity: entity!.name, field: f.name, value });
    }
    for (const n of nested) if (n.shape !== "count" && n.name in row) collect(rowsOf(row[n.name]), byName.get(n.relation.entity), n.nested, byName, out);
  }
}

/** A result with every encrypted value decrypted, or null where its data key was destroyed. */
async function decryptResult(plan: QueryPlan, result: unknown, byName: ReadonlyMap<string, EntitySchema>, keys: DataKeys): Promise<unknown> {
  const entity = byName.get(plan.entity);
  const found: Sealed[] = [];
  if (plan.kind === "history") collect(rowsOf(result).map((e) => (e as unknown as HistoryEntry).data), entity, [], byName, found);
  else if (plan.kind !== "select" || plan.shape === undefined) collect(rowsOf(result), entity, plan.kind === "select" ? plan.nested ?? [] : [], byName, found);
  if (found.length === 0) return result;
  const loaded = await keys.load(found.map((s) => ciphertextKeyId(s.value)!));
  for (const s of found) {
    const key = loaded.get(ciphertextKeyId(s.value)!);
    s.row[s.field] = key === undefined ? null : await decryptValue(key, s.value, s.entity, s.field);
  }
  return result;
}
