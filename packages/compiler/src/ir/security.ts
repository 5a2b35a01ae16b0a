/** Lowers CORS and RATE_LIMIT declarations (already checked) to the app model's security part. */
import type { CorsDecl, Program, RateLimitDecl } from "../ast/nodes.js";
import { constantValue } from "../checker/fold.js";
import { rateLimitKey } from "../checker/security.js";
import { HandlerLowering, type LowerState } from "./expressions.js";
import type { AppSecurity, CorsPolicy, RateLimitRule } from "./nodes.js";

export function lowerSecurity(programs: readonly Program[], state: LowerState, cookieAuth: boolean): AppSecurity {
  let cors: CorsPolicy | null = null;
  let rateLimit: RateLimitRule | null = null;
  for (const program of programs) {
    for (const decl of program.declarations) {
      if (decl.kind === "Cors" && cors === null) cors = lowerCors(decl, state);
      else if (decl.kind === "RateLimit" && rateLimit === null) rateLimit = lowerRateLimit(decl);
    }
  }
  return { cors, rateLimit, cookieAuth };
}

export function lowerRateLimit(decl: RateLimitDecl): RateLimitRule {
  const limit = constantValue(decl.count)?.value;
  const windowMs = constantValue(decl.window)?.value;
  const key = rateLimitKey(decl.by);
  if (typeof limit !== "number" || typeof windowMs !== "number" || key === null) throw new Error("internal: lowering an unchecked RATE_LIMIT");
  return { limit, windowMs, key, span: decl.span };
}

function lowerCors(decl: CorsDecl, state: LowerState): CorsPolicy {
  const policy: CorsPolicy = { origins: [], methods: null, headers: null, expose: [], credentials: false, maxAgeSeconds: null, span: decl.span };
  const strings = (value: CorsDecl["properties"][number]["value"]): string[] =>
    value.kind === "Array" ? value.elements.flatMap((e) => (e.kind === "String" ? [e.value] : [])) : [];
  for (const property of decl.properties) {
    const value = property.value;
    switch (property.key.name) {
      case "origins": {
        const lowering = new HandlerLowering(state, null);
        const elements = value.kind === "Array" ? value.elements : [value];
        for (const element of elements) if (element.kind !== "Spread") policy.origins.push(lowering.expr(element));
        break;
      }
      case "methods":
        policy.methods = strings(value);
        break;
      case "headers":
        policy.headers = strings(value).map((h) => h.toLowerCase());
        break;
      case "expose":
        policy.expose = strings(value).map((h) => h.toLowerCase());
        break;
      case "credentials":
        policy.credentials = constantValue(value)?.value === true;
        break;
      case "max_age":
        if (value.kind === "Duration") policy.maxAgeSeconds = value.value / 1000;
        break;
    }
  }
  return policy;
}
