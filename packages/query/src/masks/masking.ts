/**
 * MASKED fields (docs/entities.md, "Masked fields"): a value is shown partially in whatever
 * leaves the server, unless the caller holds a role the field names (`MASKED UNLESS admin`).
 *
 * One path, in three pieces:
 * - `maskValue`: the rule per kind of field (the one place that decides what is kept);
 * - `maskRecordingDriver`: a request's view of a data source that notes every MASKED value its
 *   reads and writes return (rows, nested selections, HISTORY entries, AS OF), in the request's
 *   `MaskedValues`. The handler itself gets the rows unchanged: its own logic (a comparison, a
 *   lookup, a value passed to another service) needs the real value, and masking a value the
 *   handler then writes back would store the mask;
 * - `MaskedValues.maskText`: the runtime passes the request's answer — its JSON text, a problem
 *   included — through it once, just before it is sent, so every copy of a noted value is masked
 *   wherever the handler put it (a field of another name, an interpolated message).
 *
 * Matching by value is deliberate: the answer is whatever the handler built, and following each
 * value through its logic is not possible at run time. It errs on the safe side — the same text
 * in another field of the same answer is masked too.
 */
import { withExecute } from "../driver-view.js";
import type { Driver } from "../driver.js";
import { operandFields, type EntitySchema, type FieldSchema, type HistoryEntry, type MaskRule, type NestedSelection, type QueryPlan, type SelectShape } from "../plan.js";

/** The character a masked character is shown as. */
export const MASK_CHAR = "*";

/** Characters a `text` mask keeps at the end (only of a value at least twice as long). */
const KEPT = 4;

/**
 * A value as a MASKED field of this kind shows it:
 * - `email`: the first character of the local part and the domain (`a***@example.com`);
 * - `phone`: the `+` and the last 4 digits, each other digit a `*` (`+********0958`);
 * - `text`: the last 4 characters, each other one a `*` (`*****6789`); a value shorter than 8
 *   characters is masked whole (keeping 4 of 6 would show most of it).
 */
export function maskValue(kind: MaskRule["kind"], value: string): string {
  if (kind === "email") {
    const at = value.lastIndexOf("@");
    if (at > 0) return `${Array.from(value.slice(0, at))[0]}***${value.slice(at)}`;
  }
  if (kind === "phone" && /\d{5,}/.test(value.replace(/\D/g, ""))) {
    const digits = value.replace(/\D/g, "").length;
    let seen = 0;
    return value.replace(/\d/g, (d) => (++seen > digits - KEPT ? d : MASK_CHAR));
  }
  const chars = Array.from(value);
  const kept = chars.length >= 2 * KEPT ? KEPT : 0;
  return MASK_CHAR.repeat(chars.length - kept) + chars.slice(chars.length - kept).join("");
}

/** The MASKED fields of an entity (empty for most). */
export function maskedFields(entity: EntitySchema | undefined): FieldSchema[] {
  return entity?.fields.filter((f) => f.masked !== undefined) ?? [];
}

/** Whether any entity has a MASKED field. */
export function hasMaskedFields(entities: readonly EntitySchema[]): boolean {
  return entities.some((e) => maskedFields(e).length > 0);
}

/** A noted value: how it is shown masked, and the roles that may see it whole. */
interface Noted {
  masked: string;
  unless: readonly string[];
}

/** Values shorter than this are masked only where they are a whole JSON string, never inside a longer text. */
const SHORTEST_INSIDE = 4;

/** The MASKED values one request has read, and how each is shown (see the module comment). */
export class MaskedValues {
  private readonly noted = new Map<string, Noted>();

  get size(): number {
    return this.noted.size;
  }

  /** Notes a value read from a MASKED field. */
  note(rule: MaskRule, value: unknown): void {
    if (typeof value !== "string" || value === "") return;
    const known = this.noted.get(value);
    // The same text in two fields: shown whole only to a role both allow.
    const unless = known === undefined ? rule.unless : known.unless.filter((r) => rule.unless.includes(r));
    const masked = known !== undefined && known.masked !== maskValue(rule.kind, value) ? maskValue("text", value) : maskValue(rule.kind, value);
    this.noted.set(value, { masked, unless });
  }

  /**
   * A response's JSON text with every noted value masked, except those the caller may see whole
   * (`allowed(roles)` says whether it holds one of them). Longer values first, so a value that
   * contains another is masked as itself.
   */
  maskText(text: string, allowed: (roles: readonly string[]) => boolean, form: "json" | "text" = "json"): string {
    const values = [...this.noted].filter(([, n]) => n.unless.length === 0 || !allowed(n.unless)).sort(([a], [b]) => b.length - a.length);
    if (values.length === 0) return text;
    if (form === "text") return values.reduce((out, [value, { masked }]) => out.split(value).join(masked), text);
    // JSON: only string values change (never a key, a number or `null`), each decoded, masked, re-encoded.
    return text.replace(JSON_STRING, (literal: string, offset: number) => {
      if (KEY_AFTER.test(text.slice(offset + literal.length, offset + literal.length + 8))) return literal;
      const value = JSON.parse(literal) as string;
      let out = value;
      for (const [noted, { masked }] of values) {
        if (out === noted) return JSON.stringify(masked);
        if (Array.from(noted).length >= SHORTEST_INSIDE && out.includes(noted)) out = out.split(noted).join(masked);
      }
      return out === value ? literal : JSON.stringify(out);
    });
  }
}

