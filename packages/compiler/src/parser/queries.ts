import type {
  AggregateExpr,
  Condition,
  Expression,
  HistoryQuery,
  Identifier,
  Limit,
  Offset,
  OrderBy,
  OrderChoice,
  OrderItem,
  NameExpr,
  Query,
  RelationSelect,
  SelectColumn,
  SelectQuery,
  SetAssignment,
} from "../ast/nodes.js";
import type { Cursor } from "./cursor.js";
import { parseExpression } from "./expressions.js";

const QUERY_KEYWORDS = ["SELECT", "INSERT", "UPDATE", "DELETE", "SAVE", "HISTORY", "RESTORE"] as const;
type QueryKeyword = (typeof QUERY_KEYWORDS)[number];

/** Which query keyword starts here, if any (a miscased one counts when what follows fits a query). */
function queryKeyword(c: Cursor): QueryKeyword | undefined {
  const t = c.token;
  if (t.kind === "Keyword") return (QUERY_KEYWORDS as readonly string[]).includes(t.text) ? (t.text as QueryKeyword) : undefined;
  // Most identifiers are not 4–7 letters long like SAVE…HISTORY: skip the upper-casing for them.
  if (t.kind !== "Identifier" || t.text.length < 4 || t.text.length > 7) return undefined;
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
    case "RESTORE":
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
    case "RESTORE": {
      const entity = c.expectIdentifier("an entity name after RESTORE");
      const where = c.matchKeyword("WHERE") ? parseCondition(c) : null;
      return { kind: "RestoreQuery", span: c.spanFrom(start), entity, where };
    }
  }
}

function parseSelect(c: Cursor, start: number): SelectQuery {
  const distinct = c.matchKeyword("DISTINCT", false);
  const items = parseTopSelectList(c);
  if (!c.expectKeyword("FROM", "after the selected fields")) skipMisspelledKeyword(c);
  const entity = c.expectIdentifier("an entity name after FROM");
  const query: SelectQuery = {
    kind: "SelectQuery", span: c.spanFrom(start), distinct, fields: null, relations: [], columns: null, entity,
    asOf: null, where: null, groupBy: null, having: null, orderBy: null, limit: null, offset: null, after: null, withTotal: false, deleted: null,
  };
  // Clauses may come in any order (the formatter writes AS OF, WHERE, GROUP_BY, HAVING, ORDER_BY, LIMIT, OFFSET, WITH TOTAL).
  for (;;) {
    const clauseStart = c.token;
    if (c.isKeyword("AS") || (c.isMiscasedKeyword("AS") && c.peek().text.toUpperCase() === "OF")) {
      c.matchKeyword("AS");
      c.expectKeyword("OF", "after AS");
      if (query.asOf !== null) duplicate(c, clauseStart, "AS OF");
      query.asOf = parseExpression(c);
    } else if (c.matchKeyword("GROUP_BY")) {
      if (query.groupBy !== null) duplicate(c, clauseStart, "GROUP_BY");
      const names: Identifier[] = [];
      do {
        names.push(c.expectIdentifier("a field name after GROUP_BY"));
      } while (c.matchPunct(",") && names[names.length - 1].name !== "");
      query.groupBy = { kind: "GroupBy", span: c.spanFrom(clauseStart.start), fields: names };
    } else if (c.matchKeyword("HAVING")) {
      if (query.having !== null) duplicate(c, clauseStart, "HAVING");
      query.having = parseCondition(c);
    } else if (c.matchKeyword("AFTER", false)) {
      if (query.after !== null) duplicate(c, clauseStart, "AFTER");
      query.after = parseExpression(c);
    } else if (c.matchKeyword("WITH", false)) {
      if (c.matchKeyword("DELETED", false)) {
        if (query.deleted !== null) duplicate(c, clauseStart, "WITH DELETED");
        query.deleted = "with";
        continue;
      }
      c.expectKeyword("TOTAL", "after WITH (WITH TOTAL, or WITH DELETED on a SOFT DELETE entity)");
      if (query.withTotal) duplicate(c, clauseStart, "WITH TOTAL");
      query.withTotal = true;
    } else if (c.matchKeyword("ONLY", false)) {
      c.expectKeyword("DELETED", "after ONLY (ONLY DELETED reads a SOFT DELETE entity's deleted records)");
      if (query.deleted !== null) duplicate(c, clauseStart, "ONLY DELETED");
      query.deleted = "only";
    } else if (!parseFilterClause(c, query)) {
      break;
    }
  }
  classifySelectList(query, items);
  query.span = c.spanFrom(start);
  return query;
}

