/**
 * ACTIONs and EVENTs (docs/language.md, "ACTION and EVENT: business actions"):
 *
 *   - `ACTION ship(order: Order, tracking: text(min: 3)) { … }` is an FN (checker/functions.ts) whose
 *     inputs are typed as a VALIDATE shape's fields (and checked as one when it is called), and whose
 *     entity-typed inputs take an id (or a row) and are loaded by id before the first step: the load
 *     is an ordinary `SELECT * FROM Order WHERE id = order`, made here and checked like any query;
 *   - `EVENT order_shipped { order: int  tracking: text }` declares an event's typed payload;
 *   - `EMIT order_shipped { … }` belongs in an ACTION, and its payload is an object literal with the
 *     event's fields, each of its type;
 *   - `ON order_shipped { … }` is a TASK underneath (trigger `event`), as ON INSERT is, with the
 *     payload as `event`.
 */
import type { EmitStmt, EventDecl, FunctionDecl, Identifier, NameExpr, OnChangeDecl, Program, Property, SelectQuery, Span } from "../ast/nodes.js";
import { BUILTINS } from "./builtins.js";
import { report, resolve, VariableScope, type CheckContext } from "./context.js";
import { shapeType, validationType } from "./declarations.js";
import { checkExpression } from "./expressions.js";
import type { KovaFunctionInfo } from "./functions.js";
import { checkSettings } from "./tasks.js";
import { assignable, describe, unknownType, type KovaType, type ShapeField } from "./types.js";

export interface EventInfo {
  decl: EventDecl;
  file: string;
  /** The payload's fields, as a VALIDATE shape's. */
  fields: Map<string, ShapeField>;
  type: KovaType;
}

/** What makes an FN an ACTION (KovaFunctionInfo.action). */
export interface ActionInfo {
  /** Entity-typed inputs: each loaded by id before the first step, in the caller's transaction. */
  loads: Array<{ param: string; entity: string; optional: boolean; query: SelectQuery }>;
  /**
   * Set once its body (or an action it calls) queries a TENANT BY entity: the first such entity and
   * its claim. The action then runs with its caller's tenant, and each call of it needs a certain
   * caller (checker/tenant.ts, checkTenantActionCall).
   */
  tenant?: { entity: string; claim: string };
}

/** Registers every EVENT (after VALIDATE shapes: a payload field may be typed with one). */
export function collectEvents(ctx: CheckContext, programs: Program[]): void {
  const m = ctx.model;
  const taken = (name: string) => m.entities.has(name) || m.validators.has(name) || m.kovaFunctions.has(name) || m.views.has(name) || m.events.has(name) || BUILTINS.has(name);
  for (const program of programs) {
    const fileCtx = { ...ctx, file: program.file };
    for (const decl of program.declarations) {
      if (decl.kind !== "Event" || decl.name.name === "") continue;
      const name = decl.name.name;
      if (taken(name)) {
        ctx.diagnostics.report("DuplicateDeclaration", decl.name.span, `'${name}' is already declared`, { suggestion: "give the EVENT its own name, as in order_shipped" });
        continue;
      }
      const type = shapeType(fileCtx, decl.fields, undefined);
      const fields = type.kind === "object" && type.fields !== null ? type.fields : new Map<string, ShapeField>();
      m.events.set(name, { decl, file: program.file, fields, type });
    }
  }
}

/**
 * An ACTION's parameters: an entity's row for an entity-typed input (loaded by id), else the type
 * a VALIDATE field of that type has (`text(min: 3)`, `email`, a shape), checked when called.
 */
export function actionParams(ctx: CheckContext, decl: FunctionDecl): { params: Array<{ name: string; type: KovaType }>; action: ActionInfo } {
  const loads: ActionInfo["loads"] = [];
  const params = decl.params.map((p) => {
    const entity = ctx.model.entities.get(p.type.name.name);
    if (entity !== undefined && !p.type.array) {
      resolve(ctx, p.type.name, entity.decl);
      loads.push({ param: p.name.name, entity: entity.decl.name.name, optional: p.type.optional, query: loadQuery(p.name, entity.decl.name.name, p.span) });
      return { name: p.name.name, type: entity.rowType };
    }
    return { name: p.name.name, type: validationType(ctx, p.type) };
  });
  return { params, action: { loads } };
}

/** `SELECT * FROM Entity WHERE id = param`: the load of an entity-typed input (one row or null). */
function loadQuery(param: Identifier, entity: string, span: Span): SelectQuery {
  const name = (text: string): NameExpr => ({ kind: "Name", span, name: text });
  return {
    kind: "SelectQuery",
    span,
    distinct: false,
    fields: null,
    relations: [],
    columns: null,
    entity: { kind: "Identifier", span, name: entity },
    asOf: null,
    where: { kind: "Condition", span, expression: { kind: "Binary", span, operator: "==", left: name("id"), right: name(param.name) } },
    groupBy: null,
    having: null,
    orderBy: null,
    limit: null,
    offset: null,
    after: null,
    withTotal: false,
    deleted: null,
  };
}

/** Checks an action's loads, where each input is still what the caller passed (an id or a row). */
export function checkActionLoads(ctx: CheckContext, info: KovaFunctionInfo): void {
  if (info.action === undefined) return;
  const scope = new VariableScope();
  for (const p of info.decl.params) scope.define(p.name, unknownType).used = true;
  for (const load of info.action.loads) checkExpression({ ...ctx, file: info.file, scope, entity: null, entityUnresolved: false }, load.query);
}

/**
 * Whether a call's argument fits an action's entity-typed input: an id (the integer key, or a public
 * id as text) or a row of that entity. Undefined for the other inputs (checked as an FN's are).
 */
