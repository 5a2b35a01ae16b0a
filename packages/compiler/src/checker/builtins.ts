/**
 * Every built-in function of Kova, in one list that the checker (arity, argument types, result
 * type, constant checks), the JS emitter (`js`), the language server (hover, completion) and the
 * docs test (the table in docs/language.md) all read. To add a built-in, add one entry here; its
 * run-time helper, when it needs more than a line of JavaScript, goes in @kova/runtime's
 * `builtins.ts` and is printed as `kb.name(…)`.
 */
import type { Expression } from "../ast/nodes.js";
import {
  booleanType,
  datetimeType,
  intType,
  numberType,
  stringType,
  unknownType,
  type KovaType,
  type ShapeField,
} from "./types.js";

/** What an argument must be. `any` takes everything; `instant` takes a datetime or ISO text. */
export type ArgumentKind = "any" | "text" | "number" | "int" | "bool" | "instant" | "list" | "object" | "text or list" | "text or number" | "file";

export interface BuiltinParam {
  name: string;
  kind: ArgumentKind;
  optional?: boolean;
  /** Takes any number of further arguments of this kind. */
  rest?: boolean;
}

/** How a constant argument is checked at compile time (so a mistake is an error, not a 500). */
export type ConstantCheck = "regex" | "time zone" | "date unit" | "sort order" | "row field";

export type BuiltinGroup = "text" | "numbers" | "lists and objects" | "instants and durations" | "values" | "environment" | "security" | "outbound" | "files";

export interface Builtin {
  name: string;
  group: BuiltinGroup;
  params: readonly BuiltinParam[];
  /** The result type as a reader sees it in docs and hover (`text`, `int`, `same as list`…). */
  returns: string;
  /** The result type, from the arguments' types. */
  result: (args: readonly KovaType[], call: readonly Expression[]) => KovaType;
  /** One sentence for the docs table and hover. */
  doc: string;
  /** Constant-argument checks, by parameter index. */
  constants?: Readonly<Record<number, ConstantCheck>>;
  /** Allowed as an ENTITY field's DEFAULT (evaluated when a row is inserted). */
  inDefault?: boolean;
  /** The JavaScript for a call, from its arguments' JavaScript. Absent for env(), which lowers to its own IR node. */
  js?: (args: readonly string[]) => string;
}

/** What fetch_json gives: the answer's status, whether it is a 2xx, its headers and its (JSON) body. */
const FETCH_RESULT: KovaType = {
  kind: "object",
  fields: new Map<string, ShapeField>([
    ["status", { type: intType, optional: false }],
    ["ok", { type: booleanType, optional: false }],
    ["headers", { type: { kind: "object", fields: null }, optional: false }],
    ["body", { type: unknownType, optional: false }],
  ]),
};

const helper = (name: string) => (a: readonly string[]) => `kb.${name}(${a.join(", ")})`;
const fixed = (type: KovaType) => () => type;
const firstArg = (args: readonly KovaType[]) => args[0] ?? unknownType;
const listOf = (element: KovaType): KovaType => ({ kind: "array", element });

/** An int when every numeric argument is an int (or a list of ints), else a number. */
function numericResult(args: readonly KovaType[]): KovaType {
  const all = args.flatMap((a) => (a.kind === "array" ? [a.element] : [a]));
  return all.length > 0 && all.every((a) => a.kind === "number" && a.integer) ? intType : numberType;
}

/** The type of one field of a list's rows, when the key is a constant and the rows are known. */
function fieldOfElements(list: KovaType | undefined, key: Expression | undefined): KovaType {
  if (list?.kind !== "array" || key?.kind !== "String" || list.element.kind !== "object" || !list.element.fields) return unknownType;
  return list.element.fields.get(key.value)?.type ?? unknownType;
}

/** omit/pick on a known object: the fields that remain. */
function reshaped(args: readonly KovaType[], call: readonly Expression[], keep: boolean): KovaType {
  const source = args[0];
  if (source?.kind !== "object" || !source.fields) return { kind: "object", fields: null };
  const names = new Set(call.slice(1).flatMap((e) => (e.kind === "String" ? [e.value] : [])));
  if (names.size !== call.length - 1) return { kind: "object", fields: null };
  const fields = new Map<string, ShapeField>();
  for (const [name, field] of source.fields) if (names.has(name) === keep) fields.set(name, field);
  return { kind: "object", fields };
}

