import { bytecode } from "@kova/compiler";
import type { CompiledQuery } from "@kova/query";
import { builtins as kb, HttpError, ParamFailure, parseParam, rowSerializer, type Reply, type RequestContext } from "@kova/runtime/serve";
import { VM_BUILTIN_FUNCTIONS, type Meter } from "./builtins.js";
import type { ReadyFunction, ReadyProgram } from "./load.js";
import { withinDeadline } from "./deadline-watch.js";
import { QuotaExceeded, type QuotaName, type Quotas } from "./quotas.js";
import { add, between, eq, inList, isObject, len, like, member, newObject, sizeOf, str } from "./values.js";

const { Op, INPUT_SOURCES, RESPOND_VALUE, RESPOND_HEADERS, RESPOND_COOKIES } = bytecode;

/** How often (in instructions) the loop reads the clock: often enough to stop well within 10 ms. Also a task's turn. */
const CLOCK_EVERY = 1024;
/** What a SPAWN costs before its task runs: a spawn bomb ends on fuel or memory like any other. */
const SPAWN_FUEL = 64;
const TASK_BYTES = 256;

interface Frame {
  fn: ReadyFunction;
  words: Int32Array;
  pc: number;
  locals: unknown[];
}

interface Iter {
  list: unknown[];
  i: number;
}

/**
 * One line of work in an execution: the handler's own, or an FN a SPAWN started. Each has its own
 * value stack and frames; all of them draw on the execution's one set of quotas.
 */
interface Task {
  stack: unknown[];
  frames: Frame[];
  /** Frames below it (its spawner's depth when spawned): its own count from there against stackDepth. */
  depth: number;
  state: "running" | "done" | "failed";
  /** Its result, or its error once failed. */
  value: unknown;
  /** Settles when it has ended (never rejects). */
  settled?: Promise<void>;
}

function newTask(depth: number): Task {
  return { stack: [], frames: [], depth, state: "running", value: null };
}

/** Thrown in a task still running when its execution has answered: it stops there. */
class ExecutionOver extends Error {}

/** What the VM needs of the request: the runtime's context (inputs, env, db). Nothing else reaches the program. */
export type ExecutionContext = Pick<RequestContext, "params" | "query" | "headers" | "cookies" | "body" | "auth" | "env" | "db">;

/** The program's queries' serialisers, made once per loaded program. */
const serializers = new WeakMap<ReadyProgram, Array<((body: unknown) => string) | undefined>>();

/**
 * One execution: its own value stack, frames and meters. The loop checks fuel on every instruction
 * and the clock every CLOCK_EVERY, so a program that never yields is stopped by the loop itself; a
 * query is awaited against what is left of the deadline.
 */
export class Execution implements Meter {
  private fuelLeft: number;
  private memoryUsed = 0;
  private queriesRun = 0;
  private readonly deadline: number;
  /** The handler's own task. */
  private readonly root: Task = newTask(0);
  /** The tasks SPAWN made, by the opaque handle the program holds. */
  private tasks: Map<object, Task> | undefined;
  /** Spawned tasks still running: while there are some, tasks take turns. */
  private spawned = 0;
  /** A quota a spawned task went over: the whole execution stops with it. */
  private halted: QuotaExceeded | undefined;
  /** The handler has answered (or failed): spawned tasks still running stop at their next turn. */
  private finished = false;

  constructor(private readonly program: ReadyProgram, private readonly quotas: Quotas, private readonly ctx: ExecutionContext) {
    this.fuelLeft = quotas.fuel;
    this.deadline = performance.now() + quotas.deadlineMs;
  }

  /** The instructions, memory and queries used so far (for metrics and tests). */
  usage(): { fuel: number; memoryBytes: number; queries: number } {
    return { fuel: this.quotas.fuel - this.fuelLeft, memoryBytes: this.memoryUsed, queries: this.queriesRun };
  }

  fuel(units: number): void {
    this.fuelLeft -= units;
    if (this.fuelLeft < 0) this.stop("fuel");
    if (units > 64 && performance.now() > this.deadline) this.stop("deadlineMs");
  }

