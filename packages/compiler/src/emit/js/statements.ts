import { alwaysEnds } from "../../ir/ends.js";
import type { Expr, ObjectEntry, RoomTarget, Stmt } from "../../ir/nodes.js";
import type { CodeWriter } from "./code-writer.js";
import type { ExpressionPrinter } from "./expressions.js";

/** Prints a handler's statements (the IR already dropped unreachable ones); returns true when they always answer. */
export function emitStatements(out: CodeWriter, statements: Stmt[], x: ExpressionPrinter, sourcePath: string): boolean {
  for (const statement of statements) emitStatement(out, statement, x, sourcePath);
  return alwaysEnds(statements);
}

function emitStatement(out: CodeWriter, s: Stmt, x: ExpressionPrinter, sourcePath: string): void {
  const at = (text: string) => out.line(text, s.span, sourcePath);
  switch (s.kind) {
    case "assign":
      at(`v_${s.variable} = ${x.print(s.value)};`);
      return;
    case "eval":
      at(`${x.print(s.value)};`);
      return;
    case "respond": {
      // A query's rows are written by the serialiser compiled from its result columns (emit-app.ts).
      const serialize = s.value?.kind === "query" ? `, serialize: ${serializerName(s.value.query)}` : "";
      const headers = (s.headers ? `, headers: ${headerObject(s.headers, x)}` : "") + (s.cookies ? `, cookies: ${x.print({ kind: "object", entries: s.cookies })}` : "") + serialize;
      if (!s.value) {
        at(`return { status: ${s.status}${headers} };`);
      } else if (s.notFound !== null) {
        at(`const reply = ${x.print(s.value)};`);
        out.line(`if (reply === null || reply === undefined) throw new HttpError(404, ${JSON.stringify(`${s.notFound} not found`)});`);
        out.line(`return { status: ${s.status}, body: reply${headers} };`);
      } else {
        at(`return { status: ${s.status}, body: ${x.print(s.value)}${headers} };`);
      }
      return;
    }
    case "fail": {
      const detail = s.detail.kind === "literal" && typeof s.detail.value === "string" ? JSON.stringify(s.detail.value) : `str(${x.print(s.detail)})`;
      at(`throw new HttpError(${s.status}, ${detail});`);
      return;
    }
    case "if":
      s.branches.forEach((branch, i) => {
        out.line(`${i === 0 ? "if" : "} else if"} (${x.print(branch.condition)}) {`, branch.span, sourcePath);
        out.indent(() => emitStatements(out, branch.body, x, sourcePath));
      });
      if (s.otherwise) {
        out.line("} else {");
        out.indent(() => emitStatements(out, s.otherwise!, x, sourcePath));
      }
      out.line("}");
      return;
    case "for":
      out.line(`for (const v_${s.variable} of (${x.print(s.list)} ?? [])) {`, s.span, sourcePath);
      out.indent(() => emitStatements(out, s.body, x, sourcePath));
      out.line("}");
      return;
    case "return":
      at(`return ${s.value ? x.print(s.value) : "null"};`);
      return;
    case "emit":
      // In the action's transaction on its data source (Driver.emit): delivered after the commit, never after a rollback.
      at(`await ctx.db(${JSON.stringify(s.source)}).emit(${JSON.stringify(s.event)}, ${x.print(s.payload)});`);
      return;
    case "enqueue": {
      const options = [s.delay ? `delayMs: ${x.print(s.delay)}` : "", s.key ? `key: str(${x.print(s.key)})` : ""].filter((o) => o !== "");
      at(`await ctx.enqueue(${JSON.stringify(s.task)}, [${s.args.map((a) => x.print(a)).join(", ")}]${options.length > 0 ? `, { ${options.join(", ")} }` : ""});`);
      return;
    }
    case "join":
    case "leave":
      at(`await ctx.${s.kind}(${roomName(s.room, x)});`);
      return;
    case "send":
      at(`ctx.send(${x.print(s.value)}${serializerOf(s.value)});`);
      return;
    case "broadcast":
      at(`ctx.broadcast(${s.room === null ? "null" : roomName(s.room, x)}, ${x.print(s.value)}${serializerOf(s.value)});`);
      return;
    case "stream":
      if (s.live !== null) {
        // The query runs again (with this request's inputs) each time a change touches what it reads.
        const serialize = s.live.value.kind === "query" ? `, serialize: ${serializerName(s.live.value.query)}` : "";
        at(`return { status: 200, stream: { live: ${liveQuery(s.live, x)} } };`);
      } else at(`return { status: 200, stream: { room: ${roomName(s.room!, x)} } };`);
      return;
    case "live":
      // The result goes to this socket client as frames, for as long as it is connected; the handler goes on.
      at(`ctx.live(${liveQuery(s.live, x)});`);
      return;
    case "expect": {
      // A comparison hands both sides to the runner, so a failure shows expected and actual.
      const c = s.condition;
      const where = `{ text: ${JSON.stringify(s.text)}, line: ${s.span.start.line}, column: ${s.span.start.column} }`;
      if (c.kind === "binary" && COMPARISONS.has(c.operator)) at(`ctx.expect(${JSON.stringify(c.operator)}, ${x.print(c.left)}, ${x.print(c.right)}, ${where});`);
      else at(`ctx.expect("true", ${x.print(c)}, true, ${where});`);
      return;
    }
    case "unsupported":
      at(`throw new HttpError(501, ${JSON.stringify(`${s.feature} is not supported yet`)});`);
      return;
  }
}

/** A live query for the runtime (LiveQuery): the entities it reads, and how to run it again with this request's inputs. */
function liveQuery(live: { value: Expr; reads: string[] }, x: ExpressionPrinter): string {
  const serialize = live.value.kind === "query" ? `, serialize: ${serializerName(live.value.query)}` : "";
  return `{ entities: ${JSON.stringify(live.reads)}, load: async () => ${x.print(live.value)}${serialize} }`;
}

const COMPARISONS: ReadonlySet<string> = new Set(["==", "!=", "<", "<=", ">", ">="]);

/** The module-level serialiser of a query's result (emitted next to the compiled query). */
export function serializerName(query: string): string {
  return `serialize_${query}`;
}

function headerObject(headers: ObjectEntry[], x: ExpressionPrinter): string {
  // `-name` removes a header the entries before it set (as in any object literal).
  let out = "{ ";
  let first = true;
  for (const e of headers) {
    if (e.kind === "remove") {
      out = `kb.without_fields(${out}${first ? "" : " "}}, ${JSON.stringify(e.key)})`;
      out = `{ ...${out}`;
      first = false;
      continue;
    }
    out += `${first ? "" : ", "}${e.kind === "spread" ? `...${x.print(e.value)}` : `${JSON.stringify(e.key)}: str(${x.print(e.value)})`}`;
    first = false;
  }
  return `${out} }`;
}

/** `lobby` → "lobby"; `room($id)` → "room:" + the key as text (the runtime's room names). */
function roomName(room: RoomTarget, x: ExpressionPrinter): string {
  return room.key === null ? JSON.stringify(room.name) : `${JSON.stringify(room.name + ":")} + str(${x.print(room.key)})`;
}

/** A query's rows are written by its compiled serialiser, as a RESPOND of it would be. */
function serializerOf(value: Expr): string {
  return value.kind === "query" ? `, ${serializerName(value.query)}` : "";
}
