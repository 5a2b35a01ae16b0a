/**
 * Conformance cases for every rich scalar type (@kova/query's rich-types registry): a value sent in
 * a loose form is stored and read back in the canonical one; a bad value is a 400 naming the field
 * with the expected form; the same value again is refused by UNIQUE (409), also when it is sent in
 * another spelling; `==` finds a row by any spelling; and an orderable type orders the same on
 * every driver. The program is generated from the registry, so a new type cannot skip its case.
 */
import { expectedForm, RICH_TYPES, type RichTypeRef } from "@kova/query";
import { Mismatch, type Api, type Case, type OwnProgram } from "./cases.js";

interface Sample {
  /** A value in a loose form, and its canonical form as stored. */
  raw: unknown;
  canonical: unknown;
  /** A value the type refuses. */
  bad: unknown;
  /** Distinct canonical values (ascending, for an orderable type). */
  values: unknown[];
}

const z = (c: string) => c.repeat(64);

/** One sample per registry type; the case for a type missing here fails (see richCases). */
export const RICH_SAMPLES: Readonly<Record<string, Sample>> = {
  email: { raw: "Ada@Example.COM", canonical: "ada@example.com", bad: "ada@", values: ["a@x.io", "b@x.io", "c@x.io"] },
  url: { raw: "HTTPS://Example.com", canonical: "https://example.com/", bad: "not a url", values: ["https://a.io/", "https://b.io/", "https://c.io/"] },
  phone: { raw: "+1 (415) 555-0100", canonical: "+14155550100", bad: "555-0100", values: ["+14155550101", "+442071838750", "+4930123456"] },
  slug: { raw: "Hello-World", canonical: "hello-world", bad: "hello world", values: ["alpha", "beta", "gamma"] },
  username: { raw: "Ada_L", canonical: "ada_l", bad: "a!", values: ["ann", "bob", "cyd"] },
  markdown: { raw: "a\r\nb", canonical: "a\nb", bad: 5, values: ["# A", "# B", "# C"] },
  html: { raw: '<p onclick="x()">hi<script>bad()</script></p>', canonical: "<p>hi</p>", bad: 5, values: ["<p>a</p>", "<p>b</p>"] },
  color: { raw: "#ABC", canonical: "#aabbcc", bad: "red", values: ["#000000", "#808080", "#ffffff"] },
  semver: { raw: "v1.2.3", canonical: "1.2.3", bad: "1.2", values: ["1.2.4", "1.10.0"] },
  ulid: { raw: "01arz3ndektsv4rrffq69g5fav", canonical: "01ARZ3NDEKTSV4RRFFQ69G5FAV", bad: "01ARZ3NDEKTSV4RRFFQ69G5FAU!", values: ["01ARZ3NDEKTSV4RRFFQ69G5FAA", "01ARZ3NDEKTSV4RRFFQ69G5FAB", "01BRZ3NDEKTSV4RRFFQ69G5FAV"] },
  nanoid: { raw: "V1StGXR8_Z5jdHi6B-myT", canonical: "V1StGXR8_Z5jdHi6B-myT", bad: "short", values: ["A".repeat(21), "B".repeat(21), "a".repeat(21)] },
  hex: { raw: "00FF", canonical: "00ff", bad: "0g", values: ["00", "0a", "ff"] },
  base64: { raw: "SGVsbG8=", canonical: "SGVsbG8=", bad: "SGVsbG8", values: ["V29ybGQ=", "Zm9v"] },
  sha256: { raw: z("A"), canonical: z("a"), bad: "abc", values: [z("0"), z("1"), z("f")] },
  json_pointer: { raw: "/a/b", canonical: "/a/b", bad: "a/b", values: ["/a", "/b", "/c"] },
  cron: { raw: "0  9 * * 1-5", canonical: "0 9 * * 1-5", bad: "61 * * * *", values: ["*/5 * * * *", "0 0 1 * *"] },
  ipv4: { raw: "192.0.2.10", canonical: "192.0.2.10", bad: "256.1.1.1", values: ["10.0.0.1", "10.0.0.2"] },
  ipv6: { raw: "2001:DB8:0:0:0:0:0:1", canonical: "2001:db8::1", bad: "2001:db8::g", values: ["::1", "fe80::1"] },
  ip: { raw: "::FFFF:1.2.3.4", canonical: "::ffff:1.2.3.4", bad: "1.2.3", values: ["1.2.3.5", "::2"] },
  cidr: { raw: "2001:DB8::/32", canonical: "2001:db8::/32", bad: "10.1.0.0/8", values: ["10.0.0.0/8", "192.168.0.0/16"] },
  mac: { raw: "08-00-2B-01-02-03", canonical: "08:00:2b:01:02:03", bad: "08:00:2b", values: ["08:00:2b:01:02:04", "08:00:2b:01:02:05"] },
  hostname: { raw: "API.Example.com.", canonical: "api.example.com", bad: "-bad-.com", values: ["a.example", "b.example", "c.example"] },
  domain: { raw: "Example.COM", canonical: "example.com", bad: "localhost", values: ["a.com", "b.com", "c.com"] },
  port: { raw: 8080, canonical: 8080, bad: 70000, values: [22, 80, 443] },
  mime: { raw: "Application/JSON", canonical: "application/json", bad: "json", values: ["application/pdf", "image/png", "text/plain"] },
  country: { raw: "de", canonical: "DE", bad: "ZZ", values: ["AT", "FR", "US"] },
  currency: { raw: "eur", canonical: "EUR", bad: "EURO", values: ["CHF", "GBP", "USD"] },
  language: { raw: "FR", canonical: "fr", bad: "xx", values: ["de", "en", "it"] },
  locale: { raw: "en_us", canonical: "en-US", bad: "123", values: ["de-DE", "en-GB", "fr-FR"] },
  timezone: { raw: "europe/paris", canonical: "Europe/Paris", bad: "Mars/Base", values: ["America/New_York", "Asia/Tokyo", "Europe/Berlin"] },
  script: { raw: "latn", canonical: "Latn", bad: "12ab", values: ["Arab", "Cyrl", "Grek"] },
  unit: { raw: "Kilometer", canonical: "kilometer", bad: "parsec", values: ["celsius", "liter", "meter"] },
  weekday: { raw: "Monday", canonical: "monday", bad: "funday", values: ["friday", "sunday"] },
  iban: { raw: "de89 3704 0044 0532 0130 00", canonical: "DE89370400440532013000", bad: "DE89370400440532013001", values: ["FR1420041010050500013M02606", "GB82WEST12345698765432"] },
  bic: { raw: "deutdeff", canonical: "DEUTDEFF", bad: "DEUT", values: ["BNPAFRPP", "COBADEFFXXX"] },
  isbn: { raw: "0-306-40615-2", canonical: "9780306406157", bad: "0-306-40615-3", values: ["9781861972712", "9781861978769"] },
  issn: { raw: "03178471", canonical: "0317-8471", bad: "0317-8472", values: ["0378-5955", "2049-3630"] },
  ean: { raw: "4006381333931", canonical: "4006381333931", bad: "4006381333932", values: ["5901234123457", "73513537"] },
  decimal: { raw: "12.50", canonical: 12.5, bad: 1.234, values: [-1.5, 2, 10.25] },
  money: { raw: { amount: "12.3", currency: "eur" }, canonical: "EUR 12.30", bad: "12.345 EUR", values: ["EUR 1.00", "JPY 100"] },
  percentage: { raw: 12.5, canonical: 12.5, bad: 101, values: [0, 50, 100] },
  latitude: { raw: 52.52, canonical: 52.52, bad: 91, values: [-10, 0, 48.85] },
  longitude: { raw: 13.405, canonical: 13.405, bad: 181, values: [-100, 0, 2.35] },
  coordinates: { raw: { lat: 52.52, lng: 13.405 }, canonical: "52.52,13.405", bad: "91,0", values: ["0,0", "48.85,2.35"] },
  year: { raw: 2025, canonical: 2025, bad: 0, values: [1999, 2000, 2024] },
  duration: { raw: "PT90M", canonical: "PT1H30M", bad: "1 hour", values: ["P1D", "PT2H"] },
  time: { raw: "09:30", canonical: "09:30:00", bad: "25:00", values: ["00:00:00", "12:00:00", "23:59:59"] },
  year_month: { raw: "2025-03", canonical: "2025-03", bad: "2025-13", values: ["2024-12", "2025-01", "2025-02"] },
  iso_week: { raw: "2025w09", canonical: "2025-W09", bad: "2021-W53", values: ["2024-W52", "2025-W01", "2025-W02"] },
};