  alloc(bytes: number): void {
    this.memoryUsed += bytes;
    if (this.memoryUsed > this.quotas.memoryBytes) this.stop("memoryBytes");
  }

  /**
   * Charges a structure about to be turned into text (JSON, joined items) before it is: shared
   * references make a small graph a huge tree, so its size is measured, up to what is left.
   */
  measure(v: unknown): void {
    if (v === null || typeof v !== "object") return;
    const n = sizeOf(v, this.quotas.memoryBytes - this.memoryUsed + 1);
    this.fuel(n >> 4);
    this.alloc(n);
  }

  private stop(quota: QuotaName): never {
    throw new QuotaExceeded(quota, this.quotas[quota]);
  }

  /**
   * Runs the handler. Not an `async` function: the loop's own promise (or the deadline's, below) is
   * handed back as it is, not wrapped in a third whose settling would cost the caller more turns.
   */
  runRoute(fnIndex: number): Promise<Reply> {
    try {
      this.enter(this.root, fnIndex, []);
    } catch (error) {
      return Promise.reject(error);
    }
    let run = this.loop(this.root) as Promise<Reply>;
    // Tasks the handler did not wait for end with it (only programs with a SPAWN pay for the hop).
    if (this.program.spawns) {
      run = run.finally(() => {
        this.finished = true;
      });
    }
    if (!this.program.queries) return run;
    // The wait for a query is bounded once per execution, not per query: past the deadline the
    // caller gets the problem at once, and the abandoned loop stops as its query returns (its
    // rejection is then handled by withinDeadline's own reaction, so it is never unhandled).
    return withinDeadline(run, this.deadline, () => {
      this.abandoned = true;
      return new QuotaExceeded("deadlineMs", this.quotas.deadlineMs);
    });
  }

  private abandoned = false;

  /** The query whose row serialiser writes the answer's body (-1: JSON), once the handler has answered. */
  serializedBy = -1;

  private enter(task: Task, fnIndex: number, args: unknown[]): void {
    if (task.depth + task.frames.length >= this.quotas.stackDepth) this.stop("stackDepth");
    const fn = this.program.functions[fnIndex];
    const locals = new Array<unknown>(fn.locals).fill(null);
    for (let i = 0; i < args.length; i++) locals[i] = args[i];
    this.alloc(16 + 8 * fn.locals);
    task.frames.push({ fn, words: fn.words, pc: 0, locals });
  }

  /**
   * SPAWN: the FN becomes a task with its own stack, started when its spawner next yields (a turn
   * ends every CLOCK_EVERY instructions, at a query and at AWAIT). The program gets an opaque
   * handle (an empty frozen object: JSON `{}`, as a promise is in JavaScript).
   */
  private spawn(fnIndex: number, args: unknown[], depth: number): object {
    this.fuel(SPAWN_FUEL);
    this.alloc(TASK_BYTES);
    const task = newTask(depth);
    this.enter(task, fnIndex, args);
    const handle = Object.freeze(newObject());
    (this.tasks ??= new Map()).set(handle, task);
    this.spawned++;
    task.settled = Promise.resolve()
      .then(() => this.loop(task))
      .then(
        (value) => {
          task.state = "done";
          task.value = value;
        },
        (error: unknown) => {
          task.state = "failed";
          task.value = error;
          // Quotas are the execution's: one task over one stops them all.
          if (error instanceof QuotaExceeded) this.halted ??= error;
        },
      )
      .finally(() => {
        this.spawned--;
      });
    return handle;
  }

  /** After a task waited or gave its turn: stop if another went over a quota, or the handler has answered. */
  private stillRunning(task: Task): void {
    if (this.halted !== undefined) throw this.halted;
    if (this.finished && task !== this.root) throw new ExecutionOver();
  }

