import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { checkFieldValue, checkRich, QueryError, RICH_TYPES, richColumn, type FieldSchema } from "../src/index.js";

/** For each type: values it accepts with their canonical form, and values it refuses. */
const CASES: Record<string, { good: Array<[unknown, unknown]>; bad: unknown[] }> = {
  email: { good: [["Ada@Example.COM", "ada@example.com"], ["a.b+c@sub.example.org", "a.b+c@sub.example.org"]], bad: ["ada", "ada@", "@x.io", "a b@x.io", "a@localhost", 5] },
  url: { good: [["HTTPS://Example.com", "https://example.com/"], ["http://x.io/a?b=1#c", "http://x.io/a?b=1#c"]], bad: ["/relative", "not a url", 1] },
  phone: { good: [["+1 (415) 555-0100", "+14155550100"], ["0044 20 7183 8750", "+442071838750"]], bad: ["555-0100", "+0123456789", "+1234", "+1234567890123456"] },
  slug: { good: [["Hello-World", "hello-world"], ["a1", "a1"]], bad: ["-a", "a--b", "a b", "é"] },
  username: { good: [["Ada_L", "ada_l"]], bad: ["ab", "_ada", "a".repeat(33)] },
  markdown: { good: [["a\r\nb\rc", "a\nb\nc"]], bad: [1, null] },
  html: { good: [['<a href="javascript:alert(1)" onclick="x()">x</a><img src=x onerror=alert(1)>', "<a href>x</a><img src>"], ["<b>ok</b>", "<b>ok</b>"]], bad: [1] },
  color: { good: [["#ABC", "#aabbcc"], ["#11223344", "#11223344"], ["#abcd", "#aabbccdd"]], bad: ["red", "#12", "#1234567"] },
  semver: { good: [["v1.2.3", "1.2.3"], ["1.0.0-rc.1+build.5", "1.0.0-rc.1+build.5"]], bad: ["1.2", "01.2.3", "1.2.3-"] },
  ulid: { good: [["01arz3ndektsv4rrffq69g5fav", "01ARZ3NDEKTSV4RRFFQ69G5FAV"]], bad: ["81ARZ3NDEKTSV4RRFFQ69G5FAV", "01ARZ3NDEKTSV4RRFFQ69G5FAI"] },
  nanoid: { good: [["V1StGXR8_Z5jdHi6B-myT", "V1StGXR8_Z5jdHi6B-myT"]], bad: ["V1StGXR8_Z5jdHi6B-my", "V1StGXR8_Z5jdHi6B-my!"] },
  hex: { good: [["00FF", "00ff"], ["", ""]], bad: ["0", "zz"] },
  base64: { good: [["SGVsbG8=", "SGVsbG8="]], bad: ["SGVsbG8", "SGV$bG8="] },
  sha256: { good: [["E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"]], bad: ["abc"] },
  json_pointer: { good: [["", ""], ["/a~1b/0", "/a~1b/0"]], bad: ["a", "/a~2"] },
  cron: { good: [["0  9 * * 1-5", "0 9 * * 1-5"], ["*/15 0,12 1-7 * 0", "*/15 0,12 1-7 * 0"]], bad: ["60 * * * *", "* * * *", "5-1 * * * *", "*/0 * * * *"] },
  ipv4: { good: [["192.0.2.10", "192.0.2.10"]], bad: ["256.0.0.1", "1.2.3", "01.2.3.4", "::1"] },
  ipv6: { good: [["2001:DB8:0:0:1:0:0:1", "2001:db8::1:0:0:1"], ["::FFFF:1.2.3.4", "::ffff:1.2.3.4"]], bad: ["1.2.3.4", "2001:db8::g", "fe80::1%eth0"] },
  ip: { good: [["10.0.0.1", "10.0.0.1"], ["0:0:0:0:0:0:0:1", "::1"]], bad: ["10.0.0.256", "x"] },
  cidr: { good: [["10.0.0.0/8", "10.0.0.0/8"], ["2001:DB8::/32", "2001:db8::/32"], ["10.0.0.1/32", "10.0.0.1/32"]], bad: ["10.0.0.1/8", "10.0.0.0/33", "10.0.0.0"] },
  mac: { good: [["08-00-2B-01-02-03", "08:00:2b:01:02:03"], ["0800.2b01.0203", "08:00:2b:01:02:03"], ["08002b010203", "08:00:2b:01:02:03"]], bad: ["08:00:2b:01:02", "08:00-2b:01:02:03"] },
  hostname: { good: [["API.Example.com.", "api.example.com"], ["localhost", "localhost"], ["bücher.de", "xn--bcher-kva.de"]], bad: ["-a.com", "a_b.com", "a..b", "1.2.3.4", "a/b"] },
  domain: { good: [["Example.COM", "example.com"]], bad: ["localhost", "example.123"] },
  port: { good: [[443, 443]], bad: [0, 65536, 1.5, "443"] },
  mime: { good: [["Text/HTML", "text/html"], ["application/vnd.api+json", "application/vnd.api+json"]], bad: ["text", "text/html; charset=utf-8"] },
  country: { good: [["de", "DE"]], bad: ["ZZ", "DEU", "D"] },
  currency: { good: [["eur", "EUR"]], bad: ["EURO", "ZZZ"] },
  language: { good: [["FR", "fr"], ["haw", "haw"]], bad: ["xx", "f"] },
  locale: { good: [["en_us", "en-US"], ["zh-hant-tw", "zh-Hant-TW"]], bad: ["123", "e"] },
  timezone: { good: [["europe/paris", "Europe/Paris"], ["UTC", "UTC"]], bad: ["Mars/Base", "Europe/"] },
  script: { good: [["latn", "Latn"]], bad: ["Lat", "12ab"] },
  unit: { good: [["Kilometer", "kilometer"]], bad: ["parsec"] },
  weekday: { good: [["Sunday", "sunday"]], bad: ["sun"] },
  iban: { good: [["gb82 west 1234 5698 7654 32", "GB82WEST12345698765432"]], bad: ["GB82WEST12345698765433", "XX82WEST12345698765432"] },
  bic: { good: [["cobadeffxxx", "COBADEFFXXX"]], bad: ["COBADEF", "1OBADEFF"] },
  isbn: { good: [["0-306-40615-2", "9780306406157"], ["978-0-306-40615-7", "9780306406157"], ["0-8044-2957-X", "9780804429573"]], bad: ["0-306-40615-3", "9780306406158"] },
  issn: { good: [["2049-3630", "2049-3630"], ["1000002x", "1000-002X"]], bad: ["2049-3631"] },
  ean: { good: [["4006381333931", "4006381333931"], ["73513537", "73513537"]], bad: ["4006381333932", "123"] },
  decimal: { good: [["12.50", 12.5], [-99999.99, -99999.99], [0, 0]], bad: [1.234, 100000, "1e3", "abc"] },
  money: { good: [[{ amount: "12.3", currency: "eur" }, "EUR 12.30"], ["100 JPY", "JPY 100"], ["USD -0.5", "USD -0.50"], [{ amount: 7, currency: "KWD" }, "KWD 7.000"]], bad: ["12.345 EUR", "12 ZZZ", { amount: "1", currency: "EUR", extra: 1 }, "12"] },
  percentage: { good: [[12.5, 12.5], [0, 0], [100, 100]], bad: [-1, 100.1, "5"] },
  latitude: { good: [[-90, -90]], bad: [90.5] },
  longitude: { good: [[180, 180]], bad: [-181] },
  coordinates: { good: [["52.52, 13.405", "52.52,13.405"], [[1.123456789, 2], "1.1234568,2"], [{ latitude: -1, longitude: 3 }, "-1,3"]], bad: ["91,0", "0,181", "a,b", [1]] },
  year: { good: [[2025, 2025]], bad: [0, 10000, 2025.5] },
  duration: { good: [["PT90M", "PT1H30M"], ["P1Y14M", "P2Y2M"], ["P2W", "P14D"], ["PT0S", "PT0S"], ["pt1.5s", "PT1.5S"], ["P1DT25H", "P1DT25H"]], bad: ["P", "PT", "1 hour", "P-1D"] },
  time: { good: [["09:30", "09:30:00"], ["23:59:59.500", "23:59:59.5"]], bad: ["24:00", "9:30", "12:60"] },
  year_month: { good: [["2025-03", "2025-03"]], bad: ["2025-13", "2025-3", "0000-01"] },
  iso_week: { good: [["2025w09", "2025-W09"], ["2020-W53", "2020-W53"]], bad: ["2021-W53", "2025-W00", "2025-W54"] },
};

