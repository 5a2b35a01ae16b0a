import type { Expression, ObjectExpr, Query, RoomRef, Statement } from "../ast/nodes.js";
import { BUILTINS } from "../checker/builtins.js";
import { secretFields } from "@kova/query";
import { checkedNode, constantValue, foldExpression } from "../checker/fold.js";
import type { SemanticModel } from "../checker/model.js";
import { alwaysEnds } from "./ends.js";
import { inputOf } from "./inputs.js";
import type { EnvVariable, Expr, InputExpr, QueryExpr, ObjectEntry, QueryArg, QueryDef, RoomTarget, Span, Stmt, TypedInput } from "./nodes.js";
import { callerSub, planQuery, type OwnerGuard, type PlanArg, type PlannedQuery } from "./plans.js";

const WRITE_QUERY_KINDS: ReadonlySet<string> = new Set(["InsertQuery", "UpdateQuery", "DeleteQuery", "SaveQuery", "RestoreQuery"]);
const QUERY_KINDS = new Set(["SelectQuery", "InsertQuery", "UpdateQuery", "DeleteQuery", "SaveQuery", "HistoryQuery", "RestoreQuery"]);
/** `$query`, `$headers`, `$cookies`, `$body`: the request's parts (any other `$name` is a path parameter). */
const REQUEST_PARTS: ReadonlySet<string> = new Set(["query", "headers", "cookies", "body", "auth"]);

/** What lowering shares across one app: the query table, env uses and the entity → data source map. */
export interface LowerState {
  model: SemanticModel;
  queries: QueryDef[];
  env: Map<string, EnvVariable>;
  sourceOf: ReadonlyMap<string, string>;
  /** Each source file's text, when the caller has it (EXPECT keeps its condition's text). */
  sourceText?: (file: string) => string | undefined;
  /** The data source EMIT records events in (the program's first); absent: the embedded default. */
  eventSource?: string;
}

/** Lowers one handler (or CONNECT's options, with `route` null) from AST to IR. */
export class HandlerLowering {
  constructor(
    private readonly state: LowerState,
    /** The route's typed path and query inputs; a query argument they already type needs no conversion. */
    private readonly route: { pathNames: string[]; path: TypedInput[]; query: TypedInput[]; plans: ReadonlyMap<Query, PlannedQuery>; owner?: OwnerGuard | null; socket?: boolean } | null,
  ) {}

  /** A block's statements; what follows a statement that always ends the request is dropped (the checker warned). */
  block(statements: Statement[]): Stmt[] {
    const out: Stmt[] = [];
    for (const s of statements) {
      const lowered = this.statement(s);
      out.push(lowered);
      if (alwaysEnds([lowered])) break;
    }
    return out;
  }

