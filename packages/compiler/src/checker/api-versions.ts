/**
 * API versions (`API v2 DEPRECATED "…" SUNSET "…" { … }`): the version name becomes a path prefix
 * and an OpenAPI document name, so it is held to `v<number>` (which also orders versions); the
 * dates become the `Deprecation` (RFC 9745) and `Sunset` (RFC 8594) response headers, so they must
 * be real dates, and a version cannot stop answering before it was even deprecated.
 */
import type { ApiDecl, StringLiteral } from "../ast/nodes.js";
import type { CheckContext } from "./context.js";

export interface ApiVersionInfo {
  decl: ApiDecl;
  name: string;
  /** ISO 8601 instant (UTC), or null. */
  deprecated: string | null;
  sunset: string | null;
}

const VERSION_NAME = /^v\d+$/;

export function checkApiVersion(ctx: CheckContext, decl: ApiDecl, seen: Map<string, ApiDecl>): ApiVersionInfo {
  const name = decl.version.name;
  if (name !== "" && !VERSION_NAME.test(name)) {
    ctx.diagnostics.report("InvalidApiVersion", decl.version.span, `'${name}' is not a version name: write v and a number, as in API v2`, {
      suggestion: /^\d/.test(name) ? `write v${name}` : "name versions v1, v2, v3 …: the name is the path prefix (/v2/…) and orders the versions",
      replacement: /^\d+$/.test(name) ? `v${name}` : undefined,
    });
  }
  const previous = seen.get(name);
  if (previous !== undefined) {
    const at = previous.version.span.start;
    ctx.diagnostics.report("DuplicateApiVersion", decl.version.span, `API ${name} is already declared (at ${previous.span.file}:${at.line}:${at.column})`, {
      suggestion: `put all of ${name}'s endpoints in one API ${name} { … } block`,
    });
  } else seen.set(name, decl);
  const deprecated = instant(ctx, decl.deprecated, "DEPRECATED");
  const sunset = instant(ctx, decl.sunset, "SUNSET");
  if (deprecated !== null && sunset !== null && Date.parse(sunset) < Date.parse(deprecated)) {
    ctx.diagnostics.report("SunsetBeforeDeprecation", decl.sunset!.span, `API ${name} would stop answering (SUNSET ${decl.sunset!.value}) before it is deprecated (DEPRECATED ${decl.deprecated!.value})`, {
      suggestion: "a SUNSET date comes on or after the DEPRECATED date",
    });
  }
  return { decl, name, deprecated, sunset };
}

/** `"2027-01-01"` (midnight UTC) or a full ISO date-time with a zone, as an ISO instant. */
function instant(ctx: CheckContext, literal: StringLiteral | null, keyword: string): string | null {
  if (literal === null) return null;
  const text = literal.value;
  const date = /^\d{4}-\d{2}-\d{2}$/.test(text) ? new Date(`${text}T00:00:00Z`) : /^\d{4}-\d{2}-\d{2}T.+(Z|[+-]\d{2}:\d{2})$/.test(text) ? new Date(text) : null;
  // `new Date("2027-02-30")` rolls over to March: compare the day back to catch it.
  if (date === null || Number.isNaN(date.getTime()) || (text.length === 10 && date.toISOString().slice(0, 10) !== text)) {
    ctx.diagnostics.report("InvalidApiDate", literal.span, `${keyword} "${text}" is not a date`, {
      suggestion: `write the day as YYYY-MM-DD (${keyword} "2027-01-01"), or an ISO date-time with a zone`,
    });
    return null;
  }
  return date.toISOString();
}
