/**
 * `EXPECT` in a compiled TEST: a comparison gets both sides, so a failure says what was expected,
 * what came back, and where in the .kova file. `==` and `!=` compare by value (a response body
 * against an object literal compares every field), with null and absent treated alike as in the
 * rest of Kova; `<`, `<=`, `>`, `>=` compare numbers, texts and instants.
 */
import { AssertionError } from "node:assert";
import { isDeepStrictEqual } from "node:util";

export interface ExpectPlace {
  /** The condition as written. */
  text: string;
  line: number;
  column: number;
}

export type ExpectOperator = "==" | "!=" | "<" | "<=" | ">" | ">=" | "true";

export function expectHolds(operator: ExpectOperator, actual: unknown, expected: unknown): boolean {
  switch (operator) {
    case "==":
      return sameValue(actual, expected);
    case "!=":
      return !sameValue(actual, expected);
    case "<":
      return comparable(actual, expected) && (actual as number) < (expected as number);
    case "<=":
      return comparable(actual, expected) && (actual as number) <= (expected as number);
    case ">":
      return comparable(actual, expected) && (actual as number) > (expected as number);
    case ">=":
      return comparable(actual, expected) && (actual as number) >= (expected as number);
    case "true":
      return actual === true;
  }
}

/** Throws the failure `node:test` reports: message with the .kova place, and actual/expected for the diff. */
export function expectation(operator: ExpectOperator, actual: unknown, expected: unknown, place: ExpectPlace, file: string): void {
  if (expectHolds(operator, actual, expected)) return;
  const where = `${file}:${place.line}:${place.column}`;
  const message = operator === "true"
    ? `EXPECT ${place.text} failed at ${where}: it is ${show(actual)}`
    : `EXPECT ${place.text} failed at ${where}\n  expected: ${operator === "==" ? "" : `${operator} `}${show(expected)}\n    actual: ${show(actual)}`;
  const error = new AssertionError({ message, actual: normalize(actual), expected: normalize(expected), operator: operator === "true" ? "==" : operator });
  // The stack would point into the generated JS; the .kova place is in the message.
  error.stack = `${error.name}: ${message}\n    at ${where}`;
  throw error;
}

function sameValue(a: unknown, b: unknown): boolean {
  return isDeepStrictEqual(normalize(a), normalize(b));
}

/** `undefined` (an absent field) is null, as everywhere in Kova; object keys holding undefined are dropped. */
function normalize(value: unknown): unknown {
  if (value === undefined) return null;
  if (Array.isArray(value)) return value.map(normalize);
  if (value !== null && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [key, v] of Object.entries(value)) if (v !== undefined) out[key] = normalize(v);
    return out;
  }
  return value;
}

function comparable(a: unknown, b: unknown): boolean {
  return a !== null && b !== null && a !== undefined && b !== undefined && typeof a === typeof b && (typeof a === "number" || typeof a === "string");
}

function show(value: unknown): string {
  if (value === undefined) return "null (absent)";
  const text = JSON.stringify(value);
  return text === undefined ? String(value) : text.length > 500 ? `${text.slice(0, 500)}…` : text;
}