  private async loop(task: Task): Promise<unknown> {
    const stack = task.stack;
    const constants = this.program.program.constants;
    let frame = task.frames[task.frames.length - 1];
    let w = frame.words;
    let pc = frame.pc;
    let locals = frame.locals;
    // Fuel is charged a batch at a time, not per instruction (a field's read and write per
    // instruction was ~10% of a compute-bound handler): `batch` instructions are allowed from the
    // batch's start, `clock` counts them down, and the batch is charged when it runs out, before
    // its last instruction runs. A batch is at most what is left plus one, so the instruction past
    // the budget is stopped exactly as a per-instruction count would. What a batch has used is
    // charged before every await (another task may run meanwhile) and when the loop ends, however.
    let batch = this.nextBatch();
    let clock = batch;
    try {
    for (;;) {
      if (--clock === 0) {
        this.fuelLeft -= batch;
        batch = 0;
        if (this.fuelLeft < 0) this.stop("fuel");
        if (performance.now() > this.deadline) this.stop("deadlineMs");
        if (stack.length > 1_000_000) this.stop("memoryBytes");
        if (this.spawned > 0) {
          // The other tasks' turn: each resumes in the order it yielded (the microtask queue's).
          await undefined;
          this.stillRunning(task);
        }
        batch = clock = this.nextBatch();
      }
      const op = w[pc];
      switch (op) {
        case Op.Const: stack.push(constants[w[pc + 1]]); pc += 2; break;
        case Op.Null: stack.push(null); pc += 1; break;
        case Op.Pop: stack.pop(); pc += 1; break;
        case Op.Dup: stack.push(stack[stack.length - 1]); pc += 1; break;
        case Op.Load: stack.push(locals[w[pc + 1]]); pc += 2; break;
        case Op.Store: locals[w[pc + 1]] = stack.pop(); pc += 2; break;
        case Op.Input: stack.push(this.input(w[pc + 1], w[pc + 2] === -1 ? null : (constants[w[pc + 2]] as string))); pc += 3; break;
        case Op.Env: {
          const fallback = stack.pop();
          const name = stack.pop();
          // Only the app's resolved environment: the process's own variables are not the program's.
          const env = this.ctx.env;
          stack.push(typeof name === "string" && Object.hasOwn(env, name) ? env[name] : fallback ?? null);
          pc += 1;
          break;
        }
        case Op.Member: { const o = stack.pop(); stack.push(member(o, constants[w[pc + 1]])); pc += 2; break; }
        case Op.Index: { const i = stack.pop(); const o = stack.pop(); stack.push(member(o, i)); pc += 1; break; }
        case Op.Builtin: {
          const args = popN(stack, w[pc + 2]);
          const result = VM_BUILTIN_FUNCTIONS.get(constants[w[pc + 1]] as string)!(this, args);
          if (typeof result === "string") this.alloc(16 + 2 * result.length);
          else if (result !== null && typeof result === "object") this.alloc(sizeOf(result, this.quotas.memoryBytes - this.memoryUsed + 1));
          stack.push(result);
          pc += 3;
          break;
        }
        case Op.Call: {
          const args = popN(stack, w[pc + 2]);
          frame.pc = pc + 3;
          this.enter(task, w[pc + 1], args);
          frame = task.frames[task.frames.length - 1];
          w = frame.words;
          pc = 0;
          locals = frame.locals;
          break;
        }
        case Op.Return: {
          const value = stack.pop();
          task.frames.pop();
          if (task.frames.length === 0) return value;
          frame = task.frames[task.frames.length - 1];
          w = frame.words;
          pc = frame.pc;
          locals = frame.locals;
          stack.push(value);
          break;
        }
        case Op.Query: {
          const args = popN(stack, w[pc + 2]);
          frame.pc = pc;
          this.fuelLeft -= batch - clock;
          batch = clock;
          // The driver's promise is awaited here, not in a helper: one promise per query, not two.
          const rows = await this.startQuery(w[pc + 1], args);
          batch = clock = this.nextBatch();
          stack.push(this.received(rows));
          if (this.spawned > 0 || this.tasks !== undefined) this.stillRunning(task);
          pc += 3;
          break;
        }
        case Op.Spawn: {
          const args = popN(stack, w[pc + 2]);
          stack.push(this.spawn(w[pc + 1], args, task.depth + task.frames.length));
          pc += 3;
          break;
        }
        case Op.Await: {
          const handle = stack.pop();
          const awaited = handle !== null && typeof handle === "object" ? this.tasks?.get(handle) : undefined;
          // As JavaScript's await: a value that is not a task is itself.
          if (awaited !== undefined) {
            if (awaited.state === "running") {
              this.fuelLeft -= batch - clock;
              batch = clock;
              await awaited.settled;
              batch = clock = this.nextBatch();
              this.stillRunning(task);
            }
            if (awaited.state === "failed") throw awaited.value;
            stack.push(awaited.value);
          } else stack.push(handle);
          pc += 1;
          break;
        }
        case Op.Coerce: { const v = stack.pop(); stack.push(coerce(v, constants[w[pc + 1]] as string, constants[w[pc + 2]] as string)); pc += 3; break; }
        case Op.Canonical: { const v = stack.pop(); stack.push(canonical(v, constants[w[pc + 1]] as RichTypeRef, constants[w[pc + 2]] as string)); pc += 3; break; }
        case Op.View: { const v = stack.pop(); stack.push(this.view(w[pc + 1], v)); pc += 2; break; }
        case Op.Not: stack.push(!stack.pop()); pc += 1; break;
        case Op.Neg: stack.push(-(stack.pop() as number)); pc += 1; break;
        case Op.Add: {
          const b = stack.pop();
          const a = stack.pop();
          if (typeof a === "number" && typeof b === "number") stack.push(a + b);
          else {
            // A text is about to be made: its size is charged before it exists (doubling bombs stop here).
            this.measure(a);
            this.measure(b);
            this.alloc(16 + 2 * (textLength(a) + textLength(b)));
            stack.push(add(a, b));
          }
          pc += 1;
          break;
        }
        case Op.Sub: { const b = stack.pop() as number; stack.push((stack.pop() as number) - b); pc += 1; break; }
        case Op.Mul: { const b = stack.pop() as number; stack.push((stack.pop() as number) * b); pc += 1; break; }
        case Op.Div: { const b = stack.pop() as number; stack.push((stack.pop() as number) / b); pc += 1; break; }
        case Op.Mod: { const b = stack.pop() as number; stack.push((stack.pop() as number) % b); pc += 1; break; }
        case Op.Lt: { const b = stack.pop() as number; stack.push((stack.pop() as number) < b); pc += 1; break; }
        case Op.Le: { const b = stack.pop() as number; stack.push((stack.pop() as number) <= b); pc += 1; break; }
        case Op.Gt: { const b = stack.pop() as number; stack.push((stack.pop() as number) > b); pc += 1; break; }
        case Op.Ge: { const b = stack.pop() as number; stack.push((stack.pop() as number) >= b); pc += 1; break; }
        case Op.Eq: { const b = stack.pop(); stack.push(eq(stack.pop(), b)); pc += 1; break; }
        case Op.Ne: { const b = stack.pop(); stack.push(!eq(stack.pop(), b)); pc += 1; break; }
        case Op.In: { const b = stack.pop(); const a = stack.pop(); this.fuel(len(b)); stack.push(inList(a, b)); pc += 1; break; }
        case Op.Like: {
          const b = stack.pop();
          const a = stack.pop();
          this.fuel(textLength(a) * Math.max(1, textLength(b)));
          stack.push(like(a, b));
          pc += 1;
          break;
        }
        case Op.IsNull: stack.push(stack.pop() == null); pc += 1; break;
        case Op.Has: {
          const key = stack.pop();
          const o = stack.pop();
          stack.push(o !== null && typeof o === "object" && (typeof key === "string" || typeof key === "number") && Object.hasOwn(o, key));
          pc += 1;
          break;
        }
        case Op.Between: { const h = stack.pop(); const l = stack.pop(); stack.push(between(stack.pop(), l, h)); pc += 1; break; }
        case Op.Str: {
          const v = stack.pop();
          if (typeof v === "string") stack.push(v);
          else {
            this.measure(v);
            const s = str(v);
            this.alloc(16 + 2 * s.length);
            stack.push(s);
          }
          pc += 1;
          break;
        }
        case Op.Concat: {
          const parts = popN(stack, w[pc + 1]);
          let total = 0;
          for (const p of parts) total += (p as string).length;
          this.alloc(16 + 2 * total);
          stack.push(parts.join(""));
          pc += 2;
          break;
        }
        case Op.NewObject: this.alloc(32); stack.push(newObject()); pc += 1; break;
        case Op.SetKey: {
          const v = stack.pop();
          const key = constants[w[pc + 1]] as string;
          this.alloc(24 + 2 * key.length);
          (stack[stack.length - 1] as Record<string, unknown>)[key] = v;
          pc += 2;
          break;
        }
        case Op.Spread: {
          const source = stack.pop();
          const target = stack[stack.length - 1] as Record<string, unknown>;
          if (source !== null && typeof source === "object") {
            const keys = Object.keys(source);
            this.fuel(keys.length);
            for (const k of keys) {
              this.alloc(24 + 2 * k.length);
              target[k] = (source as Record<string, unknown>)[k];
            }
          } else if (typeof source === "string") {
            // As JS spreads text into an object: one key per character.
            this.fuel(source.length);
            for (let i = 0; i < source.length; i++) {
              this.alloc(32);
              target[String(i)] = source[i];
            }
          }
          pc += 1;
          break;
        }
        case Op.RemoveKey: {
          const o = stack[stack.length - 1] as Record<string, unknown>;
          const copy = newObject();
          const removed = constants[w[pc + 1]] as string;
          for (const k of Object.keys(o)) if (k !== removed) copy[k] = o[k];
          this.alloc(32 + 24 * Object.keys(copy).length);
          stack[stack.length - 1] = copy;
          pc += 2;
          break;
        }
        case Op.NewArray: this.alloc(16); stack.push([]); pc += 1; break;
        case Op.Push: { const v = stack.pop(); this.alloc(8); (stack[stack.length - 1] as unknown[]).push(v); pc += 1; break; }
        case Op.PushAll: {
          const v = stack.pop();
          const target = stack[stack.length - 1] as unknown[];
          if (Array.isArray(v)) {
            this.fuel(v.length);
            this.alloc(8 * v.length);
            for (const x of v) target.push(x);
          } else if (typeof v === "string") {
            const chars = Array.from(v);
            this.fuel(chars.length);
            this.alloc(24 * chars.length);
            for (const x of chars) target.push(x);
          }
          pc += 1;
          break;
        }
        case Op.Jump: pc = w[pc + 1]; break;
        case Op.JumpIfFalse: pc = stack.pop() ? pc + 2 : w[pc + 1]; break;
        case Op.JumpIfTrueKeep: if (stack[stack.length - 1]) pc = w[pc + 1]; else { stack.pop(); pc += 2; } break;
        case Op.JumpIfFalseKeep: if (!stack[stack.length - 1]) pc = w[pc + 1]; else { stack.pop(); pc += 2; } break;
        case Op.JumpIfNotNullKeep: if (stack[stack.length - 1] != null) pc = w[pc + 1]; else { stack.pop(); pc += 2; } break;
        case Op.IterInit: {
          const v = stack.pop();
          // As the JS back end's `for … of (list ?? [])`: a text iterates its characters.
          const list = v == null ? [] : Array.isArray(v) ? v : typeof v === "string" ? Array.from(v) : null;
          if (list === null) throw new TypeError(`${frame.fn.name}: FOR needs a list, got ${typeof v === "object" ? "an object" : typeof v}`);
          locals[w[pc + 1]] = { list, i: 0 } satisfies Iter;
          pc += 2;
          break;
        }
        case Op.IterNext: {
          const it = locals[w[pc + 1]] as Iter;
          if (it.i < it.list.length) {
            locals[w[pc + 2]] = it.list[it.i++];
            pc += 4;
          } else pc = w[pc + 3];
          break;
        }
        case Op.OrderIndex: {
          const v = stack.pop();
          const fields = constants[w[pc + 2]] as string[];
          const index = fields.indexOf(v as string);
          if (index === -1) throw badValue(constants[w[pc + 1]] as string, "must be one of " + fields.join(", "));
          stack.push(index);
          pc += 3;
          break;
        }
        case Op.Respond: return this.respond(stack, w[pc + 1], w[pc + 2], w[pc + 3], w[pc + 4]);
        case Op.Fail: throw new HttpError(w[pc + 1], stack.pop() as string);
        default: throw new Error(`internal: opcode ${op} at ${pc} in ${frame.fn.name}`);
      }
    }
    } finally {
      this.fuelLeft -= batch - clock;
    }
  }

