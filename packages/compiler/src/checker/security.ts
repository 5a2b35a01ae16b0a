/**
 * Checks the HTTP safety declarations: `RATE_LIMIT` (top level and on endpoints) and `CORS`.
 * Everything is decided at build time from literals, except CORS origins, which may come from
 * `env("…")` (a comma-separated list) because they differ between deployments.
 */
import type { CorsDecl, EndpointDecl, Expression, Property, RateLimitDecl } from "../ast/nodes.js";
import { closestName } from "../diagnostics/suggest.js";
import type { CheckContext } from "./context.js";
import { checkExpression } from "./expressions.js";
import { constantValue } from "./fold.js";

export const CORS_SETTINGS = ["origins", "methods", "headers", "expose", "credentials", "max_age"] as const;
export const RATE_LIMIT_KEYS = ["ip", "header", "$auth"] as const;
const HTTP_METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"];
const HEADER_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const MAX_WINDOW_MS = 86_400_000;

/** Who shares a budget, as the IR and the runtime name it. */
export type RateLimitKeyInfo = { by: "ip" } | { by: "header"; name: string } | { by: "auth"; claim: string };

/** The key a checked `BY` expression names (null for anything else, already reported). */
export function rateLimitKey(by: Expression | null): RateLimitKeyInfo | null {
  if (by === null) return { by: "ip" };
  if (by.kind === "Name" && by.name === "ip") return { by: "ip" };
  if (by.kind === "Call" && by.callee.name === "header" && by.args.length === 1 && by.args[0].kind === "String") {
    return { by: "header", name: by.args[0].value.toLowerCase() };
  }
  if (by.kind === "Member" && by.object.kind === "Param" && by.object.name === "auth") return { by: "auth", claim: by.property.name };
  return null;
}

/** `endpoint` is null for the app-wide declaration; `hasAuth` says whether its callers can be signed in. */
export function checkRateLimit(ctx: CheckContext, decl: RateLimitDecl, endpoint: EndpointDecl | null, hasAuth: boolean): void {
  const count = constantValue(decl.count);
  if (decl.count.kind !== "Missing" && (count === undefined || typeof count.value !== "number" || !Number.isInteger(count.value) || count.value < 1 || decl.count.kind === "Duration")) {
    ctx.diagnostics.report("InvalidRateLimit", decl.count.span, "RATE_LIMIT needs a whole number of requests (1 or more)", { suggestion: "write e.g. RATE_LIMIT 100 PER 1m" });
  }
  if (decl.window.kind !== "Missing") {
    if (decl.window.kind !== "Duration") {
      const hint = decl.window.kind === "Number" ? `; write ${decl.window.raw}s for seconds or ${decl.window.raw}m for minutes` : "";
      ctx.diagnostics.report("InvalidRateLimit", decl.window.span, `the window after PER must be a duration such as 1s, 1m, 1h or 1d${hint}`, { suggestion: "write e.g. PER 1m" });
    } else if (decl.window.value < 1000 || decl.window.value > MAX_WINDOW_MS) {
      ctx.diagnostics.report("InvalidRateLimit", decl.window.span, `the window ${decl.window.raw} is out of range: it must be from 1s to 1d`, { suggestion: "for a longer quota, count in a data source" });
    }
  }
  if (decl.by === null) return;
  const key = rateLimitKey(decl.by);
  if (key === null) {
    reportBadKey(ctx, decl.by);
    return;
  }
  if (key.by === "header" && !HEADER_NAME.test(key.name)) {
    ctx.diagnostics.report("UnknownRateLimitKey", decl.by.span, `'${key.name}' is not a header name`, { suggestion: 'header names are letters, digits and - (e.g. header("x-api-key"))' });
  }
  if (key.by === "auth" && !hasAuth) {
    const where = endpoint === null ? "the app declares no AUTH scheme" : `${endpoint.method} ${endpoint.path.text} has no AUTH`;
    ctx.diagnostics.report("RateLimitByAuthWithoutAuth", decl.by.span, `BY $auth.${key.claim} counts signed-in callers, but ${where}`, {
      suggestion: endpoint === null ? "declare an AUTH scheme, or count BY ip" : "add AUTH to the endpoint, or count BY ip",
    });
  }
}