  private statement(s: Statement): Stmt {
    switch (s.kind) {
      case "Assign":
        return { kind: "assign", variable: s.target.name, value: this.expr(s.value), span: s.span };
      case "ExpressionStatement":
        return { kind: "eval", value: this.expr(s.expression), span: s.span };
      case "Respond":
        return {
          kind: "respond",
          status: s.status?.value ?? (s.value ? 200 : 204),
          value: s.value ? this.expr(s.value) : null,
          headers: s.headers ? this.headers(s.headers) : null,
          cookies: s.cookies ? this.cookies(s.cookies) : null,
          notFound: s.value ? singleRowEntity(this.state.model, s.value) ?? null : null,
          span: s.span,
        };
      case "Redirect":
        // A redirect is a response with no body and a Location header: one path for every back end.
        return {
          kind: "respond",
          status: s.status?.value ?? 303,
          value: null,
          headers: [{ kind: "property", key: "location", value: this.expr(s.location) }],
          cookies: s.cookies ? this.cookies(s.cookies) : null,
          notFound: null,
          span: s.span,
        };
      case "Error":
        return { kind: "fail", status: s.status.value, detail: s.detail ? this.expr(s.detail) : { kind: "literal", value: defaultDetail(s.status.value) }, span: s.span };
      case "If": {
        const branches: Array<{ condition: Expr; body: Stmt[]; span: Span }> = [];
        let current: Statement | null = s;
        let otherwise: Stmt[] | null = null;
        while (current && current.kind === "If") {
          branches.push({ condition: this.expr(current.condition.expression), body: this.block(current.then.statements), span: current.span });
          const next: Statement | { kind: "Block"; statements: Statement[] } | null = current.else;
          if (next === null) current = null;
          else if (next.kind === "Block") {
            otherwise = this.block(next.statements);
            current = null;
          } else current = next;
        }
        return { kind: "if", branches, otherwise, span: s.span };
      }
      case "Broadcast":
        return { kind: "broadcast", room: s.room === null ? null : this.room(s.room), value: this.expr(s.value), span: s.span };
      case "Join":
      case "Leave":
        return { kind: s.kind === "Join" ? "join" : "leave", room: this.room(s.room), span: s.span };
      case "Send":
        return { kind: "send", value: this.expr(s.value), span: s.span };
      case "Stream": {
        const live = s.live === null ? null : this.expr(s.live);
        if (live !== null && this.route?.socket === true) return { kind: "live", live: { value: live, reads: this.readEntities(live) }, span: s.span };
        return { kind: "stream", room: s.room === null ? null : this.room(s.room), live: live === null ? null : { value: live, reads: this.readEntities(live) }, span: s.span };
      }
      case "For":
        return { kind: "for", variable: s.variable.name, list: this.expr(s.list), body: this.block(s.body.statements), span: s.span };
      case "Return":
        return { kind: "return", value: s.value ? this.expr(s.value) : null, span: s.span };
      case "Emit":
        return { kind: "emit", event: s.event.name, source: this.state.eventSource ?? "default", payload: this.expr(s.payload), span: s.span };
      case "Enqueue":
        return { kind: "enqueue", task: s.task.name, args: s.args.map((a) => this.expr(a)), delay: s.delay ? this.expr(s.delay) : null, key: s.key ? this.expr(s.key) : null, span: s.span };
      case "Expect": {
        const c = s.condition.span;
        // The condition as written, for the failure message (`EXPECT r.status == 201` failed: …).
        const text = this.state.sourceText?.(c.file)?.slice(c.start.offset, c.end.offset) ?? "";
        return { kind: "expect", condition: this.expr(s.condition), text, span: s.span };
      }
    }
  }

  /** The entities a LIVE query's plan reads (its own and those of the relations it selects), sorted. */
  private readEntities(value: Expr): string[] {
    const reads = new Set<string>();
    const visit = (node: unknown): void => {
      if (Array.isArray(node)) return node.forEach(visit);
      if (node === null || typeof node !== "object") return;
      for (const [key, child] of Object.entries(node)) {
        if (key === "entity" && typeof child === "string") reads.add(child);
        else visit(child);
      }
    };
    if (value.kind === "query") visit(this.state.queries.find((q) => q.id === value.query)?.plan);
    return [...reads].sort();
  }

  private room(ref: RoomRef): RoomTarget {
    return { name: ref.name.name, key: ref.key === null ? null : this.expr(ref.key) };
  }

  /** Cookie names keep their case (they are case-sensitive, unlike header names). */
  private cookies(cookies: ObjectExpr): ObjectEntry[] {
    return cookies.entries.map((e) =>
      e.kind === "Spread" ? { kind: "spread", value: this.expr(e.argument) } : e.kind === "Removal" ? { kind: "remove", key: e.name.name } : { kind: "property", key: e.key.name, value: this.expr(e.value) },
    );
  }

  private headers(headers: ObjectExpr): ObjectEntry[] {
    return headers.entries.map((e) =>
      e.kind === "Spread" ? { kind: "spread", value: this.expr(e.argument) } : e.kind === "Removal" ? { kind: "remove", key: e.name.name.toLowerCase() } : { kind: "property", key: e.key.name.toLowerCase(), value: this.expr(e.value) },
    );
  }

  /**
   * Folding copies only nodes it changes; query nodes are never copied, so the checker's facts about
   * them (keyed by node) still apply to the folded tree.
   */
  expr(e: Expression): Expr {
    return this.lower(foldExpression(e));
  }