  /** The next batch of instructions the loop may run before charging them: at most what is left, plus one. */
  private nextBatch(): number {
    const allowed = this.fuelLeft + 1;
    return allowed >= CLOCK_EVERY ? CLOCK_EVERY : allowed > 1 ? allowed : 1;
  }

  private input(source: number, name: string | null): unknown {
    const from = INPUT_SOURCES[source];
    const ctx = this.ctx;
    if (from === "path") return name === null ? ctx.params : ownOr(ctx.params, name, undefined);
    if (from === "cookies") return name === null ? ctx.cookies : ownOr(ctx.cookies, name, null);
    if (from === "query" || from === "headers") return name === null ? ctx[from] : ownOr(ctx[from], name, null);
    const whole = from === "body" ? ctx.body : ctx.auth;
    return name === null ? whole : member(whole, name);
  }

  /**
   * The clock is not read here: it was read when the last query returned (received), and the loop
   * reads it every CLOCK_EVERY instructions and before any built-in's big step (fuel), so a query
   * starts at most that much work past the deadline — the bound every other instruction has — and
   * its rows are refused when they arrive. Reading it here too cost a clock call per query.
   */
  private startQuery(index: number, args: unknown[]): Promise<unknown> {
    if (++this.queriesRun > this.quotas.queries) this.stop("queries");
    const q = this.program.program.queries[index];
    if (this.abandoned) this.stop("deadlineMs");
    return this.ctx.db(q.source).execute(q.statement as CompiledQuery, args);
  }