function reportBadKey(ctx: CheckContext, by: Expression): void {
  const expected = 'RATE_LIMIT … BY takes ip, header("name") or $auth.claim';
  if (by.kind === "Name") {
    const guess = closestName(by.name, ["ip", "header"]);
    ctx.diagnostics.report("UnknownRateLimitKey", by.span, `'${by.name}' is not a rate-limit key; ${expected}`, guess === "ip" ? { suggestion: "did you mean 'ip'?", replacement: "ip" } : { suggestion: 'e.g. BY ip or BY header("x-api-key")' });
    return;
  }
  if (by.kind === "Call") {
    const guess = by.callee.name === "header" ? undefined : closestName(by.callee.name, ["header"]);
    const detail = by.callee.name === "header" ? "header(…) takes one header name in quotes" : `'${by.callee.name}(…)' is not a rate-limit key; ${expected}`;
    ctx.diagnostics.report("UnknownRateLimitKey", by.span, detail, guess !== undefined ? { suggestion: "did you mean 'header'?", replacement: "header" } : { suggestion: 'e.g. BY header("x-api-key")' });
    return;
  }
  if (by.kind === "Member" && by.object.kind === "Param") {
    const guess = closestName(by.object.name, ["auth"]);
    ctx.diagnostics.report("UnknownRateLimitKey", by.object.span, `$${by.object.name} is not a rate-limit key; ${expected}`, guess !== undefined ? { suggestion: "did you mean '$auth'?", replacement: "$auth" } : { suggestion: "e.g. BY $auth.sub" });
    return;
  }
  ctx.diagnostics.report("UnknownRateLimitKey", by.span, expected, { suggestion: "e.g. BY ip" });
}

export function checkCors(ctx: CheckContext, decl: CorsDecl): void {
  const seen = new Set<string>();
  let wildcard: Expression | undefined;
  let credentials = false;
  for (const property of decl.properties) {
    const key = property.key.name;
    if (!(CORS_SETTINGS as readonly string[]).includes(key)) {
      const guess = closestName(key, CORS_SETTINGS);
      ctx.diagnostics.report("UnknownCorsSetting", property.key.span, `CORS has no setting '${key}' (settings: ${CORS_SETTINGS.join(", ")})`, guess !== undefined ? { suggestion: `did you mean '${guess}'?`, replacement: guess } : {});
      continue;
    }
    if (seen.has(key)) {
      ctx.diagnostics.report("InvalidCorsValue", property.key.span, `'${key}' is set twice in CORS`, { suggestion: "keep one" });
      continue;
    }
    seen.add(key);
    switch (key) {
      case "origins":
        wildcard = checkOrigins(ctx, property) ?? wildcard;
        break;
      case "methods":
        for (const item of stringList(ctx, property, "methods", 'e.g. methods: ["GET", "POST"]')) {
          if (!HTTP_METHODS.includes(item.value)) {
            const upper = item.value.toUpperCase();
            const guess = HTTP_METHODS.includes(upper) ? upper : closestName(upper, HTTP_METHODS);
            ctx.diagnostics.report("InvalidCorsValue", item.span, `'${item.value}' is not an HTTP method a route can have${upper === guess ? " (methods are upper case)" : ""}`, guess !== undefined ? { suggestion: `did you mean "${guess}"?`, replacement: JSON.stringify(guess) } : { suggestion: HTTP_METHODS.join(", ") });
          }
        }
        break;
      case "headers":
      case "expose":
        for (const item of stringList(ctx, property, key, `e.g. ${key}: ["content-type", "x-request-id"]`)) {
          if (!HEADER_NAME.test(item.value)) ctx.diagnostics.report("InvalidCorsValue", item.span, `'${item.value}' is not a header name`, { suggestion: "header names are letters, digits and -" });
        }
        break;
      case "credentials": {
        const value = constantValue(property.value);
        if (value === undefined || typeof value.value !== "boolean") {
          ctx.diagnostics.report("InvalidCorsValue", property.value.span, "credentials must be true or false", { suggestion: "credentials: true lets browsers send cookies and Authorization to the listed origins" });
        } else credentials = value.value;
        break;
      }
      case "max_age":
        if (property.value.kind !== "Duration" || property.value.value < 0 || property.value.value % 1000 !== 0) {
          ctx.diagnostics.report("InvalidCorsValue", property.value.span, "max_age must be a duration in whole seconds, such as 10m", { suggestion: "max_age: 10m" });
        }
        break;
    }
  }
  if (!seen.has("origins")) {
    ctx.diagnostics.report("CorsWithoutOrigins", keywordSpan(decl), "CORS needs origins: the exact origins whose pages may call the app", { suggestion: 'add origins: ["https://app.example.com"]' });
  }
  if (wildcard !== undefined && credentials) {
    ctx.diagnostics.report("CorsWildcardWithCredentials", wildcard.span, 'origins "*" cannot be combined with credentials: true (browsers refuse it, and it would let any site act as the user)', {
      suggestion: "list the exact origins that may send credentials",
    });
  }
}

