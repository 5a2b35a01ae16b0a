/** Rich types held as text with a fixed shape: contact, markup and identifier formats. */
import { filterXSS } from "xss";
import { canonicalHostname } from "./network-types.js";
import { patternType, textType, type RichType } from "./rich-type.js";

const str = (format?: string, pattern?: string) => ({ type: "string", ...(format ? { format } : {}), ...(pattern ? { pattern } : {}) });
const textual = { storage: "string", graphql: "String", ts: "string" } as const;

/** Characters people put inside phone numbers for reading: spaces, dashes, dots, parentheses. */
const PHONE_PUNCTUATION = /[\s\-.()\u00a0]/g;

/** HTML kept on write: a conservative allow-list (xss's default), other tags and all script removed. */
function sanitizeHtml(html: string): string {
  return filterXSS(html, { stripIgnoreTag: true, stripIgnoreTagBody: ["script", "style", "iframe", "object", "embed"] });
}

export const TEXT_TYPES: RichType[] = [
  {
    name: "email", ...textual, orderable: true,
    description: "an e-mail address, kept in lower case",
    expected: "an e-mail address", example: "ada@example.com",
    jsonSchema: str("email"),
    check: textType((s) => {
      const at = s.lastIndexOf("@");
      if (at < 1 || /\s/.test(s) || s.length > 254) return undefined;
      const domain = canonicalHostname(s.slice(at + 1));
      return domain === undefined || !domain.includes(".") ? undefined : `${s.slice(0, at).toLowerCase()}@${domain}`;
    }),
  },
  {
    name: "url", ...textual, orderable: true,
    description: "an absolute URL, normalised as WHATWG URL does (scheme and host in lower case)",
    expected: "an absolute URL", example: "https://example.com/path",
    jsonSchema: str("uri"),
    check: textType((s) => (URL.canParse(s) ? new URL(s).href : undefined)),
  },
  {
    name: "phone", ...textual, orderable: true,
    description: "a phone number in E.164 form; spaces, dashes, dots and parentheses are removed",
    expected: "a phone number in international E.164 form", example: "+14155550100",
    jsonSchema: str(undefined, "^\\+[1-9][0-9]{6,14}$"),
    check: textType((s) => {
      const compact = s.replace(PHONE_PUNCTUATION, "").replace(/^00/, "+");
      return /^\+[1-9][0-9]{6,14}$/.test(compact) ? compact : undefined;
    }),
  },
  {
    name: "slug", ...textual, orderable: true,
    description: "a URL slug: lower-case letters and digits joined by single hyphens",
    expected: "a slug (lower-case letters, digits and single hyphens)", example: "hello-world",
    jsonSchema: str(undefined, "^[a-z0-9]+(?:-[a-z0-9]+)*$"),
    check: patternType(/^[A-Za-z0-9]+(?:-[A-Za-z0-9]+)*$/, (s) => s.toLowerCase()),
  },
  {
    name: "username", ...textual, orderable: true,
    description: "a handle of 3 to 32 letters, digits, `_`, `.` or `-`, starting with a letter or digit, kept in lower case",
    expected: "a username (3-32 letters, digits, _ . or -)", example: "ada_lovelace",
    jsonSchema: str(undefined, "^[a-z0-9][a-z0-9_.-]{2,31}$"),
    check: patternType(/^[A-Za-z0-9][A-Za-z0-9_.-]{2,31}$/, (s) => s.toLowerCase()),
  },
  {
    name: "markdown", ...textual, orderable: true,
    description: "Markdown text; line endings are kept as `\\n`",
    expected: "Markdown text", example: "# Title\n\nSome *text*.",
    jsonSchema: { type: "string", contentMediaType: "text/markdown" },
    check: textType((s) => s.replace(/\r\n?/g, "\n")),
  },
  {
    name: "html", ...textual, orderable: false,
    description: "an HTML fragment, sanitised on write: scripts, event handlers and tags outside a safe list are removed",
    expected: "an HTML fragment", example: "<p>Hello <b>world</b></p>",
    jsonSchema: { type: "string", contentMediaType: "text/html" },
    check: textType(sanitizeHtml),
  },
  {
    name: "color", ...textual, orderable: true,
    description: "an sRGB colour as `#rrggbb` or `#rrggbbaa` (lower case; `#abc` becomes `#aabbcc`)",
    expected: "a hex colour (#rrggbb)", example: "#1e90ff",
    jsonSchema: str(undefined, "^#[0-9a-f]{6}([0-9a-f]{2})?$"),
    check: patternType(/^#(?:[0-9A-Fa-f]{3,4}|[0-9A-Fa-f]{6}|[0-9A-Fa-f]{8})$/, (s) => {
      const hex = s.slice(1).toLowerCase();
      return `#${hex.length <= 4 ? [...hex].map((c) => c + c).join("") : hex}`;
    }),
  },
  {
    name: "semver", ...textual, orderable: false,
    description: "a semantic version (semver.org 2.0.0); a leading `v` is dropped",
    expected: "a semantic version (MAJOR.MINOR.PATCH)", example: "1.4.2",
    jsonSchema: str(undefined, SEMVER_SOURCE()),
    check: textType((s) => {
      const bare = s.startsWith("v") ? s.slice(1) : s;
      return new RegExp(SEMVER_SOURCE()).test(bare) ? bare : undefined;
    }),
  },
  {
    name: "ulid", ...textual, orderable: true,
    description: "a ULID (26 Crockford base-32 characters, upper case); sorts by creation time",
    expected: "a ULID", example: "01ARZ3NDEKTSV4RRFFQ69G5FAV",
    jsonSchema: str(undefined, "^[0-7][0-9A-HJKMNP-TV-Z]{25}$"),
    check: patternType(/^[0-7][0-9A-HJKMNP-TV-Za-hjkmnp-tv-z]{25}$/, (s) => s.toUpperCase()),
  },
  {
    name: "nanoid", ...textual, orderable: true,
    description: "a Nano ID (21 characters of `A-Za-z0-9_-`)",
    expected: "a Nano ID (21 URL-safe characters)", example: "V1StGXR8_Z5jdHi6B-myT",
    jsonSchema: str(undefined, "^[A-Za-z0-9_-]{21}$"),
    check: patternType(/^[A-Za-z0-9_-]{21}$/),
  },
  {
    name: "hex", ...textual, orderable: true,
    description: "bytes written as an even number of hex digits, lower case",
    expected: "hexadecimal bytes", example: "00ff10",
    jsonSchema: str(undefined, "^([0-9a-f]{2})*$"),
    check: patternType(/^(?:[0-9A-Fa-f]{2})*$/, (s) => s.toLowerCase()),
  },
  {
    name: "base64", ...textual, orderable: false,
    description: "bytes in standard base64 with padding",
    expected: "base64 text", example: "SGVsbG8=",
    jsonSchema: { type: "string", contentEncoding: "base64" },
    check: patternType(/^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/),
  },
  {
    name: "sha256", ...textual, orderable: true,
    description: "a SHA-256 digest: 64 hex digits, lower case",
    expected: "a SHA-256 digest (64 hex digits)", example: "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    jsonSchema: str(undefined, "^[0-9a-f]{64}$"),
    check: patternType(/^[0-9A-Fa-f]{64}$/, (s) => s.toLowerCase()),
  },
  {
    name: "json_pointer", ...textual, orderable: true,
    description: "a JSON Pointer (RFC 6901), empty or starting with `/`",
    expected: "a JSON Pointer", example: "/items/0/name",
    jsonSchema: str("json-pointer"),
    check: patternType(/^(?:\/(?:[^~/]|~[01])*)*$/),
  },
  {
    name: "cron", ...textual, orderable: false,
    description: "a cron schedule of five fields (minute hour day month weekday), spaces collapsed",
    expected: "a cron schedule (five fields)", example: "0 9 * * 1-5",
    jsonSchema: str(),
    check: textType((s) => {
      const fields = s.trim().split(/\s+/);
      const LIMITS: Array<[number, number]> = [[0, 59], [0, 23], [1, 31], [1, 12], [0, 7]];
      if (fields.length !== 5 || !fields.every((f, i) => cronField(f, LIMITS[i]!))) return undefined;
      return fields.join(" ");
    }),
  },
];

/** One cron field: `*`, `n`, `a-b`, lists of those, each with an optional `/step`, within limits. */
function cronField(field: string, [low, high]: [number, number]): boolean {
  return field.split(",").every((part) => {
    const m = /^(\*|(\d+)(?:-(\d+))?)(?:\/(\d+))?$/.exec(part);
    if (m === null) return false;
    const inRange = (n: string | undefined) => n === undefined || (Number(n) >= low && Number(n) <= high);
    if (!inRange(m[2]) || !inRange(m[3]) || (m[4] !== undefined && Number(m[4]) < 1)) return false;
    return m[3] === undefined || Number(m[2]) <= Number(m[3]);
  });
}

/** The semver.org regular expression (2.0.0), anchored. */
function SEMVER_SOURCE(): string {
  return "^(0|[1-9]\\d*)\\.(0|[1-9]\\d*)\\.(0|[1-9]\\d*)(?:-((?:0|[1-9]\\d*|\\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\\.(?:0|[1-9]\\d*|\\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?(?:\\+([0-9a-zA-Z-]+(?:\\.[0-9a-zA-Z-]+)*))?$";
}
