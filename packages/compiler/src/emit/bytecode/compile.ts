import type { CompiledQuery } from "@kova/query";
import { diagnostic, type Diagnostic } from "../../diagnostics/diagnostic.js";
import type { Span } from "../../ast/nodes.js";
import type { AppModel, Expr, ObjectEntry, Stmt } from "../../ir/nodes.js";
import { CodeBuilder } from "./code-builder.js";
import { INPUT_SOURCES, Op, RESPOND_COOKIES, RESPOND_HEADERS, RESPOND_VALUE, VM_BUILTINS } from "./opcodes.js";
import { BYTECODE_VERSION, type BytecodeFunction, type BytecodeProgram } from "./program.js";
import { regexRefusal } from "./linear-regex.js";

export interface BytecodeResult {
  program: BytecodeProgram | null;
  diagnostics: Diagnostic[];
}

/**
 * The bytecode back end: compiles each route's handler and each FN of the app model to stack-machine
 * code (opcodes.ts), beside the queries its data sources' dialects compiled. It reads the IR and
 * nothing else, as the JS emitter does; what this tier refuses (imported JS, TASK/SOCKET, statements
 * that reach outside the request) is a KV29xx diagnostic, so nothing is half-translated.
 */
export function compileBytecode(app: AppModel, compiled: ReadonlyMap<string, CompiledQuery>): BytecodeResult {
  const diagnostics = bytecodeRefusals(app);
  if (diagnostics.length > 0) return { program: null, diagnostics };
  const program: BytecodeProgram = { version: BYTECODE_VERSION, app: app.name, constants: [], functions: [], routes: [], queries: [], views: [] };
  const constants = new Map<string, number>();
  const constant = (value: unknown): number => {
    const key = JSON.stringify(value);
    let index = constants.get(key);
    if (index === undefined) {
      index = program.constants.length;
      program.constants.push(value);
      constants.set(key, index);
    }
    return index;
  };
  const queryIndex = new Map(app.queries.map((q, i) => [q.id, i]));
  for (const q of app.queries) {
    const statement = compiled.get(q.id);
    if (!statement) throw new Error(`internal: query ${q.id} was not compiled`);
    program.queries.push({ id: q.id, source: q.source, statement: { ...statement, kovaQueryId: q.id, kovaQueryAt: `${q.span.file}:${q.span.start.line}` } });
  }
  const viewIndex = new Map(app.views.map((v, i) => [v.name, i]));
  program.views = app.views.map((v) => ({ name: v.name, fields: v.fields }));
  // Functions first, so a call's operand is known; FNs never call themselves (the checker refuses it).
  const fnIndex = new Map(app.functions.map((f, i) => [f.name, i]));
  const names = { constant, queryIndex, viewIndex, fnIndex };
  for (const fn of app.functions) program.functions.push(new FunctionCompiler(fn.name, "fn", [...fn.params], fn.variables, names).body(fn.body));
  for (const route of app.entryPoints) {
    program.routes.push({ id: route.id, fn: program.functions.length });
    program.functions.push(new FunctionCompiler(route.id, "route", [], route.variables, names).body(route.body));
  }
  return { program, diagnostics: [] };
}

