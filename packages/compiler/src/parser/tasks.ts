import type { EnqueueStmt, Expression, FunctionParam, Identifier, OnChangeDecl, Property, TaskDecl, TaskSchedule } from "../ast/nodes.js";
import type { Cursor } from "./cursor.js";
import { parsePropertyBlock } from "./declarations.js";
import { parseArguments, parseExpression } from "./expressions.js";
import { parseParameterList } from "./functions.js";
import { parseBlock } from "./statements.js";

/**
 * After `TASK`: `name[(params)] [EVERY d | CRON "expr" [TZ "zone"]] [WITH { settings }] { body }`.
 * A scheduled task has EVERY or CRON; a queued one has parameters (possibly none) and runs when an
 * ENQUEUE names it. The checker decides which combinations make sense.
 */
export function parseTask(c: Cursor, start: number): TaskDecl {
  const name = c.expectIdentifier("a name for the TASK");
  let params: FunctionParam[] | null = null;
  if (c.isPunct("(") && !c.token.newlineBefore) params = parseParameterList(c, "TASK send_welcome(user: User)");
  let schedule: TaskSchedule | null = null;
  const t = c.token;
  if (c.matchKeyword("EVERY") || c.matchKeyword("CRON")) {
    const mode = c.source.text.slice(t.start, t.end).toUpperCase() as "EVERY" | "CRON";
    const value = parseExpression(c);
    let timezone: Expression | null = null;
    if (c.matchKeyword("TZ")) timezone = parseExpression(c);
    schedule = { kind: "TaskSchedule", span: c.spanFrom(t.start), mode, value, timezone };
  }
  let settings: Property[] = [];
  if (c.matchKeyword("WITH")) settings = parsePropertyBlock(c, "the TASK settings");
  const body = parseBlock(c, "the TASK body");
  return { kind: "Task", span: c.spanFrom(start), name, params, schedule, settings, body };
}

/** After `ENQUEUE`: `task(args) [DELAY duration] [KEY text]`, the clauses in either order. */
export function parseEnqueue(c: Cursor, start: number): EnqueueStmt {
  const task: Identifier = c.expectIdentifier("the name of a TASK to enqueue, as in ENQUEUE send_welcome(user)");
  let args: Expression[] = [];
  if (c.isPunct("(")) {
    args = parseArguments(c, c.advance());
  } else {
    c.errorExpected(`'(' and the task's arguments, as in ENQUEUE ${task.name || "send_welcome"}(…)`);
  }
  let delay: Expression | null = null;
  let key: Expression | null = null;
  for (;;) {
    if (delay === null && c.matchKeyword("DELAY")) delay = parseExpression(c);
    else if (key === null && c.matchKeyword("KEY")) key = parseExpression(c);
    else break;
  }
  return { kind: "Enqueue", span: c.spanFrom(start), task, args, delay, key };
}

const CHANGE_OPS = ["INSERT", "UPDATE", "DELETE"] as const;

/**
 * After a top-level `ON`: `INSERT|UPDATE|DELETE Entity [WITH { settings }] { body }`, or
 * `event_name [WITH { settings }] { body }` for an EVENT's handler (op `EVENT`).
 */
export function parseOnChange(c: Cursor, start: number): OnChangeDecl {
  let op: OnChangeDecl["op"] = "INSERT";
  const found = CHANGE_OPS.find((k) => c.matchKeyword(k));
  if (found === undefined && c.token.kind === "Identifier") op = "EVENT";
  else if (found === undefined) c.errorExpected("INSERT, UPDATE or DELETE after ON, as in ON INSERT Post { … }, or an EVENT's name, as in ON order_shipped { … }");
  else op = found;
  const entity = c.expectIdentifier(op === "EVENT" ? "the EVENT the handler follows" : `the entity whose writes the handler follows, as in ON ${op} Post { … }`);
  let settings: Property[] = [];
  if (c.matchKeyword("WITH")) settings = parsePropertyBlock(c, "the handler's settings");
  const body = parseBlock(c, `the ON ${op} body`);
  return { kind: "OnChange", span: c.spanFrom(start), op, entity, settings, body };
}
