/**
 * Declared route parameters: `:id(int)` in the path and `QUERY { limit: int(min: 1, max: 100) DEFAULT 20 }`
 * after it. A declared type wins over the type a parameter's use would give it (ir/inputs.ts), and
 * inside the handler the parameter has that type, so a use that disagrees (an int compared with a
 * text field) is the usual comparison error. What is checked here: the type names, the options,
 * and that a default fits.
 */
import type { ScalarType } from "@kova/query";
import type { EndpointDecl, Expression, FieldDecl, Identifier } from "../ast/nodes.js";
import type { InputType, Literal } from "../ir/nodes.js";
import { report, type CheckContext } from "./context.js";
import { constantValue } from "./fold.js";
import { booleanType, datetimeType, intType, numberType, stringType, type KovaType, type ShapeField } from "./types.js";

/** What the runtime parses a declared parameter to, and how it checks it. */
export interface DeclaredParam {
  name: string;
  type: InputType;
  /** Its type inside the handler. */
  kovaType: KovaType;
  /** The scalar it is, for hover and for comparing with fields. */
  scalar: ScalarType;
  /** A request without it is a 400 (query parameters: neither `?` nor DEFAULT). */
  required: boolean;
  default?: Literal;
  min?: number;
  max?: number;
  /** `enum("a", "b")`: the only values allowed. */
  values?: string[];
}

/** The type names a parameter may be declared with, and what each parses to. */
const PARAM_TYPES: Readonly<Record<string, { input: InputType; scalar: ScalarType; type: KovaType }>> = {
  text: { input: "string", scalar: "string", type: stringType },
  string: { input: "string", scalar: "string", type: stringType },
  int: { input: "int", scalar: "int", type: intType },
  integer: { input: "int", scalar: "int", type: intType },
  float: { input: "float", scalar: "float", type: numberType },
  number: { input: "float", scalar: "float", type: numberType },
  decimal: { input: "float", scalar: "decimal", type: numberType },
  bool: { input: "boolean", scalar: "boolean", type: booleanType },
  boolean: { input: "boolean", scalar: "boolean", type: booleanType },
  uuid: { input: "uuid", scalar: "uuid", type: stringType },
  datetime: { input: "datetime", scalar: "datetime", type: datetimeType },
  timestamp: { input: "datetime", scalar: "datetime", type: datetimeType },
  enum: { input: "string", scalar: "string", type: stringType },
};

const PATH_TYPE_NAMES = Object.keys(PARAM_TYPES).filter((n) => n !== "enum");
const NUMERIC_OPTIONS = ["min", "max"];

/** `:id(int)`: the declared type of each typed path parameter. */
export function declaredPathParams(ctx: CheckContext, decl: EndpointDecl): Map<string, DeclaredParam> {
  const out = new Map<string, DeclaredParam>();
  for (const segment of decl.path.segments) {
    if (!segment.param || segment.type === null) continue;
    const known = paramType(ctx, segment.type, PATH_TYPE_NAMES, "a path parameter");
    if (known) out.set(segment.value, { name: segment.value, type: known.input, kovaType: known.type, scalar: known.scalar, required: true });
  }
  return out;
}

/** `QUERY { … }`: each declared query parameter, checked; null when the route declares none. */
export function declaredQueryParams(ctx: CheckContext, decl: EndpointDecl): Map<string, DeclaredParam> | null {
  if (decl.query === null) return null;
  const out = new Map<string, DeclaredParam>();
  for (const field of decl.query.fields) {
    const name = field.name.name;
    if (out.has(name)) {
      ctx.diagnostics.report("DuplicateQueryParam", field.name.span, `the query parameter '${name}' is declared twice`, { suggestion: "keep one declaration" });
      continue;
    }
    const param = queryParam(ctx, field);
    if (param) out.set(name, param);
  }
  return out;
}

/** `$query`'s type on a route that declares its query: an object with exactly those fields. */
export function queryObjectType(params: ReadonlyMap<string, DeclaredParam>): KovaType {
  const fields = new Map<string, ShapeField>();
  for (const p of params.values()) fields.set(p.name, { type: p.kovaType, optional: !p.required && p.default === undefined });
  return { kind: "object", fields };
}

function paramType(ctx: CheckContext, name: Identifier, allowed: readonly string[], what: string) {
  if (allowed.includes(name.name)) return PARAM_TYPES[name.name];
  report(ctx, "UnknownRouteParamType", name.span, `'${name.name}' is not a type ${what} can have (one of ${allowed.join(", ")})`, allowed, name.name);
  return undefined;
}

