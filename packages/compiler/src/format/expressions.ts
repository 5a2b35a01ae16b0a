import type { ArrayExpr, Expression, FieldRemoval, ObjectExpr, Property, SpreadElement } from "../ast/nodes.js";
import { group, ifBreak, indent, join, line, softline, type Doc } from "./doc.js";
import type { Printer } from "./printer.js";
import { isQuery, printQuery } from "./queries.js";

/**
 * Binding strength of each printed form, matching the parser (lowest first):
 * OR 1 · AND 2 · NOT 3 · comparisons 4 · ?? 5 · + - 6 · * / % 7 · unary - 8 · postfix 9 · atoms 10.
 * The AST keeps no parentheses, so they are put back exactly where the parser needs them.
 */
const BINARY_PRECEDENCE: Record<string, number> = {
  OR: 1, AND: 2,
  "==": 4, "!=": 4, "<": 4, "<=": 4, ">": 4, ">=": 4, IN: 4, LIKE: 4,
  "??": 5, "+": 6, "-": 6, "*": 7, "/": 7, "%": 7,
};

/** Keys that would end an object (or start a declaration) at the start of a line: quoted when on their own line. */
const LINE_START_KEYWORDS: ReadonlySet<string> = new Set([
  "RESPOND", "ERROR", "IF", "BROADCAST",
  "IMPORT", "CONNECT", "ENTITY", "VALIDATE", "CACHE", "SOCKET", "TASK", "AUTH", "WORKER",
]);

function isNotIn(e: Expression): e is Extract<Expression, { kind: "Unary" }> & { operand: Extract<Expression, { kind: "Binary" }> } {
  return e.kind === "Unary" && e.operator === "NOT" && e.operand.kind === "Binary" && (e.operand.operator === "IN" || e.operand.operator === "LIKE");
}

function precedence(e: Expression): number {
  switch (e.kind) {
    case "Binary":
      return BINARY_PRECEDENCE[e.operator];
    case "Unary":
      if (e.operator === "-") return 8;
      return isNotIn(e) ? 4 : 3;
    case "IsNull":
    case "Between":
      return 4;
    case "Conditional":
      return 0.5;
    case "Comprehension":
      return 10;
    case "Member":
    case "Index":
    case "Call":
    case "Has":
      return 9;
    case "Spawn":
    case "Await":
      return 8;
    case "Request":
      return 0;
    default:
      return isQuery(e) ? 0 : 10;
  }
}

/**
 * Prints `e` where the parser reads an operand of at least `min` precedence. `queryOk` says a bare
 * query is safe here: nothing after it could be read as one of its clauses.
 */
export function printExpression(p: Printer, e: Expression, min = 0, queryOk = true): Doc {
  const doc = printBare(p, e);
  // A request, like a query, would take what follows it as its body or HEADERS.
  const parens = isQuery(e) || e.kind === "Request" ? !queryOk || min > 0 : precedence(e) < min;
  return parens ? ["(", doc, ")"] : doc;
}

