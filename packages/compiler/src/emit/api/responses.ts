/**
 * What each route can answer, read off its handler in the app model: the status of every RESPOND,
 * REDIRECT and ERROR, the JSON type of every response body (entity rows, views, partial and
 * nested selections, lists, pages, history, object literals built from them), the response headers
 * it sets, and the problem responses the runtime itself may send for it (a bad input, a missing
 * credential, a constraint, a rate limit, an unreachable data source).
 */
import { BUILTINS } from "../../checker/builtins.js";
import { graphColumns, type EntitySchema, type FieldSchema, type Operand, type QueryPlan, type SelectPlan } from "@kova/query";
import type { AppModel, Expr, HttpRoute, InputType, KovaFunction, QueryDef, Stmt } from "../../ir/nodes.js";
import { columnsSchema, componentSchemas, fieldSchema, historyEntrySchema, inputSchema, nullable, ref, scalarSchema, type JsonSchema } from "./schemas.js";

export interface RouteResponse {
  status: number;
  /** The body's schemas (one per RESPOND with this status), or empty: no body. */
  bodies: JsonSchema[];
  /** Response header names (lower-case) some RESPOND of this status sets. */
  headers: string[];
  /** A problem response (application/problem+json), with why it can happen. */
  problem: string[] | null;
}

/** Every status the route can answer with, sorted. */
/** `validationStatus`: what a body that fails its VALIDATE shape gets (kova.config.json `errors`). */
export function routeResponses(app: AppModel, route: HttpRoute, validationStatus: 400 | 422 = 400): RouteResponse[] {
  const types = new TypeInference(app, route);
  const byStatus = new Map<number, RouteResponse>();
  const entry = (status: number): RouteResponse => {
    let r = byStatus.get(status);
    if (r === undefined) byStatus.set(status, (r = { status, bodies: [], headers: [], problem: null }));
    return r;
  };
  const problem = (status: number, why: string): void => {
    const r = entry(status);
    r.problem ??= [];
    if (!r.problem.includes(why)) r.problem.push(why);
  };

  for (const s of statements(route.body)) {
    if (s.kind === "respond") {
      const r = entry(s.status);
      if (s.value !== null) {
        let body = types.of(s.value);
        // A null row is answered with a 404 (a row that cannot be null, as an INSERT's, never is).
        if (s.notFound !== null && (canBeNull(body) || Object.keys(body).length === 0)) {
          body = nonNull(body);
          problem(404, `there is no such ${s.notFound}`);
        }
        if (!r.bodies.some((b) => sameSchema(b, body))) r.bodies.push(body);
      }
      for (const h of s.headers ?? []) if (h.kind === "property" && !r.headers.includes(h.key.toLowerCase())) r.headers.push(h.key.toLowerCase());
      if (s.cookies !== null && !r.headers.includes("set-cookie")) r.headers.push("set-cookie");
    } else if (s.kind === "fail") {
      problem(s.status, "the handler's ERROR");
    }
  }

  // What the runtime answers by itself.
  problem(400, "a malformed request (a path or query value of the wrong type, bad percent-encoding)");
  const bodyRead = route.inputs.body.read || route.inputs.body.shape !== null;
  if (route.inputs.body.shape !== null) problem(validationStatus, `the body does not match ${route.inputs.body.shape}`);
  if (bodyRead) {
    problem(400, "the body is not valid JSON");
    problem(413, "the body is larger than the body limit");
    problem(415, "the body is not JSON (Content-Type)");
  }
  if (route.auth !== null) {
    problem(401, route.auth.mode === "required" ? "no valid credential" : "a credential that is not valid");
    if (route.auth.roles.length > 0) problem(403, `the caller has none of the roles ${route.auth.roles.join(", ")}`);
  }
  if (app.security.cookieAuth && route.method !== "GET") problem(403, "a cross-site request (CSRF)");
  if (route.rateLimit !== null || app.security.rateLimit !== null) problem(429, "the rate limit is used up");
  const queries = types.queriesRun();
  if (queries.some((q) => q.plan.kind === "save")) problem(404, "the record to replace does not exist");
  if (queries.some((q) => isWrite(q.plan) && canConflict(app, q.entity))) problem(409, "the write breaks a UNIQUE constraint or a reference");
  if (queries.length > 0) problem(503, "a data source is unavailable");
  problem(500, "an unexpected failure of the server");
  return [...byStatus.values()].sort((a, b) => a.status - b.status);
}

