/** Every rich type by name: the one place VALIDATE, entity writes, schemas and drivers look them up. */
import { CODE_TYPES } from "./code-types.js";
import { NETWORK_TYPES } from "./network-types.js";
import { QUANTITY_TYPES } from "./quantity-types.js";
import type { NativeDriver, RichType } from "./rich-type.js";
import { TEXT_TYPES } from "./text-types.js";
import { TIME_TYPES } from "./time-types.js";

export const RICH_TYPES: ReadonlyMap<string, RichType> = new Map(
  [...TEXT_TYPES, ...NETWORK_TYPES, ...CODE_TYPES, ...QUANTITY_TYPES, ...TIME_TYPES].map((t) => [t.name, t]),
);

/** A field's rich type as the IR carries it: its name, and decimal(p, s)'s two numbers. */
export interface RichTypeRef {
  name: string;
  args?: number[];
}

export function richType(name: string): RichType | undefined {
  return RICH_TYPES.get(name);
}

/**
 * Checks `value` against a rich type: its canonical form, or the message a 400 carries —
 * "must be a phone number in international E.164 form, e.g. "+14155550100"".
 */
export function checkRich(ref: RichTypeRef, value: unknown): { ok: true; value: string | number } | { ok: false; message: string } {
  const type = RICH_TYPES.get(ref.name);
  if (type === undefined) return { ok: false, message: `has an unknown type ${ref.name}` };
  const result = type.check(value, ref.args ?? []);
  return result.ok ? result : { ok: false, message: `must be ${expectedForm(ref)}` };
}

/** "a phone number in international E.164 form, e.g. "+14155550100"". */
export function expectedForm(ref: RichTypeRef): string {
  const type = RICH_TYPES.get(ref.name)!;
  if (ref.name === "decimal" && ref.args !== undefined) {
    const [p, s] = ref.args;
    return `a decimal number of at most ${p} digits, ${s} after the point, e.g. ${s! > 0 ? 0.5 : 1}`;
  }
  return `${type.expected}, e.g. ${JSON.stringify(type.example)}`;
}

/** The column type a SQL driver writes for a rich field, when it is not the storage scalar's own. */
export function richColumn(ref: RichTypeRef | undefined, driver: NativeDriver): string | undefined {
  if (ref === undefined) return undefined;
  return RICH_TYPES.get(ref.name)?.columns?.(ref.args ?? [])[driver];
}

