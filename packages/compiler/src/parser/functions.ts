import type { FunctionDecl, FunctionParam, TypeRef, ViewDecl, ViewItem } from "../ast/nodes.js";
import type { Cursor } from "./cursor.js";
import { closeBracket, skipSeparator } from "./expressions.js";
import { parseTypeRef } from "./declarations.js";
import { parseBlock } from "./statements.js";

/** After `FN` (or `ACTION`, which has the same form): `name(param: type, …) { statements }`. */
export function parseFunction(c: Cursor, start: number, keyword: "FN" | "ACTION" = "FN"): FunctionDecl {
  const name = c.expectIdentifier(`a name for the ${keyword}`);
  let params: FunctionParam[] = [];
  if (c.isPunct("(")) {
    params = parseParameterList(c, keyword === "FN" ? "FN excerpt(body: text)" : "ACTION ship(order: Order, tracking: text)");
  } else {
    c.error("ExpectedFunctionPart", c.tokenSpan(c.token), `expected '(' and the parameters after the ${keyword}'s name`, {
      suggestion: `write ${keyword} ${name.name || "name"}() { … } for ${keyword === "FN" ? "a function" : "an action"} without parameters`,
    });
  }
  // `ACTION ship(…) IN DATABASE { … }`: DATABASE is read as a name here, as ID is in PUBLIC ID.
  const inDatabase = keyword === "ACTION" && c.isKeyword("IN") && c.peek().kind === "Identifier" && c.peek().text === "DATABASE";
  if (inDatabase) {
    c.advance();
    c.advance();
  }
  const body = parseBlock(c, `the ${keyword} ${name.name}`);
  return { kind: "Function", span: c.spanFrom(start), name, params, body, action: keyword === "ACTION", inDatabase };
}

/** `(name: type, …)` at the cursor (an FN's or a queued TASK's parameters); `example` shows the form. */
export function parseParameterList(c: Cursor, example: string): FunctionParam[] {
  const params: FunctionParam[] = [];
  const open = c.advance();
  while (!c.isPunct(")") && !c.atEnd && !c.isPunct("{")) {
    const before = c.mark;
    const paramStart = c.token.start;
    const paramName = c.expectIdentifier(`a parameter name, as in ${example}`);
    let type: TypeRef;
    if (c.matchPunct(":")) {
      type = parseTypeRef(c);
    } else {
      c.error("ExpectedFunctionPart", c.tokenSpan(c.token), `expected ':' and a type after the parameter '${paramName.name}'`, {
        suggestion: `write ${paramName.name || "name"}: text (or int, number, bool, datetime, json, an entity name, T[], T?)`,
      });
      // Read on as an untyped (json) parameter, so its uses in the body are not reported too.
      const span = c.emptySpanHere();
      type = { kind: "TypeRef", span, name: { kind: "Identifier", span, name: "json" }, args: [], options: [], fields: [], array: false, optional: false };
    }
    if (paramName.name !== "") params.push({ kind: "FunctionParam", span: c.spanFrom(paramStart), name: paramName, type });
    if (!c.matchPunct(",") && !c.isPunct(")")) {
      c.errorExpected("',' or ')' in the parameter list");
      if (c.mark === before) break;
    }
    if (c.mark === before) c.advance();
  }
  closeBracket(c, open, ")");
  return params;
}

/** After `VIEW`: `Name OF Entity { field, field, relation { … } }`. */
export function parseView(c: Cursor, start: number): ViewDecl {
  const name = c.expectIdentifier("a name for the VIEW");
  let entity = { kind: "Identifier" as const, span: c.emptySpanHere(), name: "" };
  if (c.expectKeyword("OF", "and the entity the VIEW shows, as in VIEW PostOut OF Post { title }")) {
    entity = c.expectIdentifier("the entity the VIEW shows");
  }
  const items = parseViewItems(c, `the VIEW ${name.name}`) ?? [];
  return { kind: "View", span: c.spanFrom(start), name, entity, items };
}

function parseViewItems(c: Cursor, context: string): ViewItem[] | null {
  const open = c.token;
  if (!c.matchPunct("{")) {
    c.errorExpected(`'{' and the fields of ${context}`);
    return null;
  }
  const items: ViewItem[] = [];
  if (!c.enter()) return items;
  try {
    while (!c.isPunct("}") && !c.atEnd) {
      const before = c.mark;
      const itemStart = c.token.start;
      const field = c.expectIdentifier(`a field name in ${context}`);
      const nested = c.isPunct("{") ? parseViewItems(c, `the selection of ${field.name}`) : null;
      if (field.name !== "") items.push({ kind: "ViewItem", span: c.spanFrom(itemStart), name: field, items: nested });
      skipSeparator(c);
      if (c.mark === before) {
        c.advance();
        break;
      }
    }
    closeBracket(c, open, "}");
  } finally {
    c.leave();
  }
  return items;
}