/** What the VM tier refuses in a program, each at its place. */
export function bytecodeRefusals(app: AppModel): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const fn of app.imports) {
    const span = app.functions[0]?.span ?? app.entryPoints[0]?.span;
    out.push(diagnostic("ImportedJsInBytecode", fnSpan(app, fn.fromFile) ?? span!, `the bytecode tier runs no JavaScript: IMPORT of '${fn.exported}' from '${fn.module}' is refused`, { suggestion: "write the function in Kova (FN), or build with --target js" }));
  }
  // An ACTION's input checks, loads and steps are the JS back end's (emit/js/actions.ts).
  for (const fn of app.functions) if (fn.action !== undefined) out.push(diagnostic("StatementNotInVm", fn.span, `ACTION ${fn.name} cannot run on the VM tier yet`, { suggestion: "build with --target js" }));
  for (const task of app.tasks) out.push(diagnostic("EntryPointNotInVm", task.span, `TASK ${task.name} cannot run on the VM tier yet (only HTTP endpoints do)`, { suggestion: "build with --target js, or move the work into an endpoint" }));
  for (const socket of app.sockets) out.push(diagnostic("EntryPointNotInVm", socket.span, `SOCKET ${socket.path} cannot run on the VM tier yet (only HTTP endpoints do)`, { suggestion: "build with --target js" }));
  const walk = (body: readonly Stmt[]) => {
    for (const s of body) {
      if (["enqueue", "join", "leave", "send", "broadcast", "stream", "unsupported", "expect", "emit"].includes(s.kind)) {
        const what = s.kind === "unsupported" ? s.feature : s.kind.toUpperCase();
        out.push(diagnostic("StatementNotInVm", s.span, `${what} cannot run on the VM tier yet`, { suggestion: "build with --target js" }));
        continue;
      }
      for (const e of statementExprs(s)) walkExpr(e, s.span);
      if (s.kind === "if") {
        for (const b of s.branches) walk(b.body);
        if (s.otherwise) walk(s.otherwise);
      } else if (s.kind === "for") walk(s.body);
    }
  };
  const walkExpr = (e: Expr, span: Span): void => {
    if (e.kind === "call" && !e.imported) {
      if (!VM_BUILTINS.has(e.function)) out.push(diagnostic("BuiltinNotInVm", span, `the built-in ${e.function}() is not available on the VM tier`, { suggestion: "build with --target js" }));
      if (e.function === "matches" && e.args[1]?.kind === "literal" && typeof e.args[1].value === "string") {
        const refusal = regexRefusal(e.args[1].value);
        if (refusal !== null) out.push(diagnostic("RegexNotLinear", span, `the pattern ${JSON.stringify(e.args[1].value)} ${refusal}: the VM matches in linear time and cannot run it`, { suggestion: "rewrite the pattern without backreferences or lookaround" }));
      }
    }
    if (e.kind === "request") out.push(diagnostic("StatementNotInVm", span, "a request to the app's own endpoint cannot run on the VM tier", { suggestion: "build with --target js" }));
    for (const child of exprChildren(e)) walkExpr(child, span);
  };
  for (const fn of app.functions) walk(fn.body);
  for (const route of app.entryPoints) walk(route.body);
  return out;
}

function fnSpan(app: AppModel, file: string): Span | undefined {
  return app.functions.find((f) => f.span.file === file)?.span ?? app.entryPoints.find((r) => r.span.file === file)?.span;
}

function statementExprs(s: Stmt): Expr[] {
  switch (s.kind) {
    case "assign": case "eval": return [s.value];
    case "respond": return [...(s.value ? [s.value] : []), ...entryExprs(s.headers), ...entryExprs(s.cookies)];
    case "fail": return [s.detail];
    case "if": return s.branches.map((b) => b.condition);
    case "for": return [s.list];
    case "return": return s.value ? [s.value] : [];
    default: return [];
  }
}

function entryExprs(entries: readonly ObjectEntry[] | null): Expr[] {
  return (entries ?? []).flatMap((e) => (e.kind === "remove" ? [] : [e.value]));
}

function exprChildren(e: Expr): Expr[] {
  switch (e.kind) {
    case "template": return e.parts;
    case "member": return [e.object];
    case "index": return [e.object, e.index];
    case "call": case "callFunction": return e.args;
    case "env": return [e.name, ...(e.default ? [e.default] : [])];
    case "unary": return [e.operand];
    case "isNull": return [e.operand];
    case "binary": return [e.left, e.right];
    case "has": return [e.object, e.key];
    case "object": return entryExprs(e.entries);
    case "array": return e.elements.map((x) => x.value);
    case "query": return e.args.map((a) => a.value);
    case "conditional": return [e.test, e.then, e.otherwise];
    case "between": return [e.value, e.low, e.high];
    case "comprehension": return [e.list, ...(e.condition ? [e.condition] : []), e.element];
    case "view": return [e.value];
    case "orderChoice": return [e.value, ...e.options.map((o) => o.query as Expr)];
    case "request": return [e.path, ...(e.body ? [e.body] : []), ...(e.headers ? [e.headers] : [])];
    case "spawn": return e.args;
    case "await": return [e.task];
    default: return [];
  }
}