  private lower(e: Expression): Expr {
    switch (e.kind) {
      case "String":
      case "Boolean":
        return { kind: "literal", value: e.value };
      case "Number":
      case "Duration":
        return Number.isFinite(e.value) ? { kind: "literal", value: e.value } : { kind: "literal", value: e.value > 0 ? "Infinity" : "-Infinity", infinite: true };
      case "Null":
      case "Missing":
        return { kind: "literal", value: null };
      case "Template":
        return { kind: "template", parts: e.parts.map((p) => this.lower(p)) };
      case "Name":
        return { kind: "variable", name: e.name };
      case "Param":
        if (REQUEST_PARTS.has(e.name)) return { kind: "input", from: e.name as InputExpr["from"], name: null };
        return { kind: "input", from: "path", name: e.name };
      case "Member":
        if (e.object.kind === "Param" && REQUEST_PARTS.has(e.object.name)) {
          return { kind: "input", from: e.object.name as InputExpr["from"], name: e.property.name };
        }
        if (e.property.name === "length") return { kind: "call", function: "len", imported: false, args: [this.lower(e.object)] };
        return { kind: "member", object: this.lower(e.object), property: e.property.name };
      case "Index":
        // `$query["page"]`, `$headers["x-api-key"]`, `$cookies["sid"]`: one named input, as with a dot.
        if (e.object.kind === "Param" && (e.object.name === "query" || e.object.name === "headers" || e.object.name === "cookies") && e.index.kind === "String") {
          return { kind: "input", from: e.object.name, name: e.index.value };
        }
        return { kind: "index", object: this.lower(e.object), index: this.lower(e.index) };
      case "Call":
        if (e.callee.name === "env") return this.env(e.args, e.span);
        if (this.state.model.kovaFunctions.has(e.callee.name)) return { kind: "callFunction", function: e.callee.name, args: e.args.map((a) => this.lower(a)) };
        if (this.state.model.views.has(e.callee.name)) return { kind: "view", view: e.callee.name, value: this.lower(e.args[0]) };
        return { kind: "call", function: e.callee.name, imported: !BUILTINS.has(e.callee.name), args: e.args.map((a) => this.lower(a)) };
      case "Unary":
        return { kind: "unary", operator: e.operator, operand: this.lower(e.operand) };
      case "IsNull":
        return { kind: "isNull", operand: this.lower(e.operand), negated: e.negated };
      case "Has": {
        const t = e.target;
        return { kind: "has", object: this.lower(t.object), key: t.kind === "Member" ? { kind: "literal", value: t.property.name } : this.lower(t.index) };
      }
      case "Binary":
        if (e.operator === "LIKE") return { kind: "binary", operator: "LIKE", left: this.lower(e.left), right: this.likePattern(e.right) };
        return this.instantOperation(e) ?? { kind: "binary", operator: e.operator, left: this.lower(e.left), right: this.lower(e.right) };
      case "Conditional":
        return { kind: "conditional", test: this.lower(e.test), then: this.lower(e.then), otherwise: this.lower(e.otherwise) };
      case "Between": {
        const instants = [e.operand, e.low, e.high].some((x) => this.typeOf(x) === "datetime");
        const side = (x: Expression) => (instants ? this.epoch(x) : this.lower(x));
        return { kind: "between", value: side(e.operand), low: side(e.low), high: side(e.high), negated: e.negated };
      }
      case "Comprehension":
        return { kind: "comprehension", variable: e.variable.name, list: this.lower(e.list), condition: e.condition ? this.lower(e.condition) : null, element: this.lower(e.element) };
      case "Object":
        return {
          kind: "object",
          entries: e.entries.map((entry): ObjectEntry =>
            entry.kind === "Spread" ? { kind: "spread", value: this.lower(entry.argument) } : entry.kind === "Removal" ? { kind: "remove", key: entry.name.name } : { kind: "property", key: entry.key.name, value: this.lower(entry.value) },
          ),
        };
      case "Array":
        return { kind: "array", elements: e.elements.map((x) => (x.kind === "Spread" ? { spread: true, value: this.lower(x.argument) } : { spread: false, value: this.lower(x) })) };
      case "Request":
        return { kind: "request", method: e.method, path: this.lower(e.path), body: e.body ? this.lower(e.body) : null, headers: e.headers ? this.lower(e.headers) : null };
      case "Spawn": {
        // The checker made sure it is an FN call (KV2912); anything else lowers to no task.
        const call = this.lower(e.call);
        return call.kind === "callFunction" ? { kind: "spawn", function: call.function, args: call.args } : { kind: "literal", value: null };
      }
      case "Await":
        return { kind: "await", task: this.lower(e.task) };
      default:
        if (QUERY_KINDS.has(e.kind)) return this.query(e as Query);
        return { kind: "literal", value: null };
    }
  }

