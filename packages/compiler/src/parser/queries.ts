import type {
  Condition,
  Expression,
  HistoryQuery,
  Identifier,
  Limit,
  Offset,
  OrderBy,
  OrderChoice,
  OrderItem,
  Query,
  RelationSelect,
  SelectQuery,
  SetAssignment,
} from "../ast/nodes.js";
import type { Cursor } from "./cursor.js";
import { parseExpression } from "./expressions.js";

const QUERY_KEYWORDS = ["SELECT", "INSERT", "UPDATE", "DELETE", "SAVE", "HISTORY"] as const;
type QueryKeyword = (typeof QUERY_KEYWORDS)[number];

/** Which query keyword starts here, if any (a miscased one counts when what follows fits a query). */
function queryKeyword(c: Cursor): QueryKeyword | undefined {
  const t = c.token;
  if (t.kind === "Keyword") return (QUERY_KEYWORDS as readonly string[]).includes(t.text) ? (t.text as QueryKeyword) : undefined;
  if (t.kind !== "Identifier") return undefined;
  const upper = t.text.toUpperCase() as QueryKeyword;
  if (!QUERY_KEYWORDS.includes(upper) || !c.isMiscasedKeyword(upper)) return undefined;
  const next = c.peek();
  if (next.newlineBefore) return undefined;
  const word = next.kind === "Identifier" || next.kind === "Keyword" ? next.text.toUpperCase() : "";
  switch (upper) {
    case "SELECT":
      return c.isPunct("*", next) || next.kind === "Identifier" ? upper : undefined;
    case "INSERT":
      return word === "INTO" ? upper : undefined;
    case "DELETE":
      return word === "FROM" ? upper : undefined;
    case "UPDATE":
    case "HISTORY":
      return next.kind === "Identifier" && /^[A-Z]/.test(next.text) ? upper : undefined;
    case "SAVE":
      return next.kind === "Param" || (next.kind === "Identifier" && c.peek(2).text.toUpperCase() === "INTO") ? upper : undefined;
  }
}

export function isQueryStart(c: Cursor): boolean {
  return queryKeyword(c) !== undefined;
}

/** Parses a query; the cursor is on its first keyword (see isQueryStart). */
export function parseQuery(c: Cursor): Query {
  const keyword = queryKeyword(c) ?? "SELECT";
  const start = c.token.start;
  c.matchKeyword(keyword);
  switch (keyword) {
    case "SELECT":
      return parseSelect(c, start);
    case "INSERT": {
      if (!c.expectKeyword("INTO", "after INSERT")) skipMisspelledKeyword(c);
      const entity = c.expectIdentifier("an entity name after INSERT INTO");
      const value = parseExpression(c);
      return { kind: "InsertQuery", span: c.spanFrom(start), entity, value };
    }
    case "UPDATE": {
      const entity = c.expectIdentifier("an entity name after UPDATE");
      c.expectKeyword("SET", "after the entity name");
      const set = parseSet(c);
      const where = c.matchKeyword("WHERE") ? parseCondition(c) : null;
      return { kind: "UpdateQuery", span: c.spanFrom(start), entity, set, where };
    }
    case "DELETE": {
      if (!c.expectKeyword("FROM", "after DELETE")) skipMisspelledKeyword(c);
      const entity = c.expectIdentifier("an entity name after DELETE FROM");
      const where = c.matchKeyword("WHERE") ? parseCondition(c) : null;
      return { kind: "DeleteQuery", span: c.spanFrom(start), entity, where };
    }
    case "SAVE": {
      const value = parseExpression(c);
      c.expectKeyword("INTO", "after the value to SAVE");
      const entity = c.expectIdentifier("an entity name after SAVE … INTO");
      return { kind: "SaveQuery", span: c.spanFrom(start), value, entity };
    }
    case "HISTORY":
      return parseHistory(c, start);
  }
}

function parseSelect(c: Cursor, start: number): SelectQuery {
  const { fields, relations } = parseSelectList(c, "after SELECT");
  if (!c.expectKeyword("FROM", "after the selected fields")) skipMisspelledKeyword(c);
  const entity = c.expectIdentifier("an entity name after FROM");
  const query: SelectQuery = {
    kind: "SelectQuery", span: c.spanFrom(start), fields, relations, entity,
    asOf: null, where: null, orderBy: null, limit: null, offset: null,
  };
  // Clauses may come in any order (the formatter writes AS OF, WHERE, ORDER_BY, LIMIT, OFFSET).
  for (;;) {
    const clauseStart = c.token;
    if (c.isKeyword("AS") || (c.isMiscasedKeyword("AS") && c.peek().text.toUpperCase() === "OF")) {
      c.matchKeyword("AS");
      c.expectKeyword("OF", "after AS");
      if (query.asOf !== null) duplicate(c, clauseStart, "AS OF");
      query.asOf = parseExpression(c);
    } else if (!parseFilterClause(c, query)) {
      break;
    }
  }
  query.span = c.spanFrom(start);
  return query;
}

