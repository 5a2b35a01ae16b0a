/**
 * Binding a statement's params to values at run time, the same for every flavour: arguments are
 * encoded by the flavour, literals were encoded at compile time, the rest come from the write in
 * hand. (The embedded store binds in its own tighter loop with field positions resolved once.)
 */
import { cursorKey } from "@kova/query";
import type { Param } from "./sql-compiled.js";

/** What a write statement's `value`/`present`/`id`/`ids`/`at` params read. */
export interface WriteSlots {
  /** Stored values by field position; undefined where the write does not set the field. */
  values: ReadonlyArray<unknown>;
  positions: ReadonlyMap<string, number>;
  id?: unknown;
  /** The ids a write locked (bound as a JSON array). */
  ids?: readonly number[];
  at?: unknown;
  /** Whether the write sets any field. */
  changes?: boolean;
}

export function bindParams(
  params: readonly Param[],
  args: readonly unknown[],
  encode: (encoding: Extract<Param, { from: "arg" }>["encoding"], value: unknown) => unknown,
  /** How the flavour binds "this write sets the field" (true/false, 1/0). */
  present: (set: boolean) => unknown,
  write?: WriteSlots,
): unknown[] {
  return params.map((p) => {
    switch (p.from) {
      case "arg":
        return encode(p.encoding, args[p.index]);
      case "cursor":
        return encode(p.encoding, cursorKey(args[p.index], p.position, p.count, p.field));
      case "literal":
        return p.value;
      case "value":
        return write!.values[write!.positions.get(p.field)!] ?? null;
      case "present":
        return present(write!.values[write!.positions.get(p.field)!] !== undefined);
      case "id":
        return write!.id ?? null;
      case "ids":
        return JSON.stringify(write!.ids ?? []);
      case "at":
        return write!.at ?? null;
      case "changes":
        return write!.changes ?? true;
    }
  });
}