function printBare(p: Printer, e: Expression): Doc {
  switch (e.kind) {
    case "String":
    case "Template":
      // Quote style, escapes and interpolations exactly as written.
      return p.source(e.span);
    case "Number":
    case "Duration":
      return e.raw;
    case "Boolean":
      return e.value ? "true" : "false";
    case "Null":
      return "null";
    case "Name":
      return e.name;
    case "Param":
      return "$" + e.name;
    case "Object":
      return printObject(p, e);
    case "Array":
      return printArray(p, e);
    case "Member":
      return [printExpression(p, e.object, 9, false), e.optional ? "?." : ".", e.property.name];
    case "Index":
      return [printExpression(p, e.object, 9, false), "[", printExpression(p, e.index), "]"];
    case "Call":
      return [e.callee.name, "(", join(", ", e.args.map((a) => printExpression(p, a))), ")"];
    case "Has":
      return ["has(", printExpression(p, e.target), ")"];
    case "Unary":
      if (isNotIn(e)) {
        const inner = e.operand;
        return [printExpression(p, inner.left, 5, false), ` NOT ${inner.operator} `, printExpression(p, inner.right, 5, false)];
      }
      if (e.operator === "NOT") return ["NOT ", printExpression(p, e.operand, 3, false)];
      // `- -x`, not `--x`: the same tokens, but readable.
      return [e.operand.kind === "Unary" && e.operand.operator === "-" ? "- " : "-", printExpression(p, e.operand, 8, false)];
    case "Binary": {
      const level = BINARY_PRECEDENCE[e.operator];
      // Comparisons do not chain, so both sides must bind tighter; the others are left-associative.
      const leftMin = level === 4 ? 5 : level;
      const operator = e.operator === "==" && p.inCondition ? "=" : e.operator;
      return [printExpression(p, e.left, leftMin, false), ` ${operator} `, printExpression(p, e.right, level + 1, false)];
    }
    case "IsNull":
      return [printExpression(p, e.operand, 5, false), e.negated ? " IS NOT NULL" : " IS NULL"];
    case "Conditional":
      // The `?` must stay on the test's line (the parser's line rule), so a break goes after it.
      return group([printExpression(p, e.test, 1, false), " ?", indent([line, printExpression(p, e.then, 0, false), " :", line, printExpression(p, e.otherwise, 0, false)])]);
    case "Between":
      return [printExpression(p, e.operand, 5, false), e.negated ? " NOT BETWEEN " : " BETWEEN ", printExpression(p, e.low, 5, false), " AND ", printExpression(p, e.high, 5, false)];
    case "Comprehension":
      return group(["[", indent([softline, printExpression(p, e.element, 0, false), line, "FOR ", e.variable.name, " IN ", printExpression(p, e.list, 0, false), ...(e.condition ? [line, "IF ", printExpression(p, e.condition, 0, false)] : [])]), softline, "]"]);
    case "Spawn":
      return ["SPAWN ", printExpression(p, e.call, 8, false)];
    case "Await":
      return ["AWAIT ", printExpression(p, e.task, 8, false)];
    case "Aggregate":
      return `${e.function}(${e.distinct ? "DISTINCT " : ""}${e.field?.name ?? "*"})`;
    case "Missing":
      throw new Error("a Missing node reached the formatter (the file has syntax errors)");
    case "Exists":
      return e.condition === null ? `EXISTS ${e.relation.name}` : [`EXISTS ${e.relation.name}(`, printExpression(p, e.condition, 0, false), ")"];
    case "Request": {
      // A literal path is printed as written (it is one token); a path with holes is a string.
      const parts: Doc[] = [e.method, " ", e.path.kind === "String" ? p.source(e.path.span) : printExpression(p, e.path, 0, false)];
      if (e.body !== null) parts.push(" ", printExpression(p, e.body, 0, false));
      if (e.headers !== null) parts.push(" HEADERS ", printExpression(p, e.headers, 0, false));
      return parts;
    }
    default:
      return printQuery(p, e);
  }
}

function printKey(p: Printer, property: Property, ownLine: boolean | "maybe"): Doc {
  const written = p.source(property.key.span);
  if (written.startsWith('"') || written.startsWith("'")) return written;
  const name = property.key.name;
  if (!LINE_START_KEYWORDS.has(name) || ownLine === false) return name;
  const quoted = JSON.stringify(name);
  return ownLine === true ? quoted : ifBreak(quoted, name);
}

export function printProperty(p: Printer, property: Property, ownLine: boolean | "maybe"): Doc {
  const key = printKey(p, property, ownLine);
  if (property.shorthand) return key;
  return [key, ": ", printExpression(p, property.value)];
}

function printEntry(p: Printer, entry: Property | SpreadElement | FieldRemoval | Expression, ownLine: boolean | "maybe"): Doc {
  if (entry.kind === "Spread") return ["...", printExpression(p, entry.argument, 0, false)];
  if (entry.kind === "Removal") return ["-", entry.name.name];
  if (entry.kind === "Property") return printProperty(p, entry, ownLine);
  return printExpression(p, entry);
}

/**
 * `{ a: 1, b: 2 }` on one line when it fits in the width, else one entry per line with trailing
 * commas. An object holding comments is always broken, so each comment keeps its line.
 */
function printObject(p: Printer, o: ObjectExpr): Doc {
  return printCollection(p, o.span, "{", "}", o.entries, line);
}

function printArray(p: Printer, a: ArrayExpr): Doc {
  return printCollection(p, a.span, "[", "]", a.elements, softline);
}

function printCollection(
  p: Printer,
  span: ObjectExpr["span"],
  open: string,
  close: string,
  entries: ReadonlyArray<Property | SpreadElement | FieldRemoval | Expression>,
  padding: Doc,
): Doc {
  const start = span.start.offset;
  const end = span.end.offset;
  if (p.comments.hasWithin(start, end)) {
    return p.bracketed(open, close, start + 1, entries, (entry) => printEntry(p, entry, true), {
      end: end - 1,
      blankLines: "keep",
      separator: ",",
    });
  }
  if (entries.length === 0) return open + close;
  const printed = entries.map((entry) => printEntry(p, entry, "maybe"));
  return group([open, indent([padding, join([",", line], printed)]), ifBreak(",", ""), padding, close]);
}