/**
 * A select list: `*` or fields, each item maybe a related selection (`author { name }`,
 * `comments { body } ORDER_BY id LIMIT 3`, `COUNT(comments)`); `*` may be followed by related ones.
 */
function parseSelectList(c: Cursor, context: string): { fields: Identifier[] | null; relations: RelationSelect[] } {
  let fields: Identifier[] | null = [];
  const relations: RelationSelect[] = [];
  let first = true;
  do {
    if (first && c.matchPunct("*")) {
      fields = null;
      first = false;
      continue;
    }
    first = false;
    if (c.isKeyword("COUNT")) {
      relations.push(parseRelationCount(c));
      continue;
    }
    const name = c.expectIdentifier(`a field name or * ${context}`);
    if (c.isPunct("{")) relations.push(parseNested(c, name));
    else if (fields !== null) fields.push(name);
    else c.error("Expected", name.span, `'${name.name}' after *: * already selects every field`, { suggestion: "list the fields instead of *, or write only related selections after *" });
    if (name.name === "") break;
  } while (c.matchPunct(","));
  return { fields, relations };
}

/** `COUNT(comments)` or `COUNT(comments) AS n` in a select list. */
function parseRelationCount(c: Cursor): RelationSelect {
  const start = c.token.start;
  c.matchKeyword("COUNT");
  const open = c.token;
  c.expectPunct("(", "after COUNT");
  const relation = c.expectIdentifier("a relation name in COUNT(…)");
  if (!c.matchPunct(")")) c.error("UnclosedBlock", c.tokenSpan(open), "this '(' is never closed", { suggestion: "add ')'" });
  const alias = c.matchKeyword("AS") ? c.expectIdentifier("a name after AS") : null;
  return { kind: "RelationSelect", span: c.spanFrom(start), relation, count: true, alias, fields: [], relations: [], where: null, orderBy: null, limit: null };
}

/** `author { name }`, `comments { body, author { name } WHERE … ORDER_BY … LIMIT … }` (the cursor is on `{`). */
function parseNested(c: Cursor, relation: Identifier): RelationSelect {
  const start = relation.span.start.offset;
  const open = c.advance();
  const nested: RelationSelect = { kind: "RelationSelect", span: relation.span, relation, count: false, alias: null, fields: [], relations: [], where: null, orderBy: null, limit: null };
  if (!c.enter()) return nested;
  try {
    const list = parseSelectList(c, `in ${relation.name} { … }`);
    nested.fields = list.fields;
    nested.relations = list.relations;
    // The related list's own clauses, inside its braces so they never mix with the outer list's.
    const clauses: Filterable = { where: null, orderBy: null, limit: null, offset: null };
    while (!c.isKeyword("OFFSET") && parseFilterClause(c, clauses)) {
      // WHERE, ORDER_BY and LIMIT, in any order
    }
    nested.where = clauses.where;
    nested.orderBy = clauses.orderBy;
    nested.limit = clauses.limit;
    if (!c.matchPunct("}")) c.error("UnclosedBlock", c.tokenSpan(open), "this '{' is never closed", { suggestion: "add '}' after the related fields and their WHERE, ORDER_BY, LIMIT" });
  } finally {
    c.leave();
  }
  if (c.isKeyword("AS")) {
    c.advance();
    nested.alias = c.expectIdentifier("a name after AS");
  }
  nested.span = c.spanFrom(start);
  return nested;
}

function parseHistory(c: Cursor, start: number): HistoryQuery {
  const entity = c.expectIdentifier("an entity name after HISTORY");
  const query: HistoryQuery = {
    kind: "HistoryQuery", span: c.spanFrom(start), entity, where: null, orderBy: null, limit: null, offset: null,
  };
  while (parseFilterClause(c, query)) {
    // each pass reads one clause
  }
  query.span = c.spanFrom(start);
  return query;
}

type Filterable = Pick<SelectQuery, "where" | "orderBy" | "limit" | "offset">;

