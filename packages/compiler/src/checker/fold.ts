import type { BinaryExpr, Expression, Span } from "../ast/nodes.js";

export type ConstantValue = string | number | boolean | null;

/** Why a constant could not be computed, when that is the program's fault (e.g. 1 / 0). */
export interface FoldProblem {
  span: Span;
  message: string;
}

/**
 * Computes the value of an expression made only of literals (`60 * 60`, `"a" + "b"`, `NOT true`),
 * or returns undefined when it depends on anything known only at run time.
 */
export function constantValue(expr: Expression, problems?: FoldProblem[]): { value: ConstantValue } | undefined {
  switch (expr.kind) {
    case "String":
      return { value: expr.value };
    case "Number":
    case "Duration":
      return { value: expr.value };
    case "Boolean":
      return { value: expr.value };
    case "Null":
      return { value: null };
    case "Template": {
      let text = "";
      for (const part of expr.parts) {
        const v = constantValue(part, problems);
        if (v === undefined) return undefined;
        text += v.value === null ? "" : String(v.value);
      }
      return { value: text };
    }
    case "Unary": {
      const v = constantValue(expr.operand, problems);
      if (v === undefined) return undefined;
      if (expr.operator === "-") return typeof v.value === "number" ? { value: -v.value } : undefined;
      return typeof v.value === "boolean" ? { value: !v.value } : undefined;
    }
    case "Binary":
      return foldBinary(expr, problems);
    case "IsNull": {
      const v = constantValue(expr.operand, problems);
      if (v === undefined) return undefined;
      return { value: (v.value === null) !== expr.negated };
    }
    default:
      return undefined;
  }
}

function foldBinary(expr: BinaryExpr, problems?: FoldProblem[]): { value: ConstantValue } | undefined {
  const left = constantValue(expr.left, problems);
  // `AND` / `OR` / `??` short-circuit, so `false AND x` is constant even when x is not.
  if (left !== undefined) {
    if (expr.operator === "AND" && left.value === false) return { value: false };
    if (expr.operator === "OR" && left.value === true) return { value: true };
    if (expr.operator === "??" && left.value !== null) return left;
  }
  const right = constantValue(expr.right, problems);
  if (left === undefined || right === undefined) return undefined;
  const a = left.value;
  const b = right.value;
  switch (expr.operator) {
    case "AND":
    case "OR":
      return typeof a === "boolean" && typeof b === "boolean" ? { value: expr.operator === "AND" ? a && b : a || b } : undefined;
    case "??":
      return { value: a ?? b };
    case "==":
      return { value: a === b };
    case "!=":
      return { value: a !== b };
    case "<":
    case "<=":
    case ">":
    case ">=":
      if (typeof a !== typeof b || (typeof a !== "number" && typeof a !== "string")) return undefined;
      return { value: compare(expr.operator, a as number | string, b as number | string) };
    case "+":
      if (typeof a === "number" && typeof b === "number") return { value: a + b };
      if (typeof a === "string" || typeof b === "string") return { value: `${a ?? ""}${b ?? ""}` };
      return undefined;
    case "-":
    case "*":
    case "/":
    case "%":
      if (typeof a !== "number" || typeof b !== "number") return undefined;
      if ((expr.operator === "/" || expr.operator === "%") && b === 0) {
        problems?.push({ span: expr.span, message: `${expr.operator === "/" ? "division" : "remainder"} by zero in a constant expression` });
        return undefined;
      }
      return { value: arithmetic(expr.operator, a, b) };
    default:
      return undefined;
  }
}

function compare(op: "<" | "<=" | ">" | ">=", a: number | string, b: number | string): boolean {
  switch (op) {
    case "<":
      return a < b;
    case "<=":
      return a <= b;
    case ">":
      return a > b;
    case ">=":
      return a >= b;
  }
}

function arithmetic(op: "-" | "*" | "/" | "%", a: number, b: number): number {
  switch (op) {
    case "-":
      return a - b;
    case "*":
      return a * b;
    case "/":
      return a / b;
    case "%":
      return a % b;
  }
}

/**
 * Returns the expression with every constant sub-expression replaced by its literal (the
 * emitters' input). Nodes that are not constant are copied with folded children.
 */
export function foldExpression(expr: Expression): Expression {
  const folded = foldCopy(expr);
  if (folded !== expr && folded.kind === expr.kind) FOLDED_FROM.set(folded, FOLDED_FROM.get(expr) ?? expr);
  return folded;
}

/**
 * A folded copy → the checked node it came from, so lowering can read the checker's facts (types,
 * keyed by node) about a copy: `now() - 7d` lowers by the types the checker found for the original.
 */
const FOLDED_FROM = new WeakMap<Expression, Expression>();

/** The node the checker saw for an expression that folding may have copied. */
export function checkedNode(expr: Expression): Expression {
  return FOLDED_FROM.get(expr) ?? expr;
}

function foldCopy(expr: Expression): Expression {
  const constant = constantValue(expr);
  if (constant !== undefined && expr.kind !== "String" && expr.kind !== "Number" && expr.kind !== "Boolean" && expr.kind !== "Null" && expr.kind !== "Duration") {
    return literal(constant.value, expr.span);
  }
  switch (expr.kind) {
    case "Binary":
      return { ...expr, left: foldExpression(expr.left), right: foldExpression(expr.right) };
    case "Unary":
      return { ...expr, operand: foldExpression(expr.operand) };
    case "IsNull":
      return { ...expr, operand: foldExpression(expr.operand) };
    case "Template":
      return { ...expr, parts: expr.parts.map((p) => (p.kind === "String" ? p : foldExpression(p))) };
    case "Member":
      return { ...expr, object: foldExpression(expr.object) };
    case "Index":
      return { ...expr, object: foldExpression(expr.object), index: foldExpression(expr.index) };
    case "Call":
      return { ...expr, args: expr.args.map(foldExpression) };
    case "Conditional":
      return { ...expr, test: foldExpression(expr.test), then: foldExpression(expr.then), otherwise: foldExpression(expr.otherwise) };
    case "Between":
      return { ...expr, operand: foldExpression(expr.operand), low: foldExpression(expr.low), high: foldExpression(expr.high) };
    case "Comprehension":
      return { ...expr, element: foldExpression(expr.element), list: foldExpression(expr.list), condition: expr.condition ? foldExpression(expr.condition) : null };
    case "Array":
      return { ...expr, elements: expr.elements.map((e) => (e.kind === "Spread" ? { ...e, argument: foldExpression(e.argument) } : foldExpression(e))) };
    case "Object":
      return {
        ...expr,
        entries: expr.entries.map((e) =>
          e.kind === "Spread" ? { ...e, argument: foldExpression(e.argument) } : e.kind === "Removal" ? e : { ...e, value: foldExpression(e.value) },
        ),
      };
    default:
      return expr;
  }
}

function literal(value: ConstantValue, span: Span): Expression {
  if (value === null) return { kind: "Null", span };
  if (typeof value === "string") return { kind: "String", span, value };
  if (typeof value === "boolean") return { kind: "Boolean", span, value };
  return { kind: "Number", span, value, raw: String(value) };
}
