/**
 * ON handlers (docs/language.md, "ON: change handlers"): `ON INSERT Post { … }` runs after every
 * committed insert of a Post, with `event` bound to the change event. A handler is a TASK underneath
 * (trigger `change`): the same settings, body checks, retries with backoff, dead letters and
 * transactions, so it is registered here as a TaskInfo and checked and lowered with the tasks.
 */
import type { Identifier, OnChangeDecl, Program } from "../ast/nodes.js";
import { report, type CheckContext } from "./context.js";
import { checkSettings, type TaskInfo } from "./tasks.js";
import { collectEventHandler } from "./actions.js";
import { refuseOnDelete } from "./soft-delete.js";
import { datetimeType, intType, nullType, stringType, type KovaType, type ShapeField } from "./types.js";

/** The task name a handler runs under (`ON UPDATE Post` → `on_update_Post`): unique per op and entity. */
export function changeTaskName(op: OnChangeDecl["op"], entity: string): string {
  return `on_${op.toLowerCase()}_${entity}`;
}

/** Registers every ON handler as a task (after entities are checked: its `event` has their row types). */
export function collectChangeHandlers(ctx: CheckContext, programs: Program[]): void {
  for (const program of programs) {
    const fileCtx = { ...ctx, file: program.file };
    for (const decl of program.declarations) {
      if (decl.kind !== "OnChange" || decl.entity.name === "") continue;
      if (decl.op === "EVENT") {
        collectEventHandler(fileCtx, decl, program.file);
        continue;
      }
      const entity = ctx.model.entities.get(decl.entity.name);
      if (entity === undefined) {
        report(fileCtx, "UnknownChangeEntity", decl.entity.span, `ON ${decl.op} follows writes to an entity, and there is no entity named '${decl.entity.name}'`, ctx.model.entities.keys(), decl.entity.name);
        continue;
      }
      if (refuseOnDelete(fileCtx, decl.op, entity, decl.entity.span)) continue;
      const name = changeTaskName(decl.op, decl.entity.name);
      if (ctx.model.tasks.has(name)) {
        const other = ctx.model.tasks.get(name)!;
        ctx.diagnostics.report("DuplicateChangeHandler", decl.span, other.change !== undefined ? `there is already an ON ${decl.op} ${decl.entity.name} handler` : `a TASK named '${name}' already exists`, {
          suggestion: other.change !== undefined ? "put both bodies in one handler" : `rename TASK ${name}`,
        });
        continue;
      }
      const op = decl.op.toLowerCase() as "insert" | "update" | "delete";
      reportLoops(fileCtx, decl, op);
      const ident = (text: string): Identifier => ({ kind: "Identifier", span: decl.entity.span, name: text });
      const info: TaskInfo = {
        decl: { kind: "Task", span: decl.span, name: ident(name), params: null, schedule: null, settings: decl.settings, body: decl.body },
        file: program.file,
        params: [{ name: "event", type: eventType(entity.rowType, entity.schema.fields.filter((f) => f.secret === true).map((f) => f.name), op) }],
        trigger: { kind: "change", op, entity: decl.entity.name },
        settings: checkSettings(fileCtx, decl.settings),
        variables: [],
        change: { decl, paramName: ident("event") },
      };
      ctx.model.tasks.set(name, info);
    }
  }
}

/**
 * A handler's own writes produce events too: an `ON UPDATE Post` whose body always updates a Post
 * (or an `ON INSERT Post` that always inserts one) would run itself forever. Such a write is refused
 * unless something decides whether it happens — an IF, a FOR, a conditional expression — which is
 * where the handler compares `event.before` with `event.after` and stops.
 */
function reportLoops(ctx: CheckContext, decl: OnChangeDecl, op: "insert" | "update" | "delete"): void {
  if (op === "delete") return; // deleting what is left ends by itself
  const entity = decl.entity.name;
  const loops = (node: { kind: string; entity?: Identifier }) =>
    node.entity?.name === entity && (op === "update" ? node.kind === "UpdateQuery" || node.kind === "SaveQuery" : node.kind === "InsertQuery");
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(visit);
    if (node === null || typeof node !== "object") return;
    const kind = (node as { kind?: unknown }).kind;
    // Guarded: the write may not happen every time.
    if (kind === "If" || kind === "For" || kind === "Conditional" || kind === "Comprehension") return;
    if (typeof kind === "string" && loops(node as { kind: string; entity?: Identifier })) {
      const span = (node as { span: OnChangeDecl["span"] }).span;
      ctx.diagnostics.report("ChangeHandlerLoop", span, `ON ${decl.op} ${entity} ${op === "update" ? "updates" : "inserts"} ${entity} every time it runs, and that write is an ${op} of ${entity} again: the handler would run forever`, {
        suggestion: op === "update"
          ? `write only when the change matters, e.g. IF event.before.status != event.after.status { … }, or keep the derived value in another entity`
          : `insert only under a condition (IF …), or insert into another entity`,
      });
      return;
    }
    for (const [key, value] of Object.entries(node)) if (key !== "span") visit(value);
  };
  visit(decl.body);
}

/** `event`: { entity, id, op, version, at, before, after }, the rows without their SECRET fields. */
function eventType(rowType: KovaType, secret: readonly string[], op: "insert" | "update" | "delete"): KovaType {
  let row: KovaType = rowType;
  if (rowType.kind === "object" && rowType.fields !== null && secret.length > 0) {
    row = { ...rowType, fields: new Map([...rowType.fields].filter(([name]) => !secret.includes(name))) };
  }
  const field = (type: KovaType, optional = false): ShapeField => ({ type, optional });
  return {
    kind: "object",
    fields: new Map([
      ["entity", field(stringType)],
      // The record's id as programs see it: the integer key, or a PUBLIC ID entity's public id.
      ["id", rowType.kind === "object" && rowType.fields !== null ? (rowType.fields.get("id") ?? field(intType)) : field(intType)],
      ["op", field({ kind: "string", enumValues: [op] })],
      ["version", field(intType, true)],
      ["at", field(datetimeType)],
      // Absent (null) before an insert and after a delete; the types say so.
      ["before", field(op === "insert" ? nullType : row, op !== "delete")],
      ["after", field(op === "delete" ? nullType : row)],
    ]),
  };
}