test("rich types: the registry has at least 49 types, each with a case here", () => {
  assert.ok(RICH_TYPES.size >= 49, `${RICH_TYPES.size} types`);
  assert.deepEqual([...RICH_TYPES.keys()].filter((n) => CASES[n] === undefined), []);
});

for (const [name, { good, bad }] of Object.entries(CASES)) {
  test(`rich types: ${name} accepts its values in canonical form and refuses others`, () => {
    const ref = name === "decimal" ? { name, args: [7, 2] } : { name };
    for (const [value, canonical] of good) {
      assert.deepEqual(checkRich(ref, value), { ok: true, value: canonical }, `${JSON.stringify(value)}`);
      // The canonical form is a fixed point: checking it again changes nothing.
      assert.deepEqual(checkRich(ref, canonical), { ok: true, value: canonical }, `canonical ${JSON.stringify(canonical)}`);
    }
    for (const value of bad) assert.equal(checkRich(ref, value).ok, false, `${JSON.stringify(value)} should be refused`);
    const type = RICH_TYPES.get(name)!;
    if (type.arity === undefined) assert.deepEqual(checkRich(ref, type.example), { ok: true, value: type.example }, "the example is valid and canonical");
  });
}

test("rich types: an entity write stores the canonical form, a bad value is a 400 naming the field with an example", () => {
  const phone: FieldSchema = { name: "mobile", type: "string", optional: true, unique: false, index: false, rich: { name: "phone" } };
  assert.equal(checkFieldValue(phone, "+1 415 555 0100"), "+14155550100");
  assert.equal(checkFieldValue(phone, null), null);
  assert.throws(
    () => checkFieldValue(phone, "555"),
    (e: unknown) => e instanceof QueryError && e.status === 400 && e.field === "mobile" && e.message === 'field "mobile" must be a phone number in international E.164 form, e.g. "+14155550100", got "555"',
  );
  const price: FieldSchema = { name: "price", type: "decimal", optional: false, unique: false, index: false, rich: { name: "decimal", args: [5, 2] } };
  assert.equal(checkFieldValue(price, "10.10"), 10.1);
  assert.throws(() => checkFieldValue(price, 1000), /at most 5 digits, 2 after the point/);
});