function isWrite(plan: QueryPlan): boolean {
  return plan.kind === "insert" || plan.kind === "update" || plan.kind === "delete" || plan.kind === "save";
}

/** Whether writing the entity can break a constraint: it has UNIQUE fields or references, or is referenced. */
function canConflict(app: AppModel, name: string): boolean {
  const entity = app.entities.find((e) => e.name === name);
  if (entity === undefined) return true;
  if (entity.fields.some((f) => f.unique || f.references !== undefined) || (entity.uniques?.length ?? 0) > 0) return true;
  return app.entities.some((e) => e.fields.some((f) => f.references === name));
}

/** Every statement, nested ones included, in source order. */
function* statements(body: readonly Stmt[]): Generator<Stmt> {
  for (const s of body) {
    yield s;
    if (s.kind === "if") {
      for (const b of s.branches) yield* statements(b.body);
      if (s.otherwise) yield* statements(s.otherwise);
    } else if (s.kind === "for") {
      yield* statements(s.body);
    }
  }
}

const UNKNOWN: JsonSchema = {};
/** On a SPAWN's schema: the schema of its FN's result, which AWAIT gives. */
const TASK_RESULT = Symbol("task result");

export function sameSchema(a: JsonSchema, b: JsonSchema): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** Either of the schemas; `{}` (anything) absorbs the rest. */
export function union(schemas: readonly JsonSchema[]): JsonSchema {
  const parts: JsonSchema[] = [];
  for (const s of schemas) {
    if (Object.keys(s).length === 0) return UNKNOWN;
    for (const p of Array.isArray(s.anyOf) && Object.keys(s).length === 1 ? (s.anyOf as JsonSchema[]) : [s]) {
      if (!parts.some((q) => sameSchema(p, q))) parts.push(p);
    }
  }
  if (parts.length === 1) return parts[0];
  // Plain types (`string`, `["string", "null"]`) merge into one type list.
  if (parts.every((p) => Object.keys(p).length === 1 && p.type !== undefined)) {
    const types = [...new Set(parts.flatMap((p) => (Array.isArray(p.type) ? (p.type as string[]) : [p.type as string])))];
    return { type: types.length === 1 ? types[0] : types };
  }
  return { anyOf: parts };
}

/** The schema without null (what a RESPOND sends once a null row became a 404). */
function nonNull(schema: JsonSchema): JsonSchema {
  if (Array.isArray(schema.anyOf) && Object.keys(schema).length === 1) {
    const rest = (schema.anyOf as JsonSchema[]).filter((s) => s.type !== "null");
    return rest.length === 1 ? rest[0] : { anyOf: rest };
  }
  if (Array.isArray(schema.type)) {
    const type = (schema.type as string[]).filter((t) => t !== "null");
    const out: JsonSchema = { ...schema, type: type.length === 1 ? type[0] : type };
    if (Array.isArray(schema.enum)) out.enum = (schema.enum as unknown[]).filter((v) => v !== null);
    return out;
  }
  return schema;
}


/** A built-in's result type as JSON, from its documented result (`text`, `int`, …); anything else is left open. */
function builtinSchema(name: string): JsonSchema {
  const returns = BUILTINS.get(name)?.returns.split(" ")[0];
  switch (returns) {
    case "text":
      return { type: "string" };
    case "int":
      return { type: "integer" };
    case "number":
    case "float":
      return { type: "number" };
    case "bool":
    case "boolean":
      return { type: "boolean" };
    case "datetime":
      return { type: "string", format: "date-time" };
    default:
      return UNKNOWN;
  }
}

interface AppIndex {
  entities: Map<string, EntitySchema>;
  queries: Map<string, QueryDef>;
  functions: Map<string, KovaFunction>;
  components: Record<string, JsonSchema>;
}

/**
 * The app's lookup tables and component schemas, built once per app model rather than once per
 * route: per route, they made the OpenAPI emitter quadratic (40% of `kova build` on 10,000 lines).
 * Read-only once built.
 */
const appIndexes = new WeakMap<AppModel, AppIndex>();

function appIndex(app: AppModel): AppIndex {
  let index = appIndexes.get(app);
  if (index === undefined) {
    index = {
      entities: new Map(app.entities.map((e) => [e.name, e])),
      queries: new Map(app.queries.map((q) => [q.id, q])),
      functions: new Map(app.functions.map((f) => [f.name, f])),
      components: componentSchemas(app),
    };
    appIndexes.set(app, index);
  }
  return index;
}