  /**
   * The pattern of a LIKE. Text written in the program is a pattern (`"%{term}%"`: its `%` are
   * wildcards); a value that comes from elsewhere — a request, a variable, an interpolated hole —
   * is escaped by like_escape, so `?tag=x%` matches only "x%". `pattern(value)` asks for a value to
   * be used as a pattern.
   */
  private likePattern(e: Expression): Expr {
    const folded = foldExpression(e);
    const escape = (x: Expr): Expr => ({ kind: "call", function: "like_escape", imported: false, args: [x] });
    if (folded.kind === "Call" && folded.callee.name === "pattern" && folded.args.length === 1) return this.lower(folded.args[0]);
    if (folded.kind === "String" || folded.kind === "Null") return this.lower(folded);
    if (folded.kind === "Template") return { kind: "template", parts: folded.parts.map((p) => (p.kind === "String" ? this.lower(p) : escape(this.lower(p)))) };
    return escape(this.lower(folded));
  }

  private typeOf(e: Expression): string | undefined {
    const known = this.state.model.types.get(checkedNode(e))?.kind;
    if (known !== undefined) return known;
    // A constant folded from arithmetic (`7 * 86_400_000`) is a new node the checker never saw.
    return e.kind === "Number" || e.kind === "Duration" ? "number" : e.kind === "String" ? "string" : undefined;
  }

  private epoch(e: Expression): Expr {
    return { kind: "call", function: "epoch_ms", imported: false, args: [this.lower(e)] };
  }

  /**
   * Instants are ISO-8601 text at run time, so `now() - 7d` is date_add(now, -7d), `a - b` of two
   * instants is date_diff (milliseconds), and `<` between instants compares their epoch
   * milliseconds (text order differs across offsets). Decided here by the checker's types.
   */
  private instantOperation(e: Extract<Expression, { kind: "Binary" }>): Expr | undefined {
    const left = this.typeOf(e.left);
    const right = this.typeOf(e.right);
    if (left !== "datetime" && right !== "datetime") return undefined;
    const call = (fn: string, args: Expr[]): Expr => ({ kind: "call", function: fn, imported: false, args });
    switch (e.operator) {
      case "+":
        if (left === "datetime" && right === "number") return call("date_add", [this.lower(e.left), this.lower(e.right)]);
        if (right === "datetime" && left === "number") return call("date_add", [this.lower(e.right), this.lower(e.left)]);
        return undefined;
      case "-":
        if (left === "datetime" && right === "number") return call("date_add", [this.lower(e.left), { kind: "unary", operator: "-", operand: this.lower(e.right) }]);
        if (left === "datetime" && right === "datetime") return call("date_diff", [this.lower(e.left), this.lower(e.right)]);
        return undefined;
      case "<":
      case "<=":
      case ">":
      case ">=":
        return { kind: "binary", operator: e.operator, left: this.epoch(e.left), right: this.epoch(e.right) };
      default:
        return undefined;
    }
  }

  /** `env("NAME", default)` with a constant name is also declared in the app's env list, typed by its default. */
  private env(args: Expression[], span: Span): Expr {
    const name = args[0] ? constantValue(args[0]) : undefined;
    if (name !== undefined && typeof name.value === "string") {
      const fallback = args[1] ? constantValue(args[1]) : undefined;
      const known = this.state.env.get(name.value) ?? { name: name.value, type: "string", uses: [] };
      if (fallback !== undefined && fallback.value !== null) {
        known.default = String(fallback.value);
        known.type = typeof fallback.value === "number" ? "number" : typeof fallback.value === "boolean" ? "boolean" : "string";
      }
      known.uses.push(span);
      this.state.env.set(name.value, known);
    }
    return { kind: "env", name: args[0] ? this.lower(args[0]) : { kind: "literal", value: null }, default: args[1] ? this.lower(args[1]) : null };
  }

  /** A query becomes a plan in the app's table (by id) and a reference carrying its argument values. */
  private query(query: Query): Expr {
    const choice = "orderBy" in query ? query.orderBy?.items.find((i) => i.choice !== null)?.choice : undefined;
    if (choice) {
      // One plan per field the request may choose: the SQL of each stays parameter-free.
      return this.viewed(query, {
        kind: "orderChoice",
        value: this.expr(choice.value),
        label: choiceLabel(choice.value),
        options: choice.fields.map((f) => ({ field: f.name, query: this.planned(query, planQuery(query, this.state.model, this.route?.owner ?? null, f.name)) })),
      });
    }
    // Outside an endpoint (an FN or ACTION body) the caller is the request's, when there is one: an
    // AUDIT entity's writes are stamped with its `$auth.sub` (null from a TASK or an ON handler).
    return this.viewed(query, this.planned(query, this.route?.plans.get(query) ?? planQuery(query, this.state.model, null, undefined, callerSub(query.span))));
  }