function queryParam(ctx: CheckContext, field: FieldDecl): DeclaredParam | undefined {
  const t = field.type;
  if (t.array || t.fields.length > 0) {
    ctx.diagnostics.report("UnknownRouteParamType", t.span, `a query parameter is one value, not ${t.array ? "a list" : "an object"}`, {
      suggestion: "declare a scalar type such as int, text or enum(\"a\", \"b\")",
    });
    return undefined;
  }
  const known = paramType(ctx, t.name, Object.keys(PARAM_TYPES), "a query parameter");
  if (!known) return undefined;
  const param: DeclaredParam = { name: field.name.name, type: known.input, kovaType: known.type, scalar: known.scalar, required: !t.optional };
  if (t.name.name === "enum") {
    const values = t.args.map((a) => constantValue(a)?.value);
    if (values.length === 0 || values.some((v) => typeof v !== "string")) {
      ctx.diagnostics.report("InvalidParamDefault", t.span, "enum(…) takes the allowed values as text, as in enum(\"new\", \"old\")");
      return undefined;
    }
    param.values = values as string[];
    param.kovaType = { kind: "string", enumValues: param.values };
  } else if (t.args.length > 0) {
    ctx.diagnostics.report("InvalidParamDefault", t.args[0].span, `${t.name.name} takes no positional arguments`, { suggestion: "write options by name, as in int(min: 1, max: 100)" });
  }
  for (const option of t.options) {
    const name = option.key.name;
    const numeric = known.input === "int" || known.input === "float";
    if (!numeric || !NUMERIC_OPTIONS.includes(name)) {
      report(ctx, "UnknownParamOption", option.key.span, `a ${t.name.name} query parameter has no option '${name}'`, numeric ? NUMERIC_OPTIONS : [], name);
      continue;
    }
    const value = constantValue(option.value)?.value;
    if (typeof value !== "number") {
      ctx.diagnostics.report("InvalidParamDefault", option.value.span, `${name} must be a constant number`);
      continue;
    }
    param[name as "min" | "max"] = value;
  }
  if (param.min !== undefined && param.max !== undefined && param.min > param.max) {
    ctx.diagnostics.report("InvalidParamDefault", t.span, `min ${param.min} is greater than max ${param.max}`);
  }
  for (const modifier of field.modifiers) {
    if (modifier.modifier !== "DEFAULT" || modifier.value === null) {
      ctx.diagnostics.report("UnknownParamOption", modifier.span, `${modifier.modifier} belongs to entity fields, not query parameters`, {
        suggestion: "a query parameter takes a type, options such as min and max, ? and DEFAULT",
      });
      continue;
    }
    const fits = defaultFits(modifier.value, param);
    if (typeof fits === "string") ctx.diagnostics.report("InvalidParamDefault", modifier.value.span, fits);
    else {
      param.default = fits.value;
      param.required = false;
    }
  }
  return param;
}

/** The default as the runtime will use it, or why it does not fit the declared type and bounds. */
function defaultFits(expr: Expression, param: DeclaredParam): { value: Literal } | string {
  const constant = constantValue(expr);
  const value = constant?.value;
  if (constant === undefined || value === null || typeof value === "object") return `the DEFAULT of '${param.name}' must be a constant`;
  const wrong = `the DEFAULT ${JSON.stringify(value)} of '${param.name}' is not ${describeInput(param)}`;
  switch (param.type) {
    case "int":
      if (!Number.isSafeInteger(value)) return wrong;
      break;
    case "float":
      if (typeof value !== "number") return wrong;
      break;
    case "boolean":
      if (typeof value !== "boolean") return wrong;
      break;
    default:
      if (typeof value !== "string") return wrong;
  }
  if (typeof value === "number" && ((param.min !== undefined && value < param.min) || (param.max !== undefined && value > param.max))) {
    return `the DEFAULT ${value} of '${param.name}' is outside min ${param.min ?? "-∞"} / max ${param.max ?? "∞"}`;
  }
  if (param.values && !param.values.includes(value as string)) return `the DEFAULT ${JSON.stringify(value)} of '${param.name}' is not one of ${param.values.map((v) => JSON.stringify(v)).join(", ")}`;
  return { value: value as Literal };
}

function describeInput(param: DeclaredParam): string {
  return param.values ? `one of ${param.values.join(", ")}` : param.type === "int" ? "an integer" : param.type === "float" ? "a number" : param.type === "boolean" ? "true or false" : "text";
}