export function actionArgumentFits(info: KovaFunctionInfo, index: number, arg: KovaType): boolean | undefined {
  const param = info.decl.params[index];
  const load = info.action?.loads.find((l) => l.param === param?.name.name);
  if (load === undefined) return undefined;
  if (arg.kind === "unknown" || arg.kind === "number" || arg.kind === "string") return true;
  return arg.kind === "object" && (arg.entity === undefined || arg.entity === load.entity);
}

/** `EMIT name { … }`: in an ACTION, a declared EVENT, its payload's fields and their types. */
export function checkEmit(ctx: CheckContext, statement: EmitStmt): void {
  const payload = statement.payload;
  const literal = payload.kind === "Object" && payload.entries.every((e) => e.kind === "Property") ? (payload.entries as Property[]) : undefined;
  const valueTypes = literal === undefined ? [] : literal.map((entry) => checkExpression(ctx, entry.value));
  if (literal === undefined && payload.kind !== "Missing") checkExpression(ctx, payload);
  if (ctx.function?.info.action === undefined) {
    const where = ctx.function !== undefined ? `the FN ${ctx.function.info.decl.name.name}` : ctx.task !== undefined ? "a TASK" : ctx.socket !== undefined ? "a SOCKET handler" : "an endpoint";
    ctx.diagnostics.report("EmitOutsideAction", statement.span, `EMIT announces what an ACTION did, and this is ${where}`, {
      suggestion: "move the work into an ACTION (ACTION name(…) { … EMIT … }) and call it from here",
    });
  }
  const name = statement.event.name;
  if (name === "") return;
  const event = ctx.model.events.get(name);
  if (event === undefined) {
    report(ctx, "UnknownEvent", statement.event.span, `there is no EVENT named '${name}'`, ctx.model.events.keys(), name);
    return;
  }
  resolve(ctx, statement.event, event.decl);
  if (payload.kind === "Missing") return;
  const example = `EMIT ${name} { ${[...event.fields.keys()].map((f) => `${f}: …`).join(", ")} }`;
  if (literal === undefined) {
    ctx.diagnostics.report("EventPayloadShape", payload.span, `EMIT ${name} takes its payload as { field: value, … } with the fields EVENT ${name} declares`, { suggestion: `write ${example}` });
    return;
  }
  const given = new Set<string>();
  literal.forEach((entry, i) => {
    const key = entry.key.name;
    given.add(key);
    const field = event.fields.get(key);
    if (field === undefined) {
      const list = [...event.fields.keys()].join(", ");
      report(ctx, "UnknownEventField", entry.key.span, `EVENT ${name} has no field '${key}' (its fields: ${list})`, event.fields.keys(), key);
      return;
    }
    const type = valueTypes[i];
    if (!(field.optional && type.kind === "null") && !assignable(type, field.type)) {
      ctx.diagnostics.report("EventFieldType", entry.value.span, `EVENT ${name} declares '${key}' as ${describe(field.type)}, and this is ${describe(type)}`, {
        suggestion: hint(field.type),
      });
    }
  });
  const missing = [...event.fields].filter(([field, info]) => !info.optional && !given.has(field));
  if (missing.length > 0) {
    ctx.diagnostics.report("MissingEventField", payload.span, `EMIT ${name} leaves out ${missing.map(([f, info]) => `'${f}' (${describe(info.type)})`).join(", ")}, which EVENT ${name} requires`, {
      suggestion: `write ${example}`,
    });
  }
}

function hint(type: KovaType): string {
  if (type.kind === "number") return type.integer ? "pass a whole number, e.g. the row's id (order.id), or convert with int(…)" : "pass a number, or convert with number(…)";
  if (type.kind === "string") return "pass a text, or convert with string(…)";
  return `pass ${describe(type)}`;
}

/** `ON order_shipped { … }`: a TASK run with the payload as `event` after each committed EMIT of the event. */
export function collectEventHandler(ctx: CheckContext, decl: OnChangeDecl, file: string): void {
  const name = decl.entity.name;
  if (name === "") return;
  const event = ctx.model.events.get(name);
  if (event === undefined) {
    const entity = ctx.model.entities.has(name) ? ` ('${name}' is an ENTITY: write ON INSERT ${name}, ON UPDATE ${name} or ON DELETE ${name})` : "";
    report(ctx, "UnknownEvent", decl.entity.span, `ON ${name} follows an EVENT, and there is no EVENT named '${name}'${entity}`, ctx.model.events.keys(), name);
    return;
  }
  resolve(ctx, decl.entity, event.decl);
  const taskName = `on_${name}`;
  const other = ctx.model.tasks.get(taskName);
  if (other !== undefined) {
    ctx.diagnostics.report("DuplicateChangeHandler", decl.span, other.change !== undefined ? `there is already an ON ${name} handler` : `a TASK named '${taskName}' already exists`, {
      suggestion: other.change !== undefined ? "put both bodies in one handler" : `rename TASK ${taskName}`,
    });
    return;
  }
  const ident = (text: string): Identifier => ({ kind: "Identifier", span: decl.entity.span, name: text });
  ctx.model.tasks.set(taskName, {
    decl: { kind: "Task", span: decl.span, name: ident(taskName), params: null, schedule: null, settings: decl.settings, body: decl.body },
    file,
    params: [{ name: "event", type: event.type }],
    trigger: { kind: "event", event: name },
    settings: checkSettings({ ...ctx, file }, decl.settings),
    variables: [],
    change: { decl, paramName: ident("event") },
  });
}