interface Names {
  constant: (value: unknown) => number;
  queryIndex: ReadonlyMap<string, number>;
  viewIndex: ReadonlyMap<string, number>;
  fnIndex: ReadonlyMap<string, number>;
}

const BINARY: Readonly<Record<string, Op>> = {
  "+": Op.Add, "-": Op.Sub, "*": Op.Mul, "/": Op.Div, "%": Op.Mod, "<": Op.Lt, "<=": Op.Le, ">": Op.Gt, ">=": Op.Ge,
  "==": Op.Eq, "!=": Op.Ne, IN: Op.In, LIKE: Op.Like,
};

/**
 * One function's code. Scopes: the frame's slots hold the parameters and variables (function
 * scope); a FOR or comprehension variable gets a fresh slot visible only inside it (block scope),
 * as the JS back end's `const` in its loop; request inputs and the environment are global, read-only.
 */
class FunctionCompiler {
  private readonly code = new CodeBuilder();
  private readonly slots: string[] = [];
  private readonly scopes: Array<Map<string, number>> = [new Map()];

  private readonly paramCount: number;

  constructor(private readonly name: string, private readonly kind: "route" | "fn", params: string[], variables: readonly string[], private readonly names: Names) {
    this.paramCount = params.length;
    for (const p of params) this.declare(p);
    for (const v of variables) if (!this.scopes[0].has(v)) this.declare(v);
  }

  body(statements: readonly Stmt[]): BytecodeFunction {
    for (const s of statements) this.statement(s);
    // Falling off the end: a handler answers 204, an FN returns null (as the JS back end does).
    if (this.kind === "route") this.code.emit(Op.Respond, 204, 0, -1, -1);
    else {
      this.code.emit(Op.Null);
      this.code.emit(Op.Return);
    }
    return { name: this.name, kind: this.kind, params: this.paramCount, locals: this.slots.length, localNames: [...this.slots], code: this.code.finish() };
  }

  private declare(name: string): number {
    this.slots.push(name);
    this.scopes[this.scopes.length - 1].set(name, this.slots.length - 1);
    return this.slots.length - 1;
  }

  private slot(name: string): number {
    for (let i = this.scopes.length - 1; i >= 0; i--) {
      const s = this.scopes[i].get(name);
      if (s !== undefined) return s;
    }
    // A variable read before any assignment in a branch: a slot of its own, holding null.
    return this.declare(name);
  }

  private hidden(what: string): number {
    this.slots.push(`<${what}>`);
    return this.slots.length - 1;
  }

  private withScope<T>(run: () => T): T {
    this.scopes.push(new Map());
    try {
      return run();
    } finally {
      this.scopes.pop();
    }
  }

