/** Numbers with a meaning: exact decimals, money, percentages, positions on Earth, years. */
import { canonicalCurrency, currencyDigits } from "./code-types.js";
import { fail, ok, type RichResult, type RichType } from "./rich-type.js";

const DECIMAL_TEXT = /^-?\d+(?:\.\d+)?$/;

/** The most significant digits a decimal(p, s) may have: every value is then exact in a double. */
export const MAX_DECIMAL_PRECISION = 15;

function numberIn(low: number, high: number): (v: unknown) => RichResult {
  return (v) => (typeof v === "number" && Number.isFinite(v) && v >= low && v <= high ? ok(v) : fail);
}

/** decimal(p, s): at most `s` digits after the point and `p - s` before it. */
function exactDecimal(value: unknown, [precision = MAX_DECIMAL_PRECISION, scale = 0]: readonly number[]): RichResult {
  const n = typeof value === "string" && DECIMAL_TEXT.test(value) ? Number(value) : value;
  if (typeof n !== "number" || !Number.isFinite(n)) return fail;
  const fixed = Number(n.toFixed(scale));
  if (fixed !== n || Math.abs(n) >= 10 ** (precision - scale)) return fail;
  return ok(fixed);
}

/**
 * Money: an exact amount with its ISO 4217 currency, kept as the text "EUR 12.30" with as many
 * decimals as the currency's minor unit. Sent as that text, as "12.30 EUR" or as
 * `{ "amount": "12.30", "currency": "EUR" }` (the amount a string or a number).
 */
function money(value: unknown): RichResult {
  let amount: unknown;
  let currency: unknown;
  if (typeof value === "string") {
    const m = /^\s*(?:([A-Za-z]{3})\s*(-?[\d.]+)|(-?[\d.]+)\s*([A-Za-z]{3}))\s*$/.exec(value);
    if (m === null) return fail;
    [amount, currency] = m[1] !== undefined ? [m[2], m[1]] : [m[3], m[4]];
  } else if (typeof value === "object" && value !== null && !Array.isArray(value)) {
    const o = value as Record<string, unknown>;
    if (Object.keys(o).some((k) => k !== "amount" && k !== "currency")) return fail;
    ({ amount, currency } = o);
  } else {
    return fail;
  }
  const code = typeof currency === "string" ? canonicalCurrency(currency) : undefined;
  const text = typeof amount === "number" && Number.isFinite(amount) ? String(amount) : amount;
  if (code === undefined || typeof text !== "string" || !DECIMAL_TEXT.test(text)) return fail;
  const digits = currencyDigits(code);
  const [whole, fraction = ""] = text.replace(/^-/, "").split(".");
  if (fraction.replace(/0+$/, "").length > digits || whole!.replace(/^0+(?=\d)/, "").length > 15) return fail;
  const sign = text.startsWith("-") && /[1-9]/.test(text) ? "-" : "";
  const canonicalWhole = whole!.replace(/^0+(?=\d)/, "");
  return ok(`${code} ${sign}${canonicalWhole}${digits > 0 ? `.${fraction.padEnd(digits, "0").slice(0, digits)}` : ""}`);
}

/** "lat,lng" (or an object / a pair) → "lat,lng" with at most 7 decimals each (about 1 cm). */
function coordinates(value: unknown): RichResult {
  let pair: unknown[];
  if (typeof value === "string") pair = value.split(",").map((p) => (/^\s*-?\d+(?:\.\d+)?\s*$/.test(p) ? Number(p) : NaN));
  else if (Array.isArray(value)) pair = value;
  else if (typeof value === "object" && value !== null) {
    const o = value as Record<string, unknown>;
    pair = [o.lat ?? o.latitude, o.lng ?? o.lon ?? o.longitude];
  } else return fail;
  const [lat, lng] = pair;
  if (pair.length !== 2 || typeof lat !== "number" || typeof lng !== "number" || !(Math.abs(lat) <= 90) || !(Math.abs(lng) <= 180)) return fail;
  const round = (n: number) => Number(n.toFixed(7)) + 0;
  return ok(`${round(lat)},${round(lng)}`);
}

const numeric = { graphql: "Float", ts: "number", orderable: true } as const;

export const QUANTITY_TYPES: RichType[] = [
  {
    name: "decimal", storage: "decimal", ...numeric, arity: 2,
    description: "`decimal(p, s)`: an exact decimal of at most `p` digits, `s` of them after the point (p ≤ 15); a numeric string is accepted",
    expected: "a decimal number", example: 1234.5,
    jsonSchema: { type: "number" },
    check: exactDecimal,
    columns: ([p = MAX_DECIMAL_PRECISION, s = 0]) => ({ postgres: `numeric(${p}, ${s})`, cockroach: `numeric(${p}, ${s})`, mysql: `DECIMAL(${p}, ${s})` }),
  },
  {
    name: "money", storage: "string", graphql: "String", ts: "string", orderable: false,
    description: "an exact amount and its ISO 4217 currency, kept as `\"EUR 12.30\"` with the currency's minor-unit decimals; `{ amount, currency }` and `\"12.30 EUR\"` are accepted",
    expected: "an amount with an ISO 4217 currency", example: "EUR 12.30",
    jsonSchema: { type: "string", pattern: "^[A-Z]{3} -?[0-9]+(\\.[0-9]+)?$" },
    check: money,
  },
  {
    name: "percentage", storage: "decimal", ...numeric,
    description: "a number from 0 to 100",
    expected: "a percentage (0-100)", example: 12.5,
    jsonSchema: { type: "number", minimum: 0, maximum: 100 },
    check: numberIn(0, 100),
  },
  {
    name: "latitude", storage: "float", ...numeric,
    description: "degrees north (-90 to 90)",
    expected: "a latitude (-90 to 90)", example: 52.52,
    jsonSchema: { type: "number", minimum: -90, maximum: 90 },
    check: numberIn(-90, 90),
  },
  {
    name: "longitude", storage: "float", ...numeric,
    description: "degrees east (-180 to 180)",
    expected: "a longitude (-180 to 180)", example: 13.405,
    jsonSchema: { type: "number", minimum: -180, maximum: 180 },
    check: numberIn(-180, 180),
  },
  {
    name: "coordinates", storage: "string", graphql: "String", ts: "string", orderable: false,
    description: "a WGS 84 position as `\"lat,lng\"` (at most 7 decimals each); `{ lat, lng }` and `[lat, lng]` are accepted",
    expected: "coordinates as \"latitude,longitude\"", example: "52.52,13.405",
    jsonSchema: { type: "string", pattern: "^-?[0-9]+(\\.[0-9]+)?,-?[0-9]+(\\.[0-9]+)?$" },
    check: coordinates,
  },
  {
    name: "year", storage: "int", graphql: "Int", ts: "number", orderable: true,
    description: "a calendar year, 1 to 9999",
    expected: "a year (1-9999)", example: 2025,
    jsonSchema: { type: "integer", minimum: 1, maximum: 9999 },
    check: (v) => (typeof v === "number" && Number.isInteger(v) && v >= 1 && v <= 9999 ? ok(v) : fail),
  },
];