/**
 * The JSON type of handler expressions. Variables take the union of what is assigned to them;
 * anything the model cannot know (an imported function's result, a JSON field) is `{}`.
 */
class TypeInference {
  private readonly variables = new Map<string, JsonSchema>();
  private readonly entities: Map<string, EntitySchema>;
  private readonly queries: Map<string, QueryDef>;
  private readonly functions: Map<string, KovaFunction>;
  private readonly run = new Set<string>();
  private readonly inFunctions = new Set<string>();
  private readonly components: Record<string, JsonSchema>;

  constructor(private readonly app: AppModel, private readonly route: HttpRoute) {
    ({ entities: this.entities, queries: this.queries, functions: this.functions, components: this.components } = appIndex(app));
    this.bind(route.body, this.variables);
  }

  /** The queries the route's handler (and the FNs it calls) run. */
  queriesRun(): QueryDef[] {
    return [...this.run].map((id) => this.queries.get(id)!).filter((q) => q !== undefined);
  }

  private bind(body: readonly Stmt[], into: Map<string, JsonSchema>): void {
    for (const s of statements(body)) {
      if (s.kind === "assign") {
        const type = this.of(s.value, into);
        const before = into.get(s.variable);
        into.set(s.variable, before === undefined ? type : union([before, type]));
      } else if (s.kind === "eval") {
        this.of(s.value, into);
      } else if (s.kind === "fail") {
        this.of(s.detail, into);
      } else if (s.kind === "if") {
        for (const b of s.branches) this.of(b.condition, into);
      } else if (s.kind === "for") {
        const list = this.of(s.list, into);
        into.set(s.variable, (list.items as JsonSchema | undefined) ?? UNKNOWN);
      } else if (s.kind === "return" && s.value !== null) {
        this.of(s.value, into);
      }
    }
  }

  of(expr: Expr, vars: Map<string, JsonSchema> = this.variables): JsonSchema {
    switch (expr.kind) {
      case "literal":
        if (expr.value === null) return { type: "null" };
        if (typeof expr.value === "string") return expr.infinite ? { type: "number" } : { type: "string" };
        if (typeof expr.value === "number") return Number.isInteger(expr.value) ? { type: "integer" } : { type: "number" };
        return { type: "boolean" };
      case "template":
        for (const p of expr.parts) this.of(p, vars);
        return { type: "string" };
      case "variable":
        return vars.get(expr.name) ?? UNKNOWN;
      case "input":
        return this.input(expr.from, expr.name);
      case "member":
        return property(this.of(expr.object, vars), expr.property, this.components);
      case "index": {
        const object = this.of(expr.object, vars);
        this.of(expr.index, vars);
        return (object.items as JsonSchema | undefined) ?? UNKNOWN;
      }
      case "call":
        for (const a of expr.args) this.of(a, vars);
        return expr.imported ? UNKNOWN : builtinSchema(expr.function);
      case "env":
        return { type: "string" };
      case "request":
        // Only in TESTs, which have no response to describe.
        return UNKNOWN;
      case "unary":
        this.of(expr.operand, vars);
        return expr.operator === "NOT" ? { type: "boolean" } : { type: "number" };
      case "binary": {
        const left = this.of(expr.left, vars);
        const right = this.of(expr.right, vars);
        switch (expr.operator) {
          case "??":
            return union([nonNull(left), right]);
          case "+":
          case "-":
          case "*":
          case "/":
          case "%":
            if (left.type === "integer" && right.type === "integer" && expr.operator !== "/") return { type: "integer" };
            if (expr.operator === "+" && (left.type === "string" || right.type === "string")) return { type: "string" };
            return expr.operator === "+" ? UNKNOWN : { type: "number" };
          default:
            return { type: "boolean" };
        }
      }
      case "isNull":
      case "has":
      case "between":
        return { type: "boolean" };
      case "object": {
        const properties: Record<string, JsonSchema> = {};
        let open = false;
        for (const entry of expr.entries) {
          // `-field` takes a key out of what the spreads before it brought in.
          if (entry.kind === "remove") {
            delete properties[entry.key];
            continue;
          }
          const value = this.of(entry.value, vars);
          if (entry.kind === "property") properties[entry.key] = value;
          else if (value.properties !== undefined) Object.assign(properties, value.properties);
          else open = true;
        }
        return { type: "object", properties, ...(open ? {} : { required: Object.keys(properties), additionalProperties: false }) };
      }
      case "array": {
        const items: JsonSchema[] = [];
        for (const e of expr.elements) {
          const value = this.of(e.value, vars);
          items.push(e.spread ? ((value.items as JsonSchema | undefined) ?? UNKNOWN) : value);
        }
        return { type: "array", items: items.length === 0 ? UNKNOWN : union(items) };
      }
      case "conditional":
        this.of(expr.test, vars);
        return union([this.of(expr.then, vars), this.of(expr.otherwise, vars)]);
      case "comprehension": {
        const list = this.of(expr.list, vars);
        const inner = new Map(vars);
        inner.set(expr.variable, (list.items as JsonSchema | undefined) ?? UNKNOWN);
        if (expr.condition) this.of(expr.condition, inner);
        return { type: "array", items: this.of(expr.element, inner) };
      }
      case "callFunction":
        for (const a of expr.args) this.of(a, vars);
        return this.functionResult(expr.function);
      case "spawn": {
        for (const a of expr.args) this.of(a, vars);
        // A task is an empty object in an answer; what its AWAIT gives rides beside it (a symbol: never written out).
        const task: JsonSchema = { type: "object" };
        (task as unknown as Record<symbol, unknown>)[TASK_RESULT] = this.functionResult(expr.function);
        return task;
      }
      case "await":
        return ((this.of(expr.task, vars) as unknown as Record<symbol, unknown>)[TASK_RESULT] as JsonSchema | undefined) ?? UNKNOWN;
      case "view": {
        const inner = this.of(expr.value, vars);
        const view = ref(expr.view);
        if (inner.type === "array") return { type: "array", items: view };
        return canBeNull(inner) ? nullable(view) : view;
      }
      case "query":
        for (const a of expr.args) this.of(a.value, vars);
        return this.query(expr.query);
      case "orderChoice": {
        this.of(expr.value, vars);
        return union(expr.options.map((o) => this.of(o.query, vars)));
      }
    }
  }