  private statement(s: Stmt): void {
    const c = this.code;
    switch (s.kind) {
      case "assign":
        this.expr(s.value);
        c.emit(Op.Store, this.slot(s.variable));
        return;
      case "eval":
        this.expr(s.value);
        c.emit(Op.Pop);
        return;
      case "respond": {
        let flags = 0;
        if (s.value) {
          this.expr(s.value);
          flags |= RESPOND_VALUE;
        }
        if (s.headers) {
          this.objectEntries(s.headers, true);
          flags |= RESPOND_HEADERS;
        }
        if (s.cookies) {
          this.objectEntries(s.cookies, false);
          flags |= RESPOND_COOKIES;
        }
        const notFound = s.value && s.notFound !== null ? this.names.constant(`${s.notFound} not found`) : -1;
        const serialize = s.value?.kind === "query" ? this.names.queryIndex.get(s.value.query)! : -1;
        c.emit(Op.Respond, s.status, flags, notFound, serialize);
        return;
      }
      case "fail":
        this.expr(s.detail);
        if (!(s.detail.kind === "literal" && typeof s.detail.value === "string")) c.emit(Op.Str);
        c.emit(Op.Fail, s.status);
        return;
      case "if": {
        const end = c.label();
        for (const branch of s.branches) {
          const next = c.label();
          this.expr(branch.condition);
          c.jump(Op.JumpIfFalse, next);
          this.withScope(() => branch.body.forEach((b) => this.statement(b)));
          c.jump(Op.Jump, end);
          c.place(next);
        }
        if (s.otherwise) this.withScope(() => s.otherwise!.forEach((b) => this.statement(b)));
        c.place(end);
        return;
      }
      case "for": {
        this.expr(s.list);
        const iterator = this.hidden("iterator");
        c.emit(Op.IterInit, iterator);
        this.withScope(() => {
          const variable = this.declare(s.variable);
          const top = c.label();
          const done = c.label();
          c.place(top);
          c.jump(Op.IterNext, done, iterator, variable);
          this.withScope(() => s.body.forEach((b) => this.statement(b)));
          c.jump(Op.Jump, top);
          c.place(done);
        });
        return;
      }
      case "return":
        if (s.value) this.expr(s.value);
        else c.emit(Op.Null);
        c.emit(Op.Return);
        return;
      default:
        throw new Error(`internal: ${s.kind} reached the bytecode compiler (bytecodeRefusals refuses it)`);
    }
  }

  /** An object literal's entries; `asText`: each property's value as text (response headers). */
  private objectEntries(entries: readonly ObjectEntry[], asText: boolean): void {
    const c = this.code;
    c.emit(Op.NewObject);
    for (const e of entries) {
      if (e.kind === "property") {
        this.expr(e.value);
        if (asText) c.emit(Op.Str);
        c.emit(Op.SetKey, this.names.constant(e.key));
      } else if (e.kind === "spread") {
        this.expr(e.value);
        c.emit(Op.Spread);
      } else c.emit(Op.RemoveKey, this.names.constant(e.key));
    }
  }

