/**
 * Standard codes: ISO regions, currencies, languages, IANA time zones (validated against the
 * platform's Intl data, the same in Node and browsers), and bank and book numbers with check digits.
 */
import { patternType, textType, type RichType } from "./rich-type.js";

const textual = { storage: "string", graphql: "String", ts: "string" } as const;

/** Intl.DisplayNames answers a code it does not know with the code itself (or "Unknown Region"). */
function knownName(type: "region" | "language" | "script", code: string): boolean {
  try {
    const name = new Intl.DisplayNames(["en"], { type, fallback: "code" }).of(code);
    return name !== undefined && name !== code && !/^Unknown/.test(name);
  } catch {
    return false;
  }
}

let currencies: Set<string> | undefined;
function isCurrency(code: string): boolean {
  currencies ??= new Set(Intl.supportedValuesOf("currency"));
  return currencies.has(code);
}

/** The digits of a currency's minor unit (2 for EUR, 0 for JPY), from Intl's ISO 4217 data. */
export function currencyDigits(code: string): number {
  return new Intl.NumberFormat("en", { style: "currency", currency: code }).resolvedOptions().maximumFractionDigits ?? 2;
}

export function canonicalCurrency(s: string): string | undefined {
  const code = s.toUpperCase();
  return /^[A-Z]{3}$/.test(code) && isCurrency(code) ? code : undefined;
}

function timezone(s: string): string | undefined {
  if (!/^[A-Za-z][A-Za-z0-9_+\-/]*$/.test(s)) return undefined;
  try {
    return new Intl.DateTimeFormat("en", { timeZone: s }).resolvedOptions().timeZone;
  } catch {
    return undefined;
  }
}

/** ISO 13616: two letters, two check digits, up to 30 letters or digits; mod 97 of the rearranged number is 1. */
function iban(s: string): string | undefined {
  const compact = s.replace(/\s+/g, "").toUpperCase();
  if (!/^[A-Z]{2}\d{2}[A-Z0-9]{11,30}$/.test(compact) || !knownName("region", compact.slice(0, 2))) return undefined;
  const digits = (compact.slice(4) + compact.slice(0, 4)).replace(/[A-Z]/g, (c) => String(c.charCodeAt(0) - 55));
  let rest = 0;
  for (const d of digits) rest = (rest * 10 + Number(d)) % 97;
  return rest === 1 ? compact : undefined;
}

/** ISBN-10 or ISBN-13 (hyphens and spaces allowed), always kept as the 13 digits of ISBN-13. */
function isbn(s: string): string | undefined {
  const compact = s.replace(/[\s-]/g, "").toUpperCase();
  if (/^\d{9}[\dX]$/.test(compact)) {
    const sum = [...compact].reduce((acc, c, i) => acc + (c === "X" ? 10 : Number(c)) * (10 - i), 0);
    if (sum % 11 !== 0) return undefined;
    const body = `978${compact.slice(0, 9)}`;
    return body + gtinCheckDigit(body);
  }
  return /^97[89]\d{10}$/.test(compact) && gtinCheckDigit(compact.slice(0, 12)) === compact[12] ? compact : undefined;
}

/** The GS1 check digit of a GTIN body (weights 3, 1 from the right). */
function gtinCheckDigit(body: string): string {
  let sum = 0;
  for (let i = 0; i < body.length; i++) sum += Number(body[body.length - 1 - i]) * (i % 2 === 0 ? 3 : 1);
  return String((10 - (sum % 10)) % 10);
}

function issn(s: string): string | undefined {
  const compact = s.replace(/[\s-]/g, "").toUpperCase();
  if (!/^\d{7}[\dX]$/.test(compact)) return undefined;
  const sum = [...compact.slice(0, 7)].reduce((acc, c, i) => acc + Number(c) * (8 - i), 0);
  const check = (11 - (sum % 11)) % 11;
  return (check === 10 ? "X" : String(check)) === compact[7] ? `${compact.slice(0, 4)}-${compact.slice(4)}` : undefined;
}

const WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"];
let units: Set<string> | undefined;