test("rich types: native columns on PostgreSQL and MariaDB", () => {
  assert.equal(richColumn({ name: "ip" }, "postgres"), "inet");
  assert.equal(richColumn({ name: "cidr" }, "postgres"), "cidr");
  assert.equal(richColumn({ name: "mac" }, "postgres"), "macaddr");
  assert.equal(richColumn({ name: "duration" }, "postgres"), "interval");
  assert.equal(richColumn({ name: "decimal", args: [10, 2] }, "postgres"), "numeric(10, 2)");
  assert.equal(richColumn({ name: "decimal", args: [10, 2] }, "mysql"), "DECIMAL(10, 2)");
  assert.equal(richColumn({ name: "ip" }, "cockroach"), undefined);
  assert.equal(richColumn({ name: "phone" }, "postgres"), undefined);
});

// The checks must run in the VM and in a browser: no Node built-in in the registry, nor in the
// libraries it uses (xss, ipaddr.js).
test("rich types: the registry and its libraries import no Node built-ins", () => {
  const here = dirname(fileURLToPath(import.meta.url));
  const folder = join(here, "..", "..", "src", "rich-types");
  const imports = (source: string) => [...source.matchAll(/(?:from\s+|require\()\s*["']([^"']+)["']/g)].map((m) => m[1]!);
  const allowed = new Set(["xss", "ipaddr.js"]);
  for (const file of readdirSync(folder).filter((f) => f.endsWith(".ts"))) {
    for (const spec of imports(readFileSync(join(folder, file), "utf8"))) {
      assert.ok(spec.startsWith("./") || spec.startsWith("../plan.js") || allowed.has(spec), `${file} imports ${spec}`);
    }
  }
  const require = createRequire(import.meta.url);
  const builtins = new Set(["fs", "path", "crypto", "os", "http", "https", "net", "child_process", "stream", "util", "buffer", "url"]);
  for (const lib of ["xss", "cssfilter", "ipaddr.js"]) {
    const root = dirname(require.resolve(`${lib}/package.json`));
    const sources = readdirSync(join(root, "lib")).filter((f) => f.endsWith(".js"));
    for (const file of sources) {
      for (const spec of imports(readFileSync(join(root, "lib", file), "utf8"))) {
        assert.ok(!builtins.has(spec.replace(/^node:/, "")), `${lib}/lib/${file} requires ${spec}`);
      }
    }
  }
});

test("rich types: @kova/query/rich-types bundles for a browser and runs there", async () => {
  const { build } = await import("esbuild");
  const here = dirname(fileURLToPath(import.meta.url));
  const out = await build({
    stdin: { contents: 'import { checkRich } from "@kova/query/rich-types"; globalThis.result = checkRich({ name: "phone" }, "+1 415 555 0100");', resolveDir: here },
    bundle: true,
    platform: "browser",
    format: "esm",
    write: false,
    logLevel: "silent",
  });
  const code = out.outputFiles[0]!.text;
  await import(`data:text/javascript,${encodeURIComponent(code)}`);
  assert.deepEqual((globalThis as { result?: unknown }).result, { ok: true, value: "+14155550100" });
});

test("rich types: host names and e-mail domains read without URL agree with WHATWG URL", () => {
  // The reference: what `hostname` and `email` held when every host went through WHATWG URL.
  const LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;
  const viaUrl = (s: string): string | undefined => {
    if (s.length === 0 || s.length > 254 || !/^[^\s/?#@:[\]\\%]+$/.test(s)) return undefined;
    const bare = s.endsWith(".") ? s.slice(0, -1) : s;
    if (!URL.canParse(`http://${bare}`)) return undefined;
    const host = new URL(`http://${bare}`).hostname;
    if (host.length > 253 || !host.split(".").every((l) => LABEL.test(l))) return undefined;
    if (/^[0-9.]+$/.test(host) || (host !== bare.toLowerCase() && /^[0-9a-fx.]+$/i.test(bare))) return undefined;
    return host;
  };
  const hostname = (s: string) => {
    const r = checkRich({ name: "hostname" }, s);
    return r.ok ? r.value : undefined;
  };
  const edges = [
    "Example.COM", "example.com.", "a..b", ".a.com", "a.com..", "example.123", "example.0x1f", "a.0X", "0x.com",
    "1.2", "0x7f.1", "127.0.0.1", "xn--bcher-kva.example", "XN--BCHER-KVA.example", "a.xn--zz", "xn--", "axn--b.com",
    "-a.com", "a-.com", "a--b.com", `${"a".repeat(63)}.com`, `${"a".repeat(64)}.com`, "münchen.de", "a_b.com", "123abc.com",
  ];
  for (const s of edges) assert.equal(hostname(s), viaUrl(s), `hostname ${JSON.stringify(s)}`);
  // Random names over the characters where the two paths could differ.
  const alphabet = "aAzZ09x-.X";
  let seed = 7;
  const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  for (let i = 0; i < 20_000; i++) {
    let s = "";
    const length = 1 + Math.floor(next() * 12);
    for (let j = 0; j < length; j++) s += alphabet[Math.floor(next() * alphabet.length)];
    assert.equal(hostname(s), viaUrl(s), `hostname ${JSON.stringify(s)}`);
  }
  const email = checkRich({ name: "email" }, "Ada@Sub.Example.ORG");
  assert.deepEqual(email, { ok: true, value: "ada@sub.example.org" });
});