const TEXT: BuiltinParam = { name: "text", kind: "text" };
const INSTANT: BuiltinParam = { name: "instant", kind: "instant" };
const ZONE: BuiltinParam = { name: "zone", kind: "text", optional: true };

function datePart(name: string, what: string): Builtin {
  return {
    name, group: "instants and durations", params: [INSTANT, ZONE], returns: "int", result: fixed(intType),
    doc: `The ${what} of the instant, in the IANA time zone given (UTC when none is).`,
    constants: { 1: "time zone" }, js: helper(name),
  };
}

function durationOf(name: string, unit: string): Builtin {
  return {
    name, group: "instants and durations", params: [{ name: "count", kind: "number" }], returns: "int (milliseconds)", result: fixed(intType),
    doc: `A duration of that many ${unit}, for a count computed at run time (\`now() - ${name}($query.n)\`); literals are written \`7d\`, \`3h\`.`,
    js: helper(name),
  };
}

const LIST: readonly Builtin[] = [
  // ── environment and values
  { name: "env", group: "environment", params: [{ name: "name", kind: "text" }, { name: "default", kind: "any", optional: true }], returns: "text", result: fixed(stringType), doc: "An environment variable, read when the app starts; without a default it must be set." },
  { name: "uuid", group: "values", params: [], returns: "text", result: fixed(stringType), doc: "A new random UUID.", inDefault: true, js: () => "randomUUID()" },
  { name: "number", group: "values", params: [{ name: "value", kind: "any" }], returns: "number", result: fixed(numberType), doc: "The value converted to a number.", js: (a) => `Number(${a[0]})` },
  { name: "string", group: "values", params: [{ name: "value", kind: "any" }], returns: "text", result: fixed(stringType), doc: "The value as text (objects and lists as JSON; null as empty text).", js: (a) => `str(${a[0]})` },
  // ── text
  { name: "lower", group: "text", params: [TEXT], returns: "text", result: fixed(stringType), doc: "The text in lower case.", js: (a) => `str(${a[0]}).toLowerCase()` },
  { name: "upper", group: "text", params: [TEXT], returns: "text", result: fixed(stringType), doc: "The text in upper case.", js: (a) => `str(${a[0]}).toUpperCase()` },
  { name: "trim", group: "text", params: [TEXT], returns: "text", result: fixed(stringType), doc: "The text without leading and trailing white space.", js: (a) => `str(${a[0]}).trim()` },
  { name: "slug", group: "text", params: [TEXT], returns: "text", result: fixed(stringType), doc: "A URL slug: accents dropped, lower case, letters and digits joined by single dashes (\"Héllo, World!\" → \"hello-world\").", inDefault: true, js: helper("slug") },
  { name: "substring", group: "text", params: [TEXT, { name: "start", kind: "int" }, { name: "end", kind: "int", optional: true }], returns: "text", result: fixed(stringType), doc: "The characters from start (0-based) up to end (exclusive; the end of the text when left out); negative positions count from the end.", js: helper("substring") },
  { name: "replace", group: "text", params: [TEXT, { name: "find", kind: "text" }, { name: "with", kind: "text" }], returns: "text", result: fixed(stringType), doc: "Every occurrence of find (plain text, not a pattern) replaced.", js: helper("replace") },
  { name: "starts_with", group: "text", params: [TEXT, { name: "prefix", kind: "text" }], returns: "bool", result: fixed(booleanType), doc: "Does the text start with the prefix?", js: helper("starts_with") },
  { name: "ends_with", group: "text", params: [TEXT, { name: "suffix", kind: "text" }], returns: "bool", result: fixed(booleanType), doc: "Does the text end with the suffix?", js: helper("ends_with") },
  { name: "pad", group: "text", params: [{ name: "value", kind: "text or number" }, { name: "width", kind: "int" }, { name: "fill", kind: "text", optional: true }], returns: "text", result: fixed(stringType), doc: "Padded on the left to width characters, with spaces or fill: pad(7, 3, \"0\") is \"007\".", js: helper("pad") },
  { name: "pad_end", group: "text", params: [{ name: "value", kind: "text or number" }, { name: "width", kind: "int" }, { name: "fill", kind: "text", optional: true }], returns: "text", result: fixed(stringType), doc: "Padded on the right to width characters.", js: helper("pad_end") },
  { name: "matches", group: "text", params: [TEXT, { name: "pattern", kind: "text" }], returns: "bool", result: fixed(booleanType), doc: "Does the text contain a match of the regular expression (JavaScript syntax; anchor with ^…$)? A constant pattern is checked when compiling.", constants: { 1: "regex" }, js: helper("matches") },
  { name: "format", group: "text", params: [{ name: "template", kind: "text" }, { name: "values", kind: "object" }], returns: "text", result: fixed(stringType), doc: "The template with each {key} replaced by that value of the object (for templates that are data, not code).", js: helper("format") },
  { name: "split", group: "text", params: [TEXT, { name: "separator", kind: "text" }], returns: "text[]", result: fixed(listOf(stringType)), doc: "The pieces of the text between separators.", js: helper("split") },
  { name: "pattern", group: "text", params: [TEXT], returns: "text", result: fixed(stringType), doc: "Marks a value as a LIKE pattern, so its % and _ are wildcards (other values match literally).", js: (a) => `${a[0]}` },
  // ── numbers
  { name: "round", group: "numbers", params: [{ name: "value", kind: "number" }, { name: "digits", kind: "int", optional: true }], returns: "number", result: (args) => (args.length > 1 ? numberType : intType), doc: "Rounded to digits decimals (none when left out), halves away from zero.", js: helper("round") },
  { name: "floor", group: "numbers", params: [{ name: "value", kind: "number" }], returns: "int", result: fixed(intType), doc: "The largest whole number not above the value.", js: helper("floor") },
  { name: "ceil", group: "numbers", params: [{ name: "value", kind: "number" }], returns: "int", result: fixed(intType), doc: "The smallest whole number not below the value.", js: helper("ceil") },
  { name: "abs", group: "numbers", params: [{ name: "value", kind: "number" }], returns: "number", result: (args) => numericResult(args), doc: "The value without its sign.", js: helper("abs") },
  { name: "min", group: "numbers", params: [{ name: "values", kind: "any" }, { name: "more", kind: "number", optional: true, rest: true }], returns: "number", result: (args) => numericResult(args), doc: "The smallest of the arguments, or of one list (null for an empty list).", js: helper("min") },
  { name: "max", group: "numbers", params: [{ name: "values", kind: "any" }, { name: "more", kind: "number", optional: true, rest: true }], returns: "number", result: (args) => numericResult(args), doc: "The largest of the arguments, or of one list (null for an empty list).", js: helper("max") },
  // ── lists and objects
  { name: "len", group: "lists and objects", params: [{ name: "value", kind: "any" }], returns: "int", result: fixed(intType), doc: "The length of a text or a list, the number of fields of an object (0 for null).", js: (a) => `len(${a[0]})` },
  { name: "sum", group: "lists and objects", params: [{ name: "list", kind: "list" }, { name: "field", kind: "text", optional: true }], returns: "number", result: (args, call) => numericResult([call[1] ? fieldOfElements(args[0], call[1]) : args[0] ?? unknownType]), doc: "The sum of a list of numbers, or of one field of a list of rows (sum(orders, \"total\")); nulls count as 0.", constants: { 1: "row field" }, js: helper("sum") },
  { name: "sort", group: "lists and objects", params: [{ name: "list", kind: "list" }, { name: "field", kind: "text", optional: true }, { name: "order", kind: "text", optional: true }], returns: "same as list", result: firstArg, doc: "A sorted copy, by the items or by one field of each row; \"desc\" as third argument reverses. Nulls sort last.", constants: { 1: "row field", 2: "sort order" }, js: helper("sort") },
  { name: "unique", group: "lists and objects", params: [{ name: "list", kind: "list" }, { name: "field", kind: "text", optional: true }], returns: "same as list", result: firstArg, doc: "The list without repeats (by value, or by one field of each row), first occurrence kept.", constants: { 1: "row field" }, js: helper("unique") },
  { name: "join", group: "lists and objects", params: [{ name: "list", kind: "list" }, { name: "separator", kind: "text", optional: true }], returns: "text", result: fixed(stringType), doc: "The items as text, joined by the separator (\",\" when left out).", js: helper("join") },
  { name: "contains", group: "lists and objects", params: [{ name: "container", kind: "text or list" }, { name: "item", kind: "any" }], returns: "bool", result: fixed(booleanType), doc: "Is the item in the list, or the piece in the text?", js: helper("contains") },
  { name: "keys", group: "lists and objects", params: [{ name: "object", kind: "object" }], returns: "text[]", result: fixed(listOf(stringType)), doc: "The object's field names.", js: helper("keys") },
  { name: "values", group: "lists and objects", params: [{ name: "object", kind: "object" }], returns: "list", result: fixed(listOf(unknownType)), doc: "The object's field values.", js: helper("values") },
  { name: "omit", group: "lists and objects", params: [{ name: "object", kind: "object" }, { name: "field", kind: "text", rest: true }], returns: "object", result: (args, call) => reshaped(args, call, false), doc: "A copy of the object without the named fields (also written { ...row, -field }).", constants: { 1: "row field" }, js: helper("omit") },
  { name: "pick", group: "lists and objects", params: [{ name: "object", kind: "object" }, { name: "field", kind: "text", rest: true }], returns: "object", result: (args, call) => reshaped(args, call, true), doc: "A copy of the object with only the named fields.", constants: { 1: "row field" }, js: helper("pick") },
  // ── instants and durations
  { name: "now", group: "instants and durations", params: [], returns: "datetime", result: fixed(datetimeType), doc: "The current instant (ISO-8601 UTC); also a DEFAULT of a datetime field.", inDefault: true, js: () => "new Date().toISOString()" },
  { name: "date_trunc", group: "instants and durations", params: [{ name: "unit", kind: "text" }, INSTANT, ZONE], returns: "datetime", result: fixed(datetimeType), doc: "The start of the year, month, week (Monday), day, hour, minute or second holding the instant, in a time zone (UTC by default).", constants: { 0: "date unit", 2: "time zone" }, js: helper("date_trunc") },
  { name: "iso", group: "instants and durations", params: [INSTANT], returns: "datetime", result: fixed(datetimeType), doc: "The instant as canonical ISO-8601 UTC text (\"2025-03-01T12:00:00.000Z\").", js: helper("iso") },
  { name: "format_date", group: "instants and durations", params: [INSTANT, ZONE], returns: "text", result: fixed(stringType), doc: "The instant as ISO-8601 text in an IANA time zone, with its offset (\"2025-03-01T13:00:00+01:00\").", constants: { 1: "time zone" }, js: helper("format_date") },
  { name: "epoch_ms", group: "instants and durations", params: [INSTANT], returns: "int", result: fixed(intType), doc: "Milliseconds since 1970-01-01T00:00:00Z.", js: helper("epoch_ms") },
  datePart("year", "year"),
  datePart("month", "month (1–12)"),
  datePart("day", "day of the month"),
  datePart("hour", "hour (0–23)"),
  datePart("minute", "minute"),
  datePart("second", "second"),
  datePart("weekday", "ISO weekday (1 is Monday, 7 is Sunday)"),
  durationOf("days", "days"),
  durationOf("hours", "hours"),
  durationOf("minutes", "minutes"),
  durationOf("seconds", "seconds"),
  // ── security (runtime/src/auth): tokens for the AUTH jwt scheme, password hashes, random secrets
  { name: "sign_token", group: "security", params: [{ name: "claims", kind: "object" }, { name: "ttl", kind: "number", optional: true }], returns: "text", result: fixed(stringType), doc: "A signed JWT for the program's AUTH jwt scheme, with these claims (sub required) and a lifetime (the scheme's expire by default).", js: (a) => `(await signToken(ctx.env, auth_jwt, ${a[0]}, ${a[1] ?? "undefined"}))` },
  { name: "hash_password", group: "security", params: [{ name: "password", kind: "text" }], returns: "text", result: fixed(stringType), doc: "An Argon2id hash of the password (salted; store it, never the password).", js: (a) => `(await hashPassword(${a[0]}))` },
  { name: "verify_password", group: "security", params: [{ name: "password", kind: "text" }, { name: "hash", kind: "text" }], returns: "bool", result: fixed(booleanType), doc: "Whether the password matches the hash, in constant time; a null hash does the same work and gives false.", js: (a) => `(await verifyPassword(${a[0]}, ${a[1]}))` },
  { name: "password_needs_rehash", group: "security", params: [{ name: "hash", kind: "text" }], returns: "bool", result: fixed(booleanType), doc: "Whether a stored hash uses older, weaker settings and should be replaced at the next login.", js: (a) => `passwordNeedsRehash(${a[0]})` },
  { name: "hash_token", group: "security", params: [{ name: "token", kind: "text" }], returns: "text", result: fixed(stringType), doc: "The SHA-256 of a token, as URL-safe base64: what to store for refresh tokens and API keys.", js: (a) => `hashToken(${a[0]})` },
  { name: "start_session", group: "security", params: [], returns: "text", result: fixed(stringType), doc: "Starts an AUTH session: sets its signed cookie (HttpOnly, SameSite=Lax, Secure over TLS or in production) and returns the hash to store in the session entity.", js: () => `startSession(ctx, auth_jwt)` },
  { name: "end_session", group: "security", params: [], returns: "text", result: fixed(stringType), doc: "Ends the request's AUTH session: clears its cookie and returns its hash (null without a validly signed one), to delete the session's row.", js: () => `endSession(ctx, auth_jwt)` },
  { name: "random_token", group: "security", params: [{ name: "bytes", kind: "int", optional: true }], returns: "text", result: fixed(stringType), doc: "A random, URL-safe token of that many bytes of entropy (32 by default).", js: (a) => `randomToken(${a[0] ?? "undefined"})` },
  // ── outbound calls (runtime/src/outbound): timeouts, retries, a circuit breaker and a bulkhead per host
  // ── files (runtime/src/uploads): an uploaded file's stored reference back to its bytes
  { name: "download", group: "files", params: [{ name: "file", kind: "file" }], returns: "the file's bytes", result: fixed(unknownType), doc: "As RESPOND's value: the stored file's bytes, with its content type, its name and byte ranges (Range); null is a 404.", js: helper("download") },
  { name: "fetch_json", group: "outbound", params: [{ name: "url", kind: "text" }, { name: "options", kind: "object", optional: true }], returns: "object", result: fixed(FETCH_RESULT), doc: "Calls another service over HTTP and gives { status, ok, headers, body } (body parsed as JSON); options: method, body, headers, timeout, retries, idempotent. Not in an endpoint or task that writes (KV2460).", js: (a) => `(await kb.fetch_json(${a.join(", ")}))` },
];