  private input(from: "path" | "query" | "headers" | "cookies" | "body" | "auth", name: string | null): JsonSchema {
    const inputs = this.route.inputs;
    switch (from) {
      case "path": {
        const input = inputs.path.find((i) => i.name === name);
        return input ? inputSchema(input.type) : { type: "string" };
      }
      case "query": {
        if (name === null) return { type: "object" };
        const input = inputs.query.find((i) => i.name === name);
        return nullable(input ? inputSchema(input.type) : { type: "string" });
      }
      case "headers":
      case "cookies":
        return name === null ? { type: "object" } : nullable({ type: "string" });
      case "body":
        if (inputs.body.shape === null) return UNKNOWN;
        return name === null ? ref(inputs.body.shape) : this.shapeField(inputs.body.shape, name);
      case "auth": {
        const claims = this.app.auth?.schemes[0]?.claims;
        if (claims === undefined) return UNKNOWN;
        return name === null ? ref(claims) : this.shapeField(claims, name);
      }
    }
  }

  private shapeField(shapeName: string, field: string): JsonSchema {
    const shape = this.app.shapes.find((s) => s.name === shapeName);
    const declared = shape?.fields.find((f) => f.name === field);
    if (declared === undefined || declared.type.array || declared.type.fields.length > 0) return UNKNOWN;
    const t = declared.type;
    let schema: JsonSchema;
    if (this.app.shapes.some((s) => s.name === t.name)) schema = ref(t.name);
    else if (t.name === "enum") schema = { type: "string", enum: t.args.filter((a) => typeof a === "string") };
    else if (t.name === "int" || t.name === "integer") schema = { type: "integer" };
    else if (t.name === "number" || t.name === "float" || t.name === "decimal") schema = { type: "number" };
    else if (t.name === "boolean" || t.name === "bool") schema = { type: "boolean" };
    else if (t.name === "any" || t.name === "json") schema = UNKNOWN;
    else schema = { type: "string" };
    return t.optional ? nullable(schema) : schema;
  }