  /** A query's rows, once they are here: checked against the deadline, rows per query and memory. */
  private received(rows: unknown): unknown {
    if (this.abandoned || performance.now() > this.deadline) this.stop("deadlineMs");
    if (Array.isArray(rows) && rows.length > this.quotas.rowsPerQuery) this.stop("rowsPerQuery");
    this.alloc(sizeOf(rows, this.quotas.memoryBytes - this.memoryUsed + 1));
    return rows;
  }

  private view(index: number, value: unknown): unknown {
    const fields = this.program.program.views[index].fields;
    const shape = (row: unknown): unknown => {
      const out = newObject();
      for (const f of fields) out[f] = member(row, f);
      return out;
    };
    if (value == null) return null;
    if (Array.isArray(value)) {
      this.alloc(value.length * (32 + 24 * fields.length));
      return value.map(shape);
    }
    this.alloc(32 + 24 * fields.length);
    return shape(value);
  }

  private respond(stack: unknown[], status: number, flags: number, notFound: number, serialize: number): Reply {
    const cookies = flags & RESPOND_COOKIES ? stack.pop() : undefined;
    const headers = flags & RESPOND_HEADERS ? stack.pop() : undefined;
    const reply: Reply = { status };
    let estimate = 0;
    if (flags & RESPOND_VALUE) {
      const value = stack.pop();
      if (notFound !== -1 && value == null) throw new HttpError(404, this.program.program.constants[notFound] as string);
      // The answer's size is checked here, before the runtime serialises it: estimated first (a walk
      // that stops at the limit), and written out only when the estimate comes near it.
      estimate = sizeOf(value, this.quotas.responseBytes * 2);
      if (estimate > this.quotas.responseBytes * 2) this.stop("responseBytes");
      reply.body = value;
      if (serialize !== -1) {
        reply.serialize = serializerFor(this.program, serialize);
        this.serializedBy = serialize;
      }
    }
    if (headers !== undefined) reply.headers = headers as Record<string, string>;
    if (cookies !== undefined) reply.cookies = cookies as Reply["cookies"];
    if (reply.body !== undefined && estimate * 3 > this.quotas.responseBytes) {
      const text = reply.serialize ? reply.serialize(reply.body) : JSON.stringify(reply.body);
      if (text !== undefined && Buffer.byteLength(text) > this.quotas.responseBytes) this.stop("responseBytes");
    }
    return reply;
  }

}