const NAMES = [...RICH_TYPES.keys()];
const fieldOf = (name: string) => `f_${name}`;
const refOf = (name: string): RichTypeRef => (name === "decimal" ? { name, args: [10, 2] } : { name });
const typeOf = (name: string) => (name === "decimal" ? "decimal(10, 2)" : name);

/** One entity with a UNIQUE optional field of every rich type, and routes to find and order by each. */
const PROGRAM: OwnProgram = {
  name: "rich-types",
  source: [
    "ENTITY Thing {",
    "  grp: text INDEX",
    ...NAMES.map((n) => `  ${fieldOf(n)}: ${typeOf(n)}? UNIQUE`),
    "}",
    "POST /things { RESPOND 201 INSERT INTO Thing $body }",
    "GET /things/:id { RESPOND SELECT * FROM Thing WHERE id = $id }",
    "PATCH /things/:id { RESPOND UPDATE Thing SET $body WHERE id = $id }",
    "GET /things/:id/history { RESPOND HISTORY Thing WHERE id = $id }",
    ...NAMES.map((n) => `POST /find/${n} { RESPOND SELECT id FROM Thing WHERE ${fieldOf(n)} = $body.v }`),
    ...NAMES.map((n) => `POST /in/${n} { RESPOND SELECT id FROM Thing WHERE ${fieldOf(n)} IN $body.vs ORDER_BY id }`),
    ...NAMES.map((n) => `POST /as-of/${n} { RESPOND SELECT id, ${fieldOf(n)} FROM Thing AS OF $body.t WHERE ${fieldOf(n)} = $body.v }`),
    ...NAMES.filter((n) => RICH_TYPES.get(n)!.orderable).map((n) => `GET /g/:g/order/${n} { RESPOND SELECT ${fieldOf(n)} FROM Thing WHERE grp = $g ORDER_BY ${fieldOf(n)} DESC }`),
  ].join("\n"),
};