/** A JSON string literal (escapes included). */
const JSON_STRING = /"(?:[^"\\]|\\.)*"/g;
/** What follows a JSON object's key: the literal before it is a name, not a value. */
const KEY_AFTER = /^\s*:/;

type Row = Record<string, unknown>;

function rowsOf(result: unknown): Row[] {
  if (Array.isArray(result)) return result.filter((r): r is Row => r !== null && typeof r === "object");
  return result !== null && typeof result === "object" ? [result as Row] : [];
}

/** Notes the MASKED values of rows of `entity` (and of their nested selections). */
function noteRows(rows: readonly Row[], entity: EntitySchema | undefined, nested: readonly NestedSelection[], byName: ReadonlyMap<string, EntitySchema>, into: MaskedValues): void {
  const fields = maskedFields(entity);
  for (const row of rows) {
    for (const f of fields) into.note(f.masked!, row[f.name]);
    for (const n of nested) if (n.shape !== "count" && n.name in row) noteRows(rowsOf(row[n.name]), byName.get(n.relation.entity), n.nested, byName, into);
  }
}

/**
 * A request's view of a data source: what its statements return is handed back unchanged, and
 * each MASKED value in it is noted in the request's `MaskedValues` (made on first need by
 * `values`). `entities` are the data source's.
 */
export function maskRecordingDriver(driver: Driver, entities: readonly EntitySchema[], values: () => MaskedValues): Driver {
  const byName = new Map(entities.map((e) => [e.name, e]));
  return withExecute(driver, (inner) => async (query, args) => {
    const result = await inner(query, args);
    noteResult(query.plan, result, byName, values);
    return result;
  });
}

function noteResult(plan: QueryPlan, result: unknown, byName: ReadonlyMap<string, EntitySchema>, values: () => MaskedValues): void {
  const entity = byName.get(plan.entity);
  if (plan.kind === "select" && plan.shape !== undefined) return noteShaped(plan.shape, result, entity, values);
  const nested = plan.kind === "select" ? plan.nested ?? [] : [];
  if (maskedFields(entity).length === 0 && nested.length === 0) return;
  const rows = plan.kind === "history" ? rowsOf(result).flatMap((e) => rowsOf((e as unknown as HistoryEntry).data)) : rowsOf(result);
  if (rows.length === 0) return;
  noteRows(rows, entity, nested, byName, values());
}

/**
 * A shaped SELECT (aliases, computed columns, aggregates, pages): a column that reads a MASKED
 * field holds its value (`ssn AS number`, `MIN(ssn)`) or a text made from it (`name + ssn`), so
 * the column's values are noted with that field's rule — a computed one masked as text whole.
 */
function noteShaped(shape: SelectShape, result: unknown, entity: EntitySchema | undefined, values: () => MaskedValues): void {
  const masked = new Map(maskedFields(entity).map((f) => [f.name, f.masked!]));
  if (masked.size === 0) return;
  const reading = shape.columns.flatMap((c) => {
    const field = operandFields(c.value).find((f) => masked.has(f));
    if (field === undefined) return [];
    const rule = masked.get(field)!;
    const direct = (c.value.kind === "field" || c.value.kind === "aggregate") && operandFields(c.value)[0] === field;
    return [{ name: c.name, rule: direct ? rule : { kind: "text" as const, unless: rule.unless } }];
  });
  if (reading.length === 0) return;
  if (shape.result === "value") {
    values().note(reading[0].rule, result);
    return;
  }
  const holder = shape.result === "page" || shape.result === "cursor" ? (result as { items?: unknown } | null)?.items : result;
  for (const row of rowsOf(holder)) for (const c of reading) values().note(c.rule, row[c.name]);
}

/**
 * A row of `entity` with its MASKED values masked, for what is sent without a request that read it
 * (a GraphQL subscription's change event goes to every subscriber): masked for everyone.
 */
export function maskRow(entity: EntitySchema, row: Record<string, unknown> | null): Record<string, unknown> | null {
  const fields = maskedFields(entity);
  if (row === null || fields.length === 0) return row;
  const out = { ...row };
  for (const f of fields) if (typeof out[f.name] === "string") out[f.name] = maskValue(f.masked!.kind, out[f.name] as string);
  return out;
}