/** The row serialiser of a program's query, made once per loaded program (the pool's main thread uses it too). */
export function serializerFor(program: ReadyProgram, query: number): ((body: unknown) => string) | undefined {
  let list = serializers.get(program);
  if (list === undefined) {
    list = [];
    serializers.set(program, list);
  }
  const statement = program.program.queries[query].statement as { columns?: unknown };
  const made = list[query] ?? rowSerializer(statement.columns as Parameters<typeof rowSerializer>[0]);
  list[query] = made;
  return made;
}

function popN(stack: unknown[], n: number): unknown[] {
  if (n === 0) return [];
  // Pops rather than splice or setting `length`: both leave the inlined fast path (splice allocates
  // for its general case, a length store is a call into the runtime), and this runs on every call.
  const out = new Array<unknown>(n);
  for (let i = n - 1; i >= 0; i--) out[i] = stack.pop();
  return out;
}

function ownOr(o: unknown, key: string, missing: unknown): unknown {
  return o !== null && typeof o === "object" && Object.hasOwn(o, key) ? ((o as Record<string, unknown>)[key] ?? missing) : missing;
}

function textLength(v: unknown): number {
  if (typeof v === "string") return v.length;
  if (v === null || v === undefined) return 4;
  if (typeof v === "object") return Array.isArray(v) ? 16 * v.length : 15;
  return 24;
}

