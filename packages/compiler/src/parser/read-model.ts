/**
 * `READ MODEL ProductSummary FROM Product GROUP_BY category { category, products: COUNT(*) }`:
 * a read model's source, grouping and columns (checker/read-models.ts gives them meaning).
 */
import type { Identifier, ReadModelAggregate, ReadModelColumn, ReadModelDecl } from "../ast/nodes.js";
import type { Cursor } from "./cursor.js";
import { closeBracket, recoverToNextLine, skipSeparator } from "./expressions.js";

const EXAMPLE = "READ MODEL ProductSummary FROM Product GROUP_BY category { category, products: COUNT(*) }";
const AGGREGATES = ["COUNT", "SUM", "AVG", "MIN", "MAX"] as const;

/** After READ (already read; `start` is its offset): MODEL Name FROM Entity [GROUP_BY a, b] { columns }. */
export function parseReadModel(c: Cursor, start: number): ReadModelDecl {
  c.expectKeyword("MODEL", `after READ (${EXAMPLE})`);
  const name = c.expectIdentifier(`a name for the READ MODEL (${EXAMPLE})`);
  let source: Identifier = { kind: "Identifier", span: c.emptySpanHere(), name: "" };
  if (c.expectKeyword("FROM", `and the entity the READ MODEL groups (${EXAMPLE})`)) source = c.expectIdentifier("the entity the READ MODEL groups");
  const groupBy: Identifier[] = [];
  if (c.matchKeyword("GROUP_BY")) {
    do groupBy.push(c.expectIdentifier("a field of the source entity to group by"));
    while (c.matchPunct(","));
  }
  const columns = parseColumns(c);
  return { kind: "ReadModel", span: c.spanFrom(start), name, source, groupBy, columns, doc: null };
}

function parseColumns(c: Cursor): ReadModelColumn[] {
  const columns: ReadModelColumn[] = [];
  const open = c.token;
  if (!c.matchPunct("{")) {
    c.errorExpected(`'{' and the columns of the READ MODEL (${EXAMPLE})`);
    return columns;
  }
  if (!c.enter()) return columns;
  try {
    while (!c.isPunct("}") && !c.atEnd) {
      const before = c.mark;
      const errors = c.errorCount;
      const columnStart = c.token.start;
      const name = c.expectIdentifier("a column name (a grouped field, or name: COUNT(*) / SUM(field) / AVG / MIN / MAX)");
      const aggregate = c.matchPunct(":") ? parseAggregate(c) : null;
      if (name.name !== "") columns.push({ kind: "ReadModelColumn", span: c.spanFrom(columnStart), name, aggregate });
      skipSeparator(c);
      recoverToNextLine(c, errors, before);
    }
    closeBracket(c, open, "}");
  } finally {
    c.leave();
  }
  return columns;
}

/** `COUNT(*)`, `COUNT(field)`, `SUM(field)`, `AVG(field)`, `MIN(field)`, `MAX(field)`. */
function parseAggregate(c: Cursor): ReadModelAggregate | null {
  const start = c.token.start;
  const fn = AGGREGATES.find((a) => c.isKeyword(a));
  if (fn === undefined) {
    c.errorExpected("an aggregate after ':' (COUNT(*), SUM(field), AVG(field), MIN(field) or MAX(field))");
    return null;
  }
  c.advance();
  const open = c.token;
  if (!c.expectPunct("(", `after ${fn}`)) return null;
  let field: Identifier | null = null;
  if (!(fn === "COUNT" && c.matchPunct("*"))) field = c.expectIdentifier(`a field of the source entity inside ${fn}(…)`);
  closeBracket(c, open, ")");
  return { kind: "ReadModelAggregate", span: c.spanFrom(start), fn, field };
}
