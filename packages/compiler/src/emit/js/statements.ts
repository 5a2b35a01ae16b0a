import type { ObjectExpr, Statement } from "../../ast/nodes.js";
import type { CodeWriter } from "./code-writer.js";
import { isSingleRow, type EmitScope, type ExpressionEmitter } from "./expressions.js";

/** Emits a handler's statements; returns true when the last one always answers the request. */
export function emitStatements(out: CodeWriter, statements: Statement[], x: ExpressionEmitter, scope: EmitScope): boolean {
  let ends = false;
  for (const statement of statements) {
    if (ends) break; // unreachable (the checker warned); emitting it would only confuse readers
    ends = emitStatement(out, statement, x, scope);
  }
  return ends;
}

function emitStatement(out: CodeWriter, s: Statement, x: ExpressionEmitter, scope: EmitScope): boolean {
  const at = (text: string) => out.line(text, s.span, scope.sourcePath);
  switch (s.kind) {
    case "Assign":
      at(`v_${s.target.name} = ${x.emit(s.value)};`);
      return false;
    case "ExpressionStatement":
      at(`${x.emit(s.expression)};`);
      return false;
    case "Respond": {
      const status = s.status?.value ?? (s.value ? 200 : 204);
      const headers = s.headers ? `, headers: ${headerObject(s.headers, x)}` : "";
      if (!s.value) {
        at(`return { status: ${status}${headers} };`);
        return true;
      }
      const entity = isSingleRow(scope.model, s.value);
      if (entity !== undefined) {
        at(`const reply = ${x.emit(s.value)};`);
        out.line(`if (reply === null || reply === undefined) throw new HttpError(404, ${JSON.stringify(`${entity} not found`)});`);
        out.line(`return { status: ${status}, body: reply${headers} };`);
      } else {
        at(`return { status: ${status}, body: ${x.emit(s.value)}${headers} };`);
      }
      return true;
    }
    case "Error": {
      const detail = s.detail ? `str(${x.emit(s.detail)})` : JSON.stringify(defaultDetail(s.status.value));
      at(`throw new HttpError(${s.status.value}, ${detail});`);
      return true;
    }
    case "If": {
      let ends = true;
      let current: Statement | null = s;
      let first = true;
      while (current && current.kind === "If") {
        const test = x.emit(current.condition.expression);
        out.line(`${first ? "if" : "} else if"} (${test}) {`, current.span, scope.sourcePath);
        out.indent(() => {
          if (!emitStatements(out, current!.kind === "If" ? current!.then.statements : [], x, scope)) ends = false;
        });
        first = false;
        const otherwise: Statement | { kind: "Block"; statements: Statement[] } | null = current.else;
        if (otherwise === null) {
          ends = false;
          current = null;
        } else if (otherwise.kind === "Block") {
          out.line("} else {");
          out.indent(() => {
            if (!emitStatements(out, otherwise.statements, x, scope)) ends = false;
          });
          current = null;
        } else {
          current = otherwise;
        }
      }
      out.line("}");
      return ends;
    }
    case "Broadcast":
      at(`throw new HttpError(501, "BROADCAST is not supported yet");`);
      return true;
  }
}

function headerObject(headers: ObjectExpr, x: ExpressionEmitter): string {
  const entries = headers.entries.map((e) =>
    e.kind === "Spread" ? `...${x.emit(e.argument)}` : `${JSON.stringify(e.key.name.toLowerCase())}: str(${x.emit(e.value)})`,
  );
  return `{ ${entries.join(", ")} }`;
}

const STATUS_TEXT: Readonly<Record<number, string>> = {
  400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found", 409: "Conflict",
  410: "Gone", 422: "Unprocessable Content", 429: "Too Many Requests", 500: "Internal Server Error", 503: "Service Unavailable",
};

function defaultDetail(status: number): string {
  return STATUS_TEXT[status] ?? `Error ${status}`;
}