/** As the JS back end's generated `coerce` (compiler emit/js/helpers.ts): the runtime's parseParam is the one rule. */
function coerce(value: unknown, type: string, label: string): unknown {
  if (value === undefined || value === null) return null;
  if (Array.isArray(value)) return value.map((v) => coerce(v, type, label));
  const parsed = typeof value === "string" ? parseParam((type === "decimal" ? "float" : type) as Parameters<typeof parseParam>[0], value) : value;
  if (parsed instanceof ParamFailure) throw badValue(label, parsed.message);
  const fits = type === "boolean" ? typeof parsed === "boolean"
    : type === "float" || type === "decimal" ? typeof parsed === "number" && Number.isFinite(parsed)
    : Number.isSafeInteger(parsed) && (type !== "count" || (parsed as number) >= 0);
  if (!fits) throw badValue(label, type === "boolean" ? "must be true or false" : type === "count" ? "must be a whole number ≥ 0" : type === "int" ? "must be an integer" : "must be a number");
  return parsed;
}

type RichTypeRef = Parameters<typeof kb.checkRich>[0];

/** As the JS back end's generated `canonical` (compiler emit/js/helpers.ts): the rich type's one definition decides. */
function canonical(value: unknown, type: RichTypeRef, label: string): unknown {
  if (value === undefined || value === null) return null;
  if (Array.isArray(value)) return value.map((v) => canonical(v, type, label));
  const checked = kb.checkRich(type, value);
  if (!checked.ok) throw badValue(label, checked.message);
  return checked.value;
}

function badValue(label: string, message: string): HttpError {
  return new HttpError(400, label + " " + message, {
    type: "urn:kova:problem:invalid-parameter",
    errors: [{ field: label.replace(/^(path|query) parameter |^header |^cookie |^body field |^sort order$/, ""), message }],
  });
}

export { isObject };
