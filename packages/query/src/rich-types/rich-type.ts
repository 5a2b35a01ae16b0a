/**
 * One definition per rich scalar type (phone, money, ipv4, …): how a value is checked and put in
 * canonical form, how it is stored, and how it reads in JSON Schema, GraphQL and TypeScript.
 *
 * This folder imports no Node built-ins (only web-standard globals: URL, Intl), so the same checks
 * run in entity writes, in compiled VALIDATE shapes, in the VM and in a browser bundle.
 */
import type { ScalarType } from "../plan.js";

/** The outcome of checking one value: its canonical form, or what was expected. */
export type RichResult = { ok: true; value: string | number } | { ok: false };

export interface RichType {
  name: string;
  /** The stored scalar: a canonical string, an int or a (decimal) number. */
  storage: Extract<ScalarType, "string" | "int" | "float" | "decimal">;
  /** A short description, for docs and schema descriptions. */
  description: string;
  /** What a value must be, as the 400 says it: "a phone number in E.164 form". */
  expected: string;
  /** A valid value in canonical form, quoted in every 400 and in docs. */
  example: string | number;
  /**
   * Whether `<`, `>`, BETWEEN, MIN/MAX and ORDER_BY mean something the same on every driver.
   * False for values whose text order is not their order (semver, IP addresses), or that have
   * none (money in different currencies, coordinates).
   */
  orderable: boolean;
  /** Checks a value (as sent in JSON) and gives its canonical form. `args` are decimal(p, s)'s. */
  check(value: unknown, args: readonly number[]): RichResult;
  /** JSON Schema (OpenAPI 3.1) for the canonical value. */
  jsonSchema: { [keyword: string]: unknown };
  /** The GraphQL scalar the value is served as. */
  graphql: "String" | "Int" | "Float";
  /** The TypeScript type of the value in the generated client. */
  ts: "string" | "number";
  /**
   * The column type per SQL driver where it is not the storage scalar's usual one (PostgreSQL's
   * `numeric(p, s)`, MariaDB's `DECIMAL(p, s)`). Written by the drivers' DDL.
   */
  columns?: (args: readonly number[]) => Partial<Record<NativeDriver, string>>;
  /** How many positional type arguments it takes (decimal(p, s): 2). Default none. */
  arity?: number;
}

/** The SQL databases whose DDL may give a rich type a native column. */
export type NativeDriver = "postgres" | "cockroach" | "mysql";

export const fail: RichResult = { ok: false };
export const ok = (value: string | number): RichResult => ({ ok: true, value });

/** A string check: trims nothing, refuses non-strings; `fn` gives the canonical form or undefined. */
export function textType(fn: (s: string) => string | undefined): (value: unknown) => RichResult {
  return (value) => {
    if (typeof value !== "string") return fail;
    const canonical = fn(value);
    return canonical === undefined ? fail : ok(canonical);
  };
}

/** A check against a whole-string pattern, with an optional canonical mapping. */
export function patternType(pattern: RegExp, canonical: (s: string) => string = (s) => s): (value: unknown) => RichResult {
  return textType((s) => (pattern.test(s) ? canonical(s) : undefined));
}