/** The built-ins by name. */
export const BUILTINS: ReadonlyMap<string, Builtin> = new Map(LIST.map((b) => [b.name, b]));

export const BUILTIN_NAMES: readonly string[] = LIST.map((b) => b.name);

/** Helpers the lowering uses for operators on instants (`now() - 7d`, `a - b`, `a < b`); not callable by name. */
export const OPERATOR_HELPERS = {
  date_add: (a: readonly string[]) => `kb.date_add(${a.join(", ")})`,
  date_diff: (a: readonly string[]) => `kb.date_diff(${a.join(", ")})`,
  like_escape: (a: readonly string[]) => `kb.like_escape(${a.join(", ")})`,
  /** A write's returned row(s) without the entity's SECRET fields (ir/expressions.ts). */
  without_fields: (a: readonly string[]) => `kb.without_fields(${a.join(", ")})`,
} as const;

export function minArity(b: Builtin): number {
  return b.params.filter((p) => !p.optional && !p.rest).length;
}

/** The most arguments a built-in takes (Infinity with a rest parameter). */
export function maxArity(b: Builtin): number {
  return b.params.some((p) => p.rest) ? Infinity : b.params.length;
}

/** `substring(text: text, start: int, end?: int) → text` — for hover, completion and docs. */
export function builtinSignature(b: Builtin): string {
  const params = b.params.map((p) => `${p.rest ? "..." : ""}${p.name}${p.optional && !p.rest ? "?" : ""}: ${p.kind}`);
  return `${b.name}(${params.join(", ")}) → ${b.returns}`;
}

/** Does a value of this type fit an argument of this kind? Unknown and null always do (null fails at run time, with the .kova line). */
export function fitsArgument(type: KovaType, kind: ArgumentKind): boolean {
  if (type.kind === "unknown" || type.kind === "null" || kind === "any") return true;
  switch (kind) {
    case "text":
      return type.kind === "string" || type.kind === "datetime";
    case "number":
      return type.kind === "number";
    case "int":
      return type.kind === "number";
    case "bool":
      return type.kind === "boolean";
    case "instant":
      return type.kind === "datetime" || type.kind === "string" || type.kind === "number";
    case "list":
      return type.kind === "array";
    case "object":
      return type.kind === "object";
    case "text or list":
      return type.kind === "string" || type.kind === "array";
    case "text or number":
      return type.kind === "string" || type.kind === "number";
    case "file":
      return type.kind === "object" && type.shape === "file";
  }
}