  /** `SELECT SomeView FROM …`: the rows go through the VIEW's shaping function. */
  private viewed(query: Query, rows: Expr): Expr {
    const view = query.kind === "SelectQuery" ? this.state.model.selectViews.get(query) : undefined;
    if (view) return { kind: "view", view, value: rows };
    // A write answers with the whole row it wrote: its SECRET fields are taken off (history-control.ts).
    const hidden = WRITE_QUERY_KINDS.has(query.kind) ? secretFields(this.state.model.entities.get(query.entity.name)?.schema ?? { name: "", table: "", fields: [] }) : [];
    if (hidden.length === 0) return rows;
    return { kind: "call", function: "without_fields", imported: false, args: [rows, ...hidden.map((name): Expr => ({ kind: "literal", value: name }))] };
  }

  private planned(query: Query, planned: PlannedQuery): QueryExpr {
    const entity = planned.entity.schema.name;
    const id = `Q${this.state.queries.length}`;
    this.state.queries.push({ id, entity, source: this.state.sourceOf.get(entity)!, plan: planned.plan, span: query.span });
    const args: QueryArg[] = planned.args.map((arg) => ({
      value: arg.likePattern ? this.likePattern(arg.expression) : this.expr(arg.expression),
      convert: this.conversion(arg),
      label: arg.label,
      ...(arg.canonical !== undefined ? { canonical: arg.canonical } : {}),
    }));
    return { kind: "query", query: id, args };
  }

  /** Only numbers and booleans convert, and not an input the runtime already parsed to a matching type. */
  private conversion(arg: PlanArg): QueryArg["convert"] {
    const wanted = arg.coerce;
    if (wanted !== "int" && wanted !== "float" && wanted !== "decimal" && wanted !== "boolean" && wanted !== "count") return null;
    // A default (`$query.limit ?? 20`) is a constant of the same type, so the input's type decides.
    let e = arg.expression;
    while (e.kind === "Binary" && e.operator === "??" && constantValue(e.right) !== undefined) e = e.left;
    const input = this.route ? inputOf(e, this.route.pathNames) : null;
    const declared = input ? this.route![input.from].find((i) => i.name === input.name)?.type : undefined;
    if (declared === undefined) return wanted;
    if (declared === "count" && (wanted === "count" || wanted === "int" || wanted === "float" || wanted === "decimal")) return null;
    if (wanted === "count") return "count"; // an int input: a count must also not be negative
    if (declared === "int" && (wanted === "int" || wanted === "float" || wanted === "decimal")) return null;
    if (declared === "float" && (wanted === "float" || wanted === "decimal")) return null;
    if (declared === "boolean" && wanted === "boolean") return null;
    return wanted;
  }
}

/** Is this expression's static type a single entity row (so RESPOND of null means 404)? */
function singleRowEntity(model: SemanticModel, expr: Expression): string | undefined {
  if (QUERY_KINDS.has(expr.kind) && model.singleRow.has(expr as Query)) return (expr as Query).entity.name;
  const type = model.types.get(expr);
  if (type?.kind === "object" && type.entity && (expr.kind === "Name" || QUERY_KINDS.has(expr.kind))) return type.entity;
  return undefined;
}

const STATUS_TEXT: Readonly<Record<number, string>> = {
  400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found", 409: "Conflict",
  410: "Gone", 422: "Unprocessable Content", 429: "Too Many Requests", 500: "Internal Server Error", 503: "Service Unavailable",
};

function defaultDetail(status: number): string {
  return STATUS_TEXT[status] ?? `Error ${status}`;
}

/** How a 400 names the value that chose no listed field: `query parameter sort`, or `sort order`. */
function choiceLabel(value: Expression): string {
  if (value.kind === "Member" && value.object.kind === "Param" && value.object.name === "query") return `query parameter ${value.property.name}`;
  if (value.kind === "Param") return `path parameter ${value.name}`;
  if (value.kind === "Binary" && value.operator === "??") return choiceLabel(value.left);
  return "sort order";
}