export const CODE_TYPES: RichType[] = [
  {
    name: "country", ...textual, orderable: true,
    description: "an ISO 3166-1 alpha-2 country or region code, upper case",
    expected: "an ISO 3166-1 alpha-2 country code", example: "DE",
    jsonSchema: { type: "string", pattern: "^[A-Z]{2}$" },
    check: textType((s) => (/^[A-Za-z]{2}$/.test(s) && knownName("region", s.toUpperCase()) ? s.toUpperCase() : undefined)),
  },
  {
    name: "currency", ...textual, orderable: true,
    description: "an ISO 4217 currency code, upper case",
    expected: "an ISO 4217 currency code", example: "EUR",
    jsonSchema: { type: "string", pattern: "^[A-Z]{3}$" },
    check: textType(canonicalCurrency),
  },
  {
    name: "language", ...textual, orderable: true,
    description: "an ISO 639 language code (two or three letters), lower case",
    expected: "an ISO 639 language code", example: "fr",
    jsonSchema: { type: "string", pattern: "^[a-z]{2,3}$" },
    check: textType((s) => (/^[A-Za-z]{2,3}$/.test(s) && knownName("language", s.toLowerCase()) ? s.toLowerCase() : undefined)),
  },
  {
    name: "locale", ...textual, orderable: true,
    description: "a BCP 47 language tag in canonical case (`en-us` becomes `en-US`)",
    expected: "a BCP 47 locale", example: "en-US",
    jsonSchema: { type: "string" },
    check: textType((s) => {
      try {
        return /^[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{1,8})*$/.test(s) ? Intl.getCanonicalLocales(s.replace(/_/g, "-"))[0] : undefined;
      } catch {
        return undefined;
      }
    }),
  },
  {
    name: "timezone", ...textual, orderable: true,
    description: "an IANA time zone name, in its canonical case (`europe/paris` becomes `Europe/Paris`)",
    expected: "an IANA time zone", example: "Europe/Paris",
    jsonSchema: { type: "string" },
    check: textType(timezone),
  },
  {
    name: "script", ...textual, orderable: true,
    description: "an ISO 15924 writing-system code, title case",
    expected: "an ISO 15924 script code", example: "Latn",
    jsonSchema: { type: "string", pattern: "^[A-Z][a-z]{3}$" },
    check: textType((s) => {
      const code = s.length === 4 ? s[0]!.toUpperCase() + s.slice(1).toLowerCase() : s;
      return /^[A-Z][a-z]{3}$/.test(code) && knownName("script", code) ? code : undefined;
    }),
  },
  {
    name: "unit", ...textual, orderable: true,
    description: "a measurement unit as ECMA-402 names it (`kilometer`, `celsius`, `megabyte`)",
    expected: "a measurement unit", example: "kilometer",
    jsonSchema: { type: "string" },
    check: textType((s) => {
      units ??= new Set(Intl.supportedValuesOf("unit"));
      return units.has(s.toLowerCase()) ? s.toLowerCase() : undefined;
    }),
  },
  {
    name: "weekday", ...textual, orderable: false,
    description: "a day of the week, in lower-case English (`monday` … `sunday`)",
    expected: "a weekday (monday … sunday)", example: "monday",
    jsonSchema: { type: "string", enum: WEEKDAYS },
    check: textType((s) => (WEEKDAYS.includes(s.toLowerCase()) ? s.toLowerCase() : undefined)),
  },
  {
    name: "iban", ...textual, orderable: true,
    description: "an International Bank Account Number, check digits verified, kept in its electronic form (no spaces, upper case)",
    expected: "an IBAN", example: "DE89370400440532013000",
    jsonSchema: { type: "string", pattern: "^[A-Z]{2}[0-9]{2}[A-Z0-9]{11,30}$" },
    check: textType(iban),
  },
  {
    name: "bic", ...textual, orderable: true,
    description: "a SWIFT/BIC code of 8 or 11 characters, upper case",
    expected: "a BIC (8 or 11 characters)", example: "DEUTDEFF",
    jsonSchema: { type: "string", pattern: "^[A-Z]{6}[A-Z0-9]{2}([A-Z0-9]{3})?$" },
    check: patternType(/^[A-Za-z]{6}[A-Za-z0-9]{2}(?:[A-Za-z0-9]{3})?$/, (s) => s.toUpperCase()),
  },
  {
    name: "isbn", ...textual, orderable: true,
    description: "an ISBN-10 or ISBN-13, check digit verified, kept as 13 digits",
    expected: "an ISBN", example: "9780306406157",
    jsonSchema: { type: "string", pattern: "^97[89][0-9]{10}$" },
    check: textType(isbn),
  },
  {
    name: "issn", ...textual, orderable: true,
    description: "an ISSN, check digit verified, as `NNNN-NNNC`",
    expected: "an ISSN", example: "0317-8471",
    jsonSchema: { type: "string", pattern: "^[0-9]{4}-[0-9]{3}[0-9X]$" },
    check: textType(issn),
  },
  {
    name: "ean", ...textual, orderable: true,
    description: "a GTIN / EAN barcode number (8, 12, 13 or 14 digits), check digit verified",
    expected: "a GTIN/EAN number", example: "4006381333931",
    jsonSchema: { type: "string", pattern: "^([0-9]{8}|[0-9]{12,14})$" },
    check: textType((s) => (/^(?:\d{8}|\d{12,14})$/.test(s) && gtinCheckDigit(s.slice(0, -1)) === s.slice(-1) ? s : undefined)),
  },
];