/** A top-level select list item, in written order: `*`, a column (`title`, `COUNT(*) AS n`, `price * qty`) or a related selection. */
type SelectItem = { kind: "star" } | { kind: "column"; column: SelectColumn } | { kind: "relation"; relation: RelationSelect };

/** `*`, `title, author { name }, COUNT(comments) AS n`, `region, SUM(qty) AS units`: read in order, classified once the clauses are known. */
function parseTopSelectList(c: Cursor): SelectItem[] {
  const items: SelectItem[] = [];
  do {
    if (items.length === 0 && c.matchPunct("*")) {
      items.push({ kind: "star" });
      continue;
    }
    if (c.token.kind === "Identifier" && c.isPunct("{", c.peek())) {
      const name = c.expectIdentifier("a field name after SELECT");
      items.push({ kind: "relation", relation: parseNested(c, name) });
      continue;
    }
    const start = c.token.start;
    if (c.token.kind !== "Identifier" && c.token.kind !== "Keyword" && !c.isPunct("(") && c.token.kind !== "String" && c.token.kind !== "Number") {
      c.expectIdentifier("a field name or * after SELECT");
      break;
    }
    const value = parseExpression(c);
    // `AS OF` after the list is the time clause, not an alias.
    const alias = c.isKeyword("AS") && !(c.peek().kind === "Keyword" && c.peek().text === "OF") ? (c.advance(), c.expectIdentifier("a name after AS")) : null;
    const column: SelectColumn = { kind: "SelectColumn", span: c.spanFrom(start), value, alias };
    if (items[0]?.kind === "star" && !isRelationCount(column)) {
      c.error("Expected", column.span, "a column after *: * already selects every field", { suggestion: "list the fields instead of *, or write only related selections after *" });
    }
    items.push({ kind: "column", column });
    if (value.kind === "Missing") break;
  } while (c.matchPunct(","));
  return items;
}

/** `COUNT(comments)`, `COUNT(comments) AS n`: the form a relation count takes. */
function isRelationCount(column: SelectColumn): boolean {
  const v = column.value;
  return v.kind === "Aggregate" && v.function === "COUNT" && v.field !== null && !v.distinct;
}

/**
 * Which reading of the list the query has. A list of plain fields, `*` and related selections,
 * with `COUNT(x)` items and no DISTINCT, GROUP_BY or HAVING, selects rows: each `COUNT(x)` counts
 * relation x's rows (the checker says when x is no relation). Any other list is a shaped one
 * (columns, aggregates over the rows or groups); related selections there are refused by the checker.
 */
function classifySelectList(query: SelectQuery, items: readonly SelectItem[]): void {
  const columns = items.flatMap((i) => (i.kind === "column" ? [i.column] : []));
  const plain = (col: SelectColumn): boolean => col.alias === null && col.value.kind === "Name";
  const rowsForm = !query.distinct && query.groupBy === null && query.having === null
    && items.some((i) => i.kind !== "column" || plain(i.column))
    && columns.every((col) => plain(col) || isRelationCount(col));
  if (rowsForm || columns.length === 0) {
    query.fields = items[0]?.kind === "star" ? null : columns.filter(plain).map((col) => nameOf(col.value as NameExpr));
    for (const item of items) {
      if (item.kind === "relation") query.relations.push(item.relation);
      else if (item.kind === "column" && !plain(item.column)) query.relations.push(relationCount(item.column));
    }
    if (items.length === 0) query.fields = [];
    return;
  }
  query.fields = items[0]?.kind === "star" ? null : [];
  query.columns = columns;
  query.relations = items.flatMap((i) => (i.kind === "relation" ? [i.relation] : []));
}

function relationCount(column: SelectColumn): RelationSelect {
  const field = (column.value as AggregateExpr).field!;
  return { kind: "RelationSelect", span: column.span, relation: field, count: true, alias: column.alias, fields: [], relations: [], where: null, orderBy: null, limit: null };
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

function nameOf(e: NameExpr): Identifier {
  return { kind: "Identifier", span: e.span, name: e.name };
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