/** Checks `origins: ["https://a.example", env("ORIGINS")]`; returns the `"*"` element, if any. */
function checkOrigins(ctx: CheckContext, property: Property): Expression | undefined {
  const value = property.value;
  const elements = value.kind === "Array" ? value.elements : [value];
  let wildcard: Expression | undefined;
  for (const element of elements) {
    if (element.kind === "Spread" || (element.kind !== "String" && !(element.kind === "Call" && element.callee.name === "env"))) {
      ctx.diagnostics.report("InvalidOrigin", element.span, 'each origin is a string such as "https://app.example.com", or env("NAME") holding a comma-separated list', {});
      continue;
    }
    if (element.kind === "Call") {
      checkExpression(ctx, element);
      continue;
    }
    if (element.value === "*") {
      wildcard = element;
      continue;
    }
    const problem = originProblem(element.value);
    if (problem !== undefined) ctx.diagnostics.report("InvalidOrigin", element.span, problem.message, problem.fix !== undefined ? { suggestion: `write "${problem.fix}"`, replacement: JSON.stringify(problem.fix) } : {});
  }
  if (elements.length === 0) ctx.diagnostics.report("CorsWithoutOrigins", value.span, "origins is empty", { suggestion: 'list at least one, e.g. ["https://app.example.com"]' });
  return wildcard;
}

/** Why a string is not an exact origin, and the origin it probably meant. */
export function originProblem(text: string): { message: string; fix?: string } | undefined {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return { message: `'${text}' is not an origin; write scheme://host[:port]` };
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") return { message: `'${text}' is not an http or https origin` };
  if (text.includes("*")) return { message: `'${text}': wildcards in origins are not supported; list each origin exactly` };
  if (text !== url.origin) return { message: `'${text}' is not an exact origin (no path, no trailing '/', lower-case host)`, fix: url.origin };
  return undefined;
}

function stringList(ctx: CheckContext, property: Property, name: string, example: string): Array<{ value: string; span: Property["span"] }> {
  const value = property.value;
  if (value.kind !== "Array") {
    ctx.diagnostics.report("InvalidCorsValue", value.span, `${name} must be a list of strings`, { suggestion: example });
    return [];
  }
  const out: Array<{ value: string; span: Property["span"] }> = [];
  for (const element of value.elements) {
    if (element.kind !== "String") ctx.diagnostics.report("InvalidCorsValue", element.span, `each of ${name} must be a string in quotes`, { suggestion: example });
    else out.push({ value: element.value, span: element.span });
  }
  return out;
}

function keywordSpan(decl: CorsDecl) {
  const start = decl.span.start;
  return { file: decl.span.file, start, end: { line: start.line, column: start.column + 4, offset: start.offset + 4 } };
}

/** The top-level RATE_LIMIT and CORS of a program (duplicates reported). */
export function checkAppSecurity(ctx: CheckContext, decls: Array<{ decl: RateLimitDecl | CorsDecl; file: string }>, hasAuth: boolean): void {
  let rateLimit: RateLimitDecl | undefined;
  let cors: CorsDecl | undefined;
  for (const { decl, file } of decls) {
    const fileCtx = { ...ctx, file };
    const previous = decl.kind === "RateLimit" ? rateLimit : cors;
    if (previous !== undefined) {
      const where = `${previous.span.file}:${previous.span.start.line}:${previous.span.start.column}`;
      const keyword = decl.kind === "RateLimit" ? "RATE_LIMIT" : "CORS";
      ctx.diagnostics.report(decl.kind === "RateLimit" ? "DuplicateAppRateLimit" : "DuplicateCors", decl.span, `the app already has a top-level ${keyword} (at ${where})`, {
        suggestion: decl.kind === "RateLimit" ? "keep one app-wide RATE_LIMIT; put tighter limits on endpoints" : "merge the two CORS blocks",
      });
      continue;
    }
    if (decl.kind === "RateLimit") {
      rateLimit = decl;
      checkRateLimit(fileCtx, decl, null, hasAuth);
    } else {
      cors = decl;
      checkCors(fileCtx, decl);
    }
  }
}