async function post(api: Api, body: Record<string, unknown>): Promise<any> {
  const r = await api.request("POST", "/things", body);
  if (r.status !== 201) throw new Mismatch(`POST /things ${JSON.stringify(body)}: status ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
}

function richCase(name: string): Case {
  const type = RICH_TYPES.get(name)!;
  const field = fieldOf(name);
  return {
    name: `rich types: ${name}`,
    program: PROGRAM,
    async run(api, check) {
      const sample = RICH_SAMPLES[name];
      if (sample === undefined) throw new Mismatch(`no conformance sample for the rich type ${name}`);
      const row = await post(api, { grp: name, [field]: sample.raw });
      check("stored in canonical form", row[field], sample.canonical);
      check("read back", (await api.request("GET", `/things/${row.id}`)).body[field], sample.canonical);
      const bad = await api.request("POST", "/things", { grp: name, [field]: sample.bad });
      const error = (bad.body?.errors ?? [])[0] ?? {};
      check("a bad value: 400 naming the field, the expected form and an example", [bad.status, error.field, String(error.message ?? bad.body?.detail).includes(expectedForm(refOf(name)))], [400, field, true]);
      const again = await api.request("POST", "/things", { grp: name, [field]: sample.raw });
      check("UNIQUE holds for the same value sent again", again.status, 409);
      check("= finds the row by the loose spelling", (await api.request("POST", `/find/${name}`, { v: sample.raw })).body, { id: row.id });
      const notOne = await api.request("POST", `/find/${name}`, { v: sample.bad });
      check("= with a value that is no value of the type: a 400 naming it", [notOne.status, notOne.body?.errors?.[0]?.field], [400, "v"]);
      const inList = (await api.request("POST", `/in/${name}`, { vs: [sample.raw, sample.values[0]] })).body as Array<{ id: number }>;
      check("IN finds the row by the loose spelling", inList.map((r) => r.id), [row.id]);
      const before = new Date().toISOString();
      await new Promise((r) => setTimeout(r, 15));
      const changed = await api.request("PATCH", `/things/${row.id}`, { [field]: sample.values[1] });
      check("an update stores the new value", [changed.status, changed.body?.[field]], [200, sample.values[1]]);
      const asOf = (await api.request("POST", `/as-of/${name}`, { t: before, v: sample.raw })).body;
      check("AS OF finds the old value by the loose spelling", asOf, { id: row.id, [field]: sample.canonical });
      const history = (await api.request("GET", `/things/${row.id}/history`)).body as Array<{ data: Record<string, unknown> }>;
      check("HISTORY keeps both values", history.map((h) => h.data[field]), [sample.canonical, sample.values[1]]);
      await api.request("PATCH", `/things/${row.id}`, { [field]: null });
      const group = `${name}-order`;
      for (const value of [...sample.values].reverse()) await post(api, { grp: group, [field]: value });
      if (type.orderable) {
        const ordered = (await api.request("GET", `/g/${group}/order/${name}`)).body as Array<Record<string, unknown>>;
        check("ORDER_BY … DESC", ordered.map((r) => r[field]), [...sample.values].reverse());
      }
    },
  };
}

export const RICH_TYPE_CASES: Case[] = NAMES.map(richCase);