  private expr(e: Expr): void {
    const c = this.code;
    const k = this.names.constant;
    switch (e.kind) {
      case "literal":
        if (e.infinite) c.emit(Op.Const, k(e.value === "-Infinity" ? "-Infinity" : "Infinity")), c.emit(Op.Builtin, k("number"), 1);
        else if (e.value === null) c.emit(Op.Null);
        else c.emit(Op.Const, k(e.value));
        return;
      case "template":
        for (const p of e.parts) {
          this.expr(p);
          if (!(p.kind === "literal" && typeof p.value === "string")) c.emit(Op.Str);
        }
        c.emit(Op.Concat, e.parts.length);
        return;
      case "variable":
        c.emit(Op.Load, this.slot(e.name));
        return;
      case "input":
        c.emit(Op.Input, INPUT_SOURCES.indexOf(e.from), e.name === null ? -1 : k(e.name));
        return;
      case "member":
        this.expr(e.object);
        c.emit(Op.Member, k(e.property));
        return;
      case "index":
        this.expr(e.object);
        this.expr(e.index);
        c.emit(Op.Index);
        return;
      case "call":
        for (const a of e.args) this.expr(a);
        c.emit(Op.Builtin, k(e.function), e.args.length);
        return;
      case "env":
        this.expr(e.name);
        if (e.default) this.expr(e.default);
        else c.emit(Op.Null);
        c.emit(Op.Env);
        return;
      case "unary":
        this.expr(e.operand);
        c.emit(e.operator === "NOT" ? Op.Not : Op.Neg);
        return;
      case "has":
        this.expr(e.object);
        this.expr(e.key);
        c.emit(Op.Has);
        return;
      case "isNull":
        this.expr(e.operand);
        c.emit(Op.IsNull);
        if (e.negated) c.emit(Op.Not);
        return;
      case "binary": {
        // AND, OR and ?? give one of their operands, evaluating the right one only when needed (as JS's &&, ||, ??).
        const shortCircuit = e.operator === "AND" ? Op.JumpIfFalseKeep : e.operator === "OR" ? Op.JumpIfTrueKeep : e.operator === "??" ? Op.JumpIfNotNullKeep : null;
        if (shortCircuit !== null) {
          const end = c.label();
          this.expr(e.left);
          c.jump(shortCircuit, end);
          this.expr(e.right);
          c.place(end);
          return;
        }
        this.expr(e.left);
        this.expr(e.right);
        c.emit(BINARY[e.operator]);
        return;
      }
      case "object":
        this.objectEntries(e.entries, false);
        return;
      case "array":
        c.emit(Op.NewArray);
        for (const el of e.elements) {
          this.expr(el.value);
          c.emit(el.spread ? Op.PushAll : Op.Push);
        }
        return;
      case "conditional": {
        const otherwise = c.label();
        const end = c.label();
        this.expr(e.test);
        c.jump(Op.JumpIfFalse, otherwise);
        this.expr(e.then);
        c.jump(Op.Jump, end);
        c.place(otherwise);
        this.expr(e.otherwise);
        c.place(end);
        return;
      }
      case "between":
        this.expr(e.value);
        this.expr(e.low);
        this.expr(e.high);
        c.emit(Op.Between);
        if (e.negated) c.emit(Op.Not);
        return;
      case "comprehension": {
        this.expr(e.list);
        const iterator = this.hidden("iterator");
        const out = this.hidden("list");
        c.emit(Op.IterInit, iterator);
        c.emit(Op.NewArray);
        c.emit(Op.Store, out);
        this.withScope(() => {
          const variable = this.declare(e.variable);
          const top = c.label();
          const done = c.label();
          c.place(top);
          c.jump(Op.IterNext, done, iterator, variable);
          if (e.condition) {
            this.expr(e.condition);
            c.jump(Op.JumpIfFalse, top);
          }
          c.emit(Op.Load, out);
          this.expr(e.element);
          c.emit(Op.Push);
          c.emit(Op.Pop);
          c.jump(Op.Jump, top);
          c.place(done);
        });
        c.emit(Op.Load, out);
        return;
      }
      case "callFunction":
        for (const a of e.args) this.expr(a);
        c.emit(Op.Call, this.names.fnIndex.get(e.function)!, e.args.length);
        return;
      case "spawn":
        for (const a of e.args) this.expr(a);
        c.emit(Op.Spawn, this.names.fnIndex.get(e.function)!, e.args.length);
        return;
      case "await":
        this.expr(e.task);
        c.emit(Op.Await);
        return;
      case "view":
        this.expr(e.value);
        c.emit(Op.View, this.names.viewIndex.get(e.view)!);
        return;
      case "orderChoice": {
        // The index of the chosen field picks which compiled statement runs.
        this.expr(e.value);
        c.emit(Op.OrderIndex, k(e.label), k(e.options.map((o) => o.field)));
        const index = this.hidden("order");
        c.emit(Op.Store, index);
        const end = c.label();
        e.options.forEach((option, i) => {
          const next = c.label();
          c.emit(Op.Load, index);
          c.emit(Op.Const, k(i));
          c.emit(Op.Eq);
          c.jump(Op.JumpIfFalse, next);
          this.expr(option.query);
          c.jump(Op.Jump, end);
          c.place(next);
        });
        c.emit(Op.Null);
        c.place(end);
        return;
      }
      case "query":
        for (const arg of e.args) {
          this.expr(arg.value);
          if (arg.convert !== null) c.emit(Op.Coerce, k(arg.convert), k(arg.label));
          // As the JS back end's canonical(): a value compared with a rich field, in its stored form.
          if (arg.canonical !== undefined) c.emit(Op.Canonical, k(arg.canonical), k(arg.label));
        }
        c.emit(Op.Query, this.names.queryIndex.get(e.query)!, e.args.length);
        return;
      case "request":
        throw new Error("internal: a request reached the bytecode compiler");
    }
  }
}
