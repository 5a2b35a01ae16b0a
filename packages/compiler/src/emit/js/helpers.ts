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
const isDate = (s) => DATE.test(s) && !Number.isNaN(Date.parse(s));
const isDateTime = (s) => DATETIME.test(s) && !Number.isNaN(Date.parse(s));
/** Kova's == : null and a missing value are equal; otherwise strict equality. */
const eq = (a, b) => (a ?? null) === (b ?? null);
const inList = (a, list) => Array.isArray(list) && list.some((b) => eq(a, b));
const like = (text, pattern) => typeof text === "string" && typeof pattern === "string" &&
  new RegExp("^" + pattern.replace(/[.*+?^$()|[\]\\{}]/g, "\\$&").replace(/%/g, ".*").replace(/_/g, ".") + "$", "s").test(text);
const str = (v) => (v == null ? "" : typeof v === "object" ? JSON.stringify(v) : String(v));
const envValue = (env, name, fallback) => env[name] ?? process.env[name] ?? (fallback === undefined ? null : fallback);
const len = (v) => (v == null ? 0 : typeof v === "object" && !Array.isArray(v) ? Object.keys(v).length : v.length ?? 0);
/**
 * Converts a value nothing before the handler typed (a body field, a computed value) to the type a
 * query needs, or answers 400. Path and query inputs never come here: the route declares their
 * types and the runtime parses them once, before the handler (one coercion, in @kova/runtime).
 */
function coerce(value, type, label) {
  if (value === undefined || value === null) return null;
  if (Array.isArray(value)) return value.map((v) => coerce(v, type, label));
  switch (type) {
    case "int": case "count": {
      const n = typeof value === "number" ? value : typeof value === "string" && /^-?\d+$/.test(value.trim()) ? Number(value) : NaN;
      if (!Number.isSafeInteger(n) || (type === "count" && n < 0)) throw badValue(label, type === "count" ? "a whole number ≥ 0" : "a whole number");
      return n;
    }
    case "float": case "decimal": {
      const n = typeof value === "number" ? value : typeof value === "string" && value.trim() !== "" ? Number(value) : NaN;
      if (!Number.isFinite(n)) throw badValue(label, "a number");
      return n;
    }
    case "boolean":
      if (value === true || value === "true") return true;
      if (value === false || value === "false") return false;
      throw badValue(label, "true or false");
    default:
      return typeof value === "object" ? value : String(value);
  }
}
function badValue(label, expected) {
  return new HttpError(400, label + " must be " + expected, {
    type: "urn:kova:problem:invalid-parameter",
    errors: [{ field: label.replace(/^(path|query) parameter |^header |^body field /, ""), message: "must be " + expected }],
  });
}
`;
