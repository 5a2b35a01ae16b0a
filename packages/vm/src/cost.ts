/**
 * Which handlers are known cheap before they run: the engine runs those on its main thread even
 * when it has a worker pool, because handing an execution to a worker and back (two messages, two
 * structured clones, two thread wake-ups) costs more than a short handler does (docs/engine.md,
 * "Worker threads": measured there).
 *
 * A function's bound is the most instructions one call of it can run, read off its code: it has no
 * backward jump (no loop, no comprehension), no SPAWN or AWAIT, calls only functions with a bound
 * (so no recursion) and the sum stays within CHEAP_INSTRUCTIONS. Instructions whose work is not
 * linear in their data (LIKE, and the built-ins in SUPERLINEAR) leave a function without a bound:
 * everything else the VM does is linear in values the runtime and the quotas already bound (the
 * request body limit, rows per query), and metered as it runs. A handler with a bound is still
 * metered by every quota on the main thread; the bound only decides where it runs.
 */
import { bytecode } from "@kova/compiler";
import type { ReadyFunction } from "./load.js";

const { Op, OPERANDS } = bytecode;

/** Instructions beyond which a handler is not "known cheap" (a few tens of microseconds of interpretation). */
export const CHEAP_INSTRUCTIONS = 4096;

/** Built-ins whose work can grow faster than their input: sorting, pattern matching, search and replace, templates. */
const SUPERLINEAR: ReadonlySet<string> = new Set(["sort", "matches", "contains", "replace", "format", "unique"]);

/** Each function's instruction bound, or -1 when it has none (see above). */
export function instructionBounds(functions: readonly ReadyFunction[], constants: readonly unknown[]): Int32Array {
  const bounds = new Int32Array(functions.length).fill(-2); // -2: not computed yet
  const visiting = new Set<number>();
  const bound = (index: number): number => {
    if (bounds[index] !== -2) return bounds[index];
    // A call back into a function being measured is recursion: no bound.
    if (visiting.has(index)) return -1;
    visiting.add(index);
    const result = measure(functions[index], constants, bound);
    visiting.delete(index);
    bounds[index] = result;
    return result;
  };
  for (let i = 0; i < functions.length; i++) bound(i);
  return bounds;
}

function measure(fn: ReadyFunction, constants: readonly unknown[], bound: (index: number) => number): number {
  const w = fn.words;
  let total = 0;
  for (let pc = 0; pc < w.length; pc += 1 + OPERANDS[w[pc]]) {
    const op = w[pc];
    total += 1;
    switch (op) {
      case Op.Jump: case Op.JumpIfFalse: case Op.JumpIfTrueKeep: case Op.JumpIfFalseKeep: case Op.JumpIfNotNullKeep: case Op.IterNext:
        // Jump targets are word indexes (load.ts): one at or before the jump closes a loop.
        if (w[pc + OPERANDS[op]] <= pc) return -1;
        break;
      case Op.Spawn: case Op.Await: case Op.Like:
        return -1;
      case Op.Builtin:
        if (SUPERLINEAR.has(constants[w[pc + 1]] as string)) return -1;
        break;
      case Op.Call: {
        const callee = bound(w[pc + 1]);
        if (callee === -1) return -1;
        total += callee;
        break;
      }
    }
    if (total > CHEAP_INSTRUCTIONS) return -1;
  }
  return total;
}
