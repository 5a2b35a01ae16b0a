/**
 * Small functions every generated module defines at its top, so the output is self-contained and
 * readable (no opaque runtime calls for `==`, LIKE or format checks).
 */
export const GENERATED_HELPERS = String.raw`
// ── helpers (generated; the same in every Kova module)
const at = (path, key) => (path === "" ? key : path + "." + key);
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const DATE = /^\d{4}-\d{2}-\d{2}$/;
const DATETIME = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$/;
const isEmail = (s) => EMAIL.test(s);
const isUrl = (s) => URL.canParse(s);
const isUuid = (s) => UUID.test(s);
const isDate = (s) => DATE.test(s) && isCalendarDate(s);
const isDateTime = (s) => DATETIME.test(s) && isCalendarDate(s) && !Number.isNaN(Date.parse(s));
/** Kova's == : null and a missing value are equal; otherwise strict equality. */
const eq = (a, b) => (a ?? null) === (b ?? null);
/** BETWEEN includes both ends; a null anywhere is false, as in SQL. */
const between = (v, low, high) => v != null && low != null && high != null && v >= low && v <= high;
const inList = (a, list) => Array.isArray(list) && list.some((b) => eq(a, b));
/** LIKE: % any run, _ one character, \ makes the next character literal. */
const like = (text, pattern) => typeof text === "string" && typeof pattern === "string" &&
  new RegExp("^" + pattern.replace(/\\([\s\S])|([%_])|([.*+?^$()|[\]\\{}\/])/g, (_, escaped, wild, meta) =>
    escaped !== undefined ? escaped.replace(/[.*+?^$()|[\]\\{}\/]/g, "\\$&") : wild === "%" ? ".*" : wild === "_" ? "." : "\\" + meta) + "$", "su").test(text);
const str = (v) => (v == null ? "" : typeof v === "object" ? JSON.stringify(v) : String(v));
const envValue = (env, name, fallback) => env[name] ?? process.env[name] ?? (fallback === undefined ? null : fallback);
const len = (v) => (v == null ? 0 : typeof v === "object" && !Array.isArray(v) ? Object.keys(v).length : v.length ?? 0);
/**
 * Converts a value nothing before the handler typed (a body field, a computed value) to the type a
 * query needs, or answers 400. Path and query inputs never come here: the route declares their types
 * and the runtime parses them once, before the handler. Text is parsed by the runtime's one rule
 * (parseParam), so "1", "true" or "21" mean the same in a body field as in a URL.
 */
function coerce(value, type, label) {
  if (value === undefined || value === null) return null;
  if (Array.isArray(value)) return value.map((v) => coerce(v, type, label));
  const parsed = typeof value === "string" ? parseParam(type === "decimal" ? "float" : type, value) : value;
  if (parsed instanceof ParamFailure) throw badValue(label, parsed.message);
  const fits = type === "boolean" ? typeof parsed === "boolean"
    : type === "float" || type === "decimal" ? typeof parsed === "number" && Number.isFinite(parsed)
    : Number.isSafeInteger(parsed) && (type !== "count" || parsed >= 0);
  if (!fits) throw badValue(label, type === "boolean" ? "must be true or false" : type === "count" ? "must be a whole number ≥ 0" : type === "int" ? "must be an integer" : "must be a number");
  return parsed;
}
/**
 * A value compared with a rich field (email, ip, …) in the field's canonical form, as stored; one
 * that is no value of the type is a 400 naming it, on every driver (PostgreSQL's native columns
 * could not even compare it). Lists (IN) are checked item by item.
 */
function canonical(value, type, label) {
  if (value === undefined || value === null) return null;
  if (Array.isArray(value)) return value.map((v) => canonical(v, type, label));
  const checked = kb.checkRich(type, value);
  if (!checked.ok) throw badValue(label, checked.message);
  return checked.value;
}
/** ORDER_BY value IN [a, b]: the index of the listed field the value names, or a 400. */
function orderIndex(value, label, fields) {
  const index = fields.indexOf(value);
  if (index === -1) throw badValue(label, "must be one of " + fields.join(", "));
  return index;
}
function badValue(label, message) {
  return new HttpError(400, label + " " + message, {
    type: "urn:kova:problem:invalid-parameter",
    errors: [{ field: label.replace(/^(path|query) parameter |^header |^cookie |^body field |^sort order$/, ""), message }],
  });
}
`;