  private functionResult(name: string): JsonSchema {
    const fn = this.functions.get(name);
    if (fn === undefined || this.inFunctions.has(name)) return UNKNOWN;
    this.inFunctions.add(name);
    const vars = new Map<string, JsonSchema>();
    this.bind(fn.body, vars);
    const results = [...statements(fn.body)].flatMap((s) => (s.kind === "return" ? [s.value === null ? { type: "null" } : this.of(s.value, vars)] : []));
    this.inFunctions.delete(name);
    return results.length === 0 ? { type: "null" } : union(results);
  }

  private query(id: string): JsonSchema {
    const def = this.queries.get(id);
    if (def === undefined) return UNKNOWN;
    this.run.add(id);
    const plan = def.plan;
    const row = ref(plan.entity);
    switch (plan.kind) {
      case "select":
        return this.select(plan);
      case "insert":
      case "save":
        return row;
      case "update":
      case "delete":
        return plan.single ? nullable(row) : { type: "array", items: row };
      case "history":
        return { type: "array", items: historyEntrySchema(plan.entity) };
    }
  }

  private select(plan: SelectPlan): JsonSchema {
    const entity = this.entities.get(plan.entity);
    if (entity === undefined) return UNKNOWN;
    if (plan.shape !== undefined) {
      const properties: Record<string, JsonSchema> = {};
      for (const c of plan.shape.columns) properties[c.name] = this.operand(c.value, entity);
      const row: JsonSchema = { type: "object", properties, required: Object.keys(properties), additionalProperties: false };
      const list: JsonSchema = { type: "array", items: row };
      switch (plan.shape.result) {
        case "rows":
          return plan.single ? nullable(row) : list;
        case "row":
          return row;
        case "value":
          return properties[plan.shape.columns[0]?.name] ?? UNKNOWN;
        case "page":
          return { type: "object", properties: { items: list, total: { type: "integer" } }, required: ["items", "total"], additionalProperties: false };
        case "cursor":
          return { type: "object", properties: { items: list, next: { type: ["string", "null"] } }, required: ["items", "next"], additionalProperties: false };
      }
    }
    const whole = plan.fields === null && (plan.nested?.length ?? 0) === 0;
    const row = whole ? ref(plan.entity) : columnsSchema(graphColumns(plan, entity, this.entities), entity, this.entities);
    return plan.single ? nullable(row) : { type: "array", items: row };
  }

  private operand(operand: Operand, entity: EntitySchema): JsonSchema {
    const field = (name: string): FieldSchema | undefined => entity.fields.find((f) => f.name === name);
    switch (operand.kind) {
      case "field": {
        if (operand.field === "id") return { type: "integer" };
        const f = field(operand.field);
        return f ? fieldSchema(f) : UNKNOWN;
      }
      case "aggregate": {
        if (operand.fn === "count") return { type: "integer" };
        if (operand.fn === "sum" || operand.fn === "avg") return { type: ["number", "null"] };
        const f = operand.field === null ? undefined : operand.field === "id" ? ({ type: "int" } as const) : field(operand.field);
        return f ? nullable(scalarSchema(f.type)) : UNKNOWN;
      }
      case "arith":
        return { type: "number" };
      case "concat":
        return { type: "string" };
      case "literal":
        return operand.value === null ? { type: "null" } : { type: typeof operand.value === "number" ? "number" : typeof operand.value };
      default:
        return UNKNOWN;
    }
  }
}

function canBeNull(schema: JsonSchema): boolean {
  if (Array.isArray(schema.type)) return schema.type.includes("null");
  if (Array.isArray(schema.anyOf)) return (schema.anyOf as JsonSchema[]).some(canBeNull);
  return schema.type === "null";
}

/** A property of an object schema (null when the object may be null); `{}` when unknown. */
function property(object: JsonSchema, name: string, components: Record<string, JsonSchema>): JsonSchema {
  const candidates = Array.isArray(object.anyOf) ? (object.anyOf as JsonSchema[]) : [object];
  const found: JsonSchema[] = [];
  let maybeNull = false;
  for (const c of candidates) {
    if (c.type === "null") {
      maybeNull = true;
      continue;
    }
    const named = typeof c.$ref === "string" ? components[c.$ref.slice("#/components/schemas/".length)] : undefined;
    const props = (named ?? c).properties as Record<string, JsonSchema> | undefined;
    if (props === undefined || props[name] === undefined) return UNKNOWN;
    found.push(props[name]);
    if (Array.isArray(c.type) && c.type.includes("null")) maybeNull = true;
  }
  if (found.length === 0) return UNKNOWN;
  const value = union(found);
  return maybeNull ? nullable(value) : value;
}
