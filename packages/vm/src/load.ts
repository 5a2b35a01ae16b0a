import type { KeyObject } from "node:crypto";
import { bytecode } from "@kova/compiler";
import { instructionBounds } from "./cost.js";
import { BytecodeLoadError, verifyBytecode, type LoadedProgram } from "./signing.js";

const { Op, OPERANDS, VM_BUILTINS, INPUT_SOURCES } = bytecode;

/** A function ready to run: its instructions as 32-bit words, jump targets as word indexes. */
export interface ReadyFunction {
  name: string;
  kind: "route" | "fn";
  params: number;
  locals: number;
  localNames: string[];
  words: Int32Array;
}

export interface ReadyProgram extends LoadedProgram {
  functions: ReadyFunction[];
  /** Route id → function index. */
  routes: Map<string, number>;
  /** Some function runs a query (its executions then bound their waits by the deadline). */
  queries: boolean;
  /** Some function SPAWNs a task (its executions then stop leftover tasks when they answer). */
  spawns: boolean;
  /** Each function's most instructions per call, -1 when unbounded (cost.ts): the pool runs bounded handlers inline. */
  bounds: Int32Array;
}

/** Verifies and reads a signed .kbc file (see verifyBytecode for the order of checks). */
export function loadBytecode(file: Uint8Array, trusted: readonly KeyObject[]): ReadyProgram {
  const { signed, hash, keyId } = verifyBytecode(file, trusted);
  let program: bytecode.BytecodeProgram;
  try {
    program = bytecode.decodeProgram(signed);
  } catch (error) {
    throw new BytecodeLoadError("malformed", (error as Error).message);
  }
  return prepareProgram(program, hash, keyId);
}

/**
 * Checks every instruction before anything runs — known opcodes, constants, slots, functions,
 * queries and views in range, jumps landing on instructions, calls with the callee's arity — and
 * turns the code into words. A signed file from a trusted key is checked all the same.
 */
export function prepareProgram(program: bytecode.BytecodeProgram, hash: string, keyId: string): ReadyProgram {
  const bad = (fn: string, pc: number, what: string): never => {
    throw new BytecodeLoadError("malformed", `${fn} at byte ${pc}: ${what}`);
  };
  const constant = (fn: string, pc: number, k: number, allowNone = false) => {
    if (allowNone && k === -1) return;
    if (!(k >= 0 && k < program.constants.length)) bad(fn, pc, `constant #${k} does not exist`);
  };
  let spawns = false;
  const functions = program.functions.map((f): ReadyFunction => {
    if (f.localNames.length !== f.locals || f.params > f.locals) bad(f.name, 0, "its frame does not add up");
    const view = new DataView(f.code.buffer, f.code.byteOffset, f.code.byteLength);
    const starts = new Map<number, number>();
    const words: number[] = [];
    const jumps: Array<{ word: number; target: number; pc: number }> = [];
    let pc = 0;
    while (pc < f.code.length) {
      const op = f.code[pc];
      const count = OPERANDS[op];
      if (count === undefined) bad(f.name, pc, `unknown opcode ${op}`);
      if (pc + 1 + count * 4 > f.code.length) bad(f.name, pc, "an instruction runs past the end of the code");
      const a: number[] = [];
      for (let i = 0; i < count; i++) a.push(view.getInt32(pc + 1 + i * 4, true));
      starts.set(pc, words.length);
      const slot = (s: number) => {
        if (!(s >= 0 && s < f.locals)) bad(f.name, pc, `slot ${s} is outside its frame of ${f.locals}`);
      };
      switch (op) {
        case Op.Const: case Op.Member: case Op.SetKey: case Op.RemoveKey: constant(f.name, pc, a[0]); break;
        case Op.Load: case Op.Store: case Op.IterInit: slot(a[0]); break;
        case Op.IterNext: slot(a[0]); slot(a[1]); break;
        case Op.Input:
          if (!(a[0] >= 0 && a[0] < INPUT_SOURCES.length)) bad(f.name, pc, `unknown input source ${a[0]}`);
          constant(f.name, pc, a[1], true);
          break;
        case Op.Builtin: {
          constant(f.name, pc, a[0]);
          const name = program.constants[a[0]];
          if (typeof name !== "string" || !VM_BUILTINS.has(name)) bad(f.name, pc, `${JSON.stringify(name)} is not a built-in of the VM`);
          if (!(a[1] >= 0 && a[1] <= 64)) bad(f.name, pc, "a built-in call with a bad argument count");
          break;
        }
        case Op.Call: case Op.Spawn: {
          if (op === Op.Spawn) spawns = true;
          const callee = program.functions[a[0]];
          if (callee === undefined || callee.kind !== "fn") bad(f.name, pc, `function ${a[0]} does not exist`);
          if (callee!.params !== a[1]) bad(f.name, pc, `${callee!.name} takes ${callee!.params} arguments, not ${a[1]}`);
          break;
        }
        case Op.Query: if (!(a[0] >= 0 && a[0] < program.queries.length) || !(a[1] >= 0 && a[1] <= 1024)) bad(f.name, pc, `query ${a[0]} does not exist`); break;
        case Op.Coerce: case Op.Canonical: case Op.OrderIndex: constant(f.name, pc, a[0]); constant(f.name, pc, a[1]); break;
        case Op.View: if (!(a[0] >= 0 && a[0] < program.views.length)) bad(f.name, pc, `view ${a[0]} does not exist`); break;
        case Op.Concat: if (!(a[0] >= 0 && a[0] <= 65536)) bad(f.name, pc, "a bad part count"); break;
        case Op.Respond:
          if (!(a[0] >= 100 && a[0] <= 599) || !(a[1] >= 0 && a[1] <= 7)) bad(f.name, pc, "a bad RESPOND");
          constant(f.name, pc, a[2], true);
          if (a[3] !== -1 && !(a[3] >= 0 && a[3] < program.queries.length)) bad(f.name, pc, `query ${a[3]} does not exist`);
          break;
        case Op.Fail: if (!(a[0] >= 400 && a[0] <= 599)) bad(f.name, pc, "a bad ERROR status"); break;
      }
      words.push(op, ...a);
      const isJump = op === Op.Jump || op === Op.JumpIfFalse || op === Op.JumpIfTrueKeep || op === Op.JumpIfFalseKeep || op === Op.JumpIfNotNullKeep || op === Op.IterNext;
      if (isJump) jumps.push({ word: words.length - 1, target: a[a.length - 1], pc });
      pc += 1 + count * 4;
    }
    if (words.length === 0) bad(f.name, 0, "the function has no code");
    for (const j of jumps) {
      const to = starts.get(j.target);
      if (to === undefined) bad(f.name, j.pc, `a jump to byte ${j.target}, which is not an instruction`);
      words[j.word] = to!;
    }
    return { name: f.name, kind: f.kind, params: f.params, locals: f.locals, localNames: f.localNames, words: Int32Array.from(words) };
  });
  const routes = new Map<string, number>();
  for (const r of program.routes) {
    if (functions[r.fn]?.kind !== "route") throw new BytecodeLoadError("malformed", `route ${r.id} names function ${r.fn}, which is not a handler`);
    routes.set(r.id, r.fn);
  }
  return { program, hash, keyId, functions, routes, queries: program.queries.length > 0, spawns, bounds: instructionBounds(functions, program.constants) };
}