/** WHERE, ORDER_BY, LIMIT or OFFSET; returns false when the next token starts none of them. */
function parseFilterClause(c: Cursor, query: Filterable): boolean {
  const t = c.token;
  if (c.matchKeyword("WHERE")) {
    if (query.where !== null) duplicate(c, t, "WHERE");
    query.where = parseCondition(c);
  } else if (c.matchKeyword("ORDER_BY")) {
    if (query.orderBy !== null) duplicate(c, t, "ORDER_BY");
    query.orderBy = parseOrderBy(c, t.start);
  } else if (c.matchKeyword("LIMIT")) {
    if (query.limit !== null) duplicate(c, t, "LIMIT");
    const limit: Limit = { kind: "Limit", span: c.tokenSpan(t), count: parseExpression(c) };
    limit.span = c.spanFrom(t.start);
    query.limit = limit;
  } else if (c.matchKeyword("OFFSET")) {
    if (query.offset !== null) duplicate(c, t, "OFFSET");
    const offset: Offset = { kind: "Offset", span: c.tokenSpan(t), count: parseExpression(c) };
    offset.span = c.spanFrom(t.start);
    query.offset = offset;
  } else {
    return false;
  }
  return true;
}

function duplicate(c: Cursor, token: { start: number; end: number }, clause: string): void {
  c.error("DuplicateClause", c.source.span(token.start, token.end), `${clause} is written twice in this query`, {
    suggestion: clause === "WHERE" ? "combine the conditions with AND" : `keep one ${clause}`,
  });
}

export function parseCondition(c: Cursor): Condition {
  const start = c.token.start;
  const expression: Expression = parseExpression(c);
  return { kind: "Condition", span: c.spanFrom(start), expression };
}

function parseOrderBy(c: Cursor, start: number): OrderBy {
  const items: OrderItem[] = [];
  do {
    const itemStart = c.token.start;
    // `$query.sort IN [a, b]` (or `variable IN [a, b]`): the request chooses the field.
    const chosen = c.token.kind === "Param" || (c.token.kind === "Identifier" && c.peek().kind === "Keyword" && c.peek().text === "IN");
    const choice = chosen ? parseOrderChoice(c) : null;
    // A choice that failed to parse (reported) leaves an empty field, and no second error.
    let field = choice ? choice.fields[0] : chosen ? { kind: "Identifier" as const, span: c.spanFrom(itemStart), name: "" } : c.expectIdentifier("a field name after ORDER_BY");
    // `ORDER_BY author.name`: the reference fields followed first.
    const via: Identifier[] = [];
    while (choice === null && !chosen && c.isPunct(".") && field.name !== "" && !c.token.newlineBefore) {
      c.advance();
      via.push(field);
      field = c.expectIdentifier("a field name after '.'");
    }
    let direction: "ASC" | "DESC" = "ASC";
    if (c.matchKeyword("DESC")) direction = "DESC";
    else c.matchKeyword("ASC");
    items.push({ kind: "OrderItem", span: c.spanFrom(itemStart), field, direction, via, choice });
    if (field.name === "") break;
  } while (c.matchPunct(","));
  return { kind: "OrderBy", span: c.spanFrom(start), items };
}

/** `SET a = 1, b = 2` (field assignments) or `SET $body` (an object whose keys are fields). */
function parseSet(c: Cursor): SetAssignment[] | Expression {
  const next = c.peek();
  if (!(c.token.kind === "Identifier" && c.isPunct("=", next))) return parseExpression(c);
  const assignments: SetAssignment[] = [];
  do {
    const start = c.token.start;
    const field = c.expectIdentifier("a field name in SET");
    c.expectPunct("=", "after the field name in SET");
    const value = parseExpression(c);
    assignments.push({ kind: "SetAssignment", span: c.spanFrom(start), field, value });
    if (field.name === "") break;
  } while (c.matchPunct(","));
  return assignments;
}

/** `SELECT * FORM User`: after reporting the missing keyword, step over the misspelt word so `User` is still read as the entity. */
function skipMisspelledKeyword(c: Cursor): void {
  const next = c.peek();
  if (c.token.kind === "Identifier" && next.kind === "Identifier" && !next.newlineBefore) c.advance();
}

/** `$query.sort IN [title, created_at]`: a value, IN, and a list of field names. */
function parseOrderChoice(c: Cursor): OrderChoice | null {
  const start = c.token.start;
  const expression = parseExpression(c);
  const list = expression.kind === "Binary" && expression.operator === "IN" && expression.right.kind === "Array" ? expression.right : null;
  const fields = list?.elements.every((e) => e.kind === "Name") ? list.elements.map((e) => ({ kind: "Identifier" as const, span: e.span, name: (e as { name: string }).name })) : null;
  if (expression.kind !== "Binary" || list === null || fields === null || fields.length === 0) {
    c.error("InvalidOrderChoice", expression.span, "a sort order chosen by the request is written value IN [field, …]", {
      suggestion: "list the fields it may name, as in ORDER_BY $query.sort IN [title, created_at]",
    });
    return null;
  }
  return { kind: "OrderChoice", span: c.spanFrom(start), value: expression.left, fields };
}
