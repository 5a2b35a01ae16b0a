/**
 * What a response carries besides its body: `COOKIES { … }` (on RESPOND and REDIRECT) and the
 * address and status of a REDIRECT. The runtime serialises cookies with the `cookie` package; the
 * checker catches what is wrong in the source (an unknown attribute, a same_site that cannot be,
 * a redirect status that is not one) so it is a compile error rather than a 500.
 */
import type { Expression, ObjectExpr, RedirectStmt } from "../ast/nodes.js";
import { report, type CheckContext } from "./context.js";
import { checkExpression } from "./expressions.js";
import { constantValue } from "./fold.js";
import { describe, type KovaType } from "./types.js";

/** A cookie's attributes as written in Kova, with the kinds of value each takes. */
const COOKIE_ATTRIBUTES: Readonly<Record<string, { kinds: KovaType["kind"][]; what: string }>> = {
  value: { kinds: ["string", "number", "boolean", "null", "datetime"], what: "text (null clears the cookie)" },
  http_only: { kinds: ["boolean"], what: "true or false" },
  secure: { kinds: ["boolean"], what: "true or false" },
  same_site: { kinds: ["string"], what: '"lax", "strict" or "none"' },
  max_age: { kinds: ["number", "duration"], what: "a duration such as 7d or 30m" },
  expires: { kinds: ["string", "datetime", "number"], what: "an instant (ISO-8601 text)" },
  path: { kinds: ["string"], what: "a path such as \"/\"" },
  domain: { kinds: ["string"], what: "a domain such as \"example.com\"" },
  partitioned: { kinds: ["boolean"], what: "true or false" },
};

const SAME_SITE = ["lax", "strict", "none"];

/** Statuses that mean "go there instead". */
export const REDIRECT_STATUSES = [301, 302, 303, 307, 308];

/** `COOKIES { name: value | { value, http_only, same_site, max_age, … } }` */
export function checkCookies(ctx: CheckContext, cookies: ObjectExpr): void {
  for (const entry of cookies.entries) {
    if (entry.kind === "Spread") {
      checkExpression(ctx, entry.argument);
      continue;
    }
    if (entry.kind === "Removal") continue;
    if (entry.value.kind !== "Object") {
      const type = checkExpression(ctx, entry.value);
      if (type.kind === "object" || type.kind === "array") checkAttribute(ctx, "value", entry.value, type, entry.key.name);
      continue;
    }
    let hasValue = false;
    for (const attribute of entry.value.entries) {
      if (attribute.kind === "Removal") continue;
      if (attribute.kind === "Spread") {
        checkExpression(ctx, attribute.argument);
        hasValue = true; // the spread may carry it
        continue;
      }
      const name = attribute.key.name;
      const type = checkExpression(ctx, attribute.value);
      if (!(name in COOKIE_ATTRIBUTES)) {
        report(ctx, "UnknownCookieOption", attribute.key.span, `a cookie has no attribute '${name}'`, Object.keys(COOKIE_ATTRIBUTES), name);
        continue;
      }
      if (name === "value") hasValue = true;
      checkAttribute(ctx, name, attribute.value, type, entry.key.name);
    }
    if (!hasValue) {
      ctx.diagnostics.report("CookieWithoutValue", entry.key.span, `the cookie '${entry.key.name}' has no value`, {
        suggestion: `add value: …, e.g. ${entry.key.name}: { value: token, max_age: 7d } (value: null clears the cookie)`,
      });
    }
  }
}

function checkAttribute(ctx: CheckContext, name: string, value: Expression, type: KovaType, cookie: string): void {
  const spec = COOKIE_ATTRIBUTES[name];
  if (type.kind !== "unknown" && !spec.kinds.includes(type.kind) && !(type.kind === "null" && name !== "value")) {
    ctx.diagnostics.report("InvalidCookieAttribute", value.span, `the ${name} of cookie '${cookie}' is ${describe(type)}; it takes ${spec.what}`);
    return;
  }
  if (name === "same_site") {
    const constant = constantValue(value);
    if (constant !== undefined && typeof constant.value === "string" && !SAME_SITE.includes(constant.value)) {
      const lower = constant.value.toLowerCase();
      ctx.diagnostics.report("InvalidCookieAttribute", value.span, `same_site is "lax", "strict" or "none", not "${constant.value}"`, {
        suggestion: SAME_SITE.includes(lower) ? `did you mean '${lower}'?` : 'use "lax" (sent on top-level navigation), "strict" (same site only) or "none" (cross-site; needs secure)',
      });
    }
  }
}

/** `REDIRECT [status] location [COOKIES {…}]`: a 3xx redirect status and an address that is text. */
export function checkRedirect(ctx: CheckContext, statement: RedirectStmt): void {
  if (statement.status !== null && !REDIRECT_STATUSES.includes(statement.status.value)) {
    ctx.diagnostics.report("InvalidRedirect", statement.status.span, `REDIRECT status ${statement.status.raw} is not a redirect`, {
      suggestion: "use 303 (See Other, the default: after a POST), 302, 307, or 301 / 308 for a permanent move",
    });
  }
  const type = checkExpression(ctx, statement.location);
  if (type.kind !== "string" && type.kind !== "unknown") {
    ctx.diagnostics.report("InvalidRedirect", statement.location.span, `REDIRECT needs an address (text), not ${describe(type)}`, {
      suggestion: 'write the address as text, e.g. REDIRECT "/posts/{post.id}"',
    });
  }
  if (statement.cookies) checkCookies(ctx, statement.cookies);
}
