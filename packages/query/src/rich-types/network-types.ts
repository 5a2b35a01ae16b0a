/** Network rich types: addresses, ranges, host names, ports and media types. */
import ipaddr from "ipaddr.js";
import { fail, ok, patternType, textType, type RichResult, type RichType } from "./rich-type.js";

const textual = { storage: "string", graphql: "String", ts: "string" } as const;
const LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;

/**
 * A host name in canonical form — lower case, international names in punycode (as WHATWG URL
 * writes them), no trailing dot — or undefined when it is not one (RFC 1123 labels).
 */
export function canonicalHostname(s: string): string | undefined {
  if (s.length === 0 || s.length > 254 || !/^[^\s/?#@:[\]\\%]+$/.test(s)) return undefined;
  const bare = s.endsWith(".") ? s.slice(0, -1) : s;
  const host = plainAsciiHost(bare) ?? urlHost(bare);
  if (host === undefined || host.length > 253 || !host.split(".").every((l) => LABEL.test(l))) return undefined;
  // WHATWG URL turns "1.2" or "0x7f.1" into IPv4 addresses: a host name that reads as one is not a name.
  if (/^[0-9.]+$/.test(host) || host !== bare.toLowerCase() && /^[0-9a-fx.]+$/i.test(bare)) return undefined;
  return host;
}

/** A name of ASCII letters, digits, hyphens and dots: WHATWG URL would only lower-case it. */
const PLAIN_ASCII_NAME = /^[A-Za-z0-9.-]+$/;
/** A last label URL reads as a number (so the host as an IPv4 address): "example.123", "a.0x1f". */
const NUMERIC_LABEL = /(?:^|\.)(?:[0-9]+|0[xX][0-9a-fA-F]*)$/;

/**
 * The host URL would make of `bare`, without building a URL, for the common case (the e-mail
 * check of a validated body spent ~5% of a request in URL parsing). Undefined when URL must
 * decide: other characters, punycode labels (`xn--`, whose encoding URL verifies), or a
 * numeric last label (URL's IPv4 rules).
 */
function plainAsciiHost(bare: string): string | undefined {
  if (!PLAIN_ASCII_NAME.test(bare) || NUMERIC_LABEL.test(bare)) return undefined;
  const host = bare.toLowerCase();
  return host.startsWith("xn--") || host.includes(".xn--") ? undefined : host;
}

/** The host WHATWG URL makes of `bare` (lower case, international names in punycode), if any. */
function urlHost(bare: string): string | undefined {
  return URL.canParse(`http://${bare}`) ? new URL(`http://${bare}`).hostname : undefined;
}

/** An IPv4 address in dotted-decimal form (four parts, no leading zeros kept). */
function ipv4(s: string): string | undefined {
  return ipaddr.IPv4.isValidFourPartDecimal(s) ? ipaddr.IPv4.parse(s).toString() : undefined;
}

/** An IPv6 address as RFC 5952 writes it, IPv4-mapped ones as `::ffff:1.2.3.4` (as PostgreSQL does). */
function ipv6(s: string): string | undefined {
  if (!ipaddr.IPv6.isValid(s) || s.includes("%")) return undefined;
  const address = ipaddr.IPv6.parse(s);
  return address.isIPv4MappedAddress() ? `::ffff:${address.toIPv4Address().toString()}` : address.toRFC5952String();
}

function cidr(value: unknown): RichResult {
  if (typeof value !== "string") return fail;
  const slash = value.indexOf("/");
  if (slash < 0 || !/^\d{1,3}$/.test(value.slice(slash + 1))) return fail;
  const host = value.slice(0, slash);
  const bits = Number(value.slice(slash + 1));
  const v4 = ipv4(host);
  const v6 = v4 === undefined ? ipv6(host) : undefined;
  if (v4 === undefined && v6 === undefined) return fail;
  const parsed = ipaddr.parse((v4 ?? v6)!);
  if (bits > (v4 !== undefined ? 32 : 128)) return fail;
  // A network has no host bits set (10.1.0.0/8 is an address, not a range): as PostgreSQL's cidr.
  const network = v4 !== undefined ? ipaddr.IPv4.networkAddressFromCIDR(`${v4}/${bits}`) : ipaddr.IPv6.networkAddressFromCIDR(`${v6}/${bits}`);
  if (network.toString() !== parsed.toString()) return fail;
  return ok(`${v4 ?? v6}/${bits}`);
}

export const NETWORK_TYPES: RichType[] = [
  {
    name: "ipv4", ...textual, orderable: false, columns: () => ({ postgres: "inet" }),
    description: "an IPv4 address in dotted-decimal form",
    expected: "an IPv4 address", example: "192.0.2.10",
    jsonSchema: { type: "string", format: "ipv4" },
    check: textType(ipv4),
  },
  {
    name: "ipv6", ...textual, orderable: false, columns: () => ({ postgres: "inet" }),
    description: "an IPv6 address, written as RFC 5952 does (lower case, longest zero run as `::`)",
    expected: "an IPv6 address", example: "2001:db8::1",
    jsonSchema: { type: "string", format: "ipv6" },
    check: textType(ipv6),
  },
  {
    name: "ip", ...textual, orderable: false, columns: () => ({ postgres: "inet" }),
    description: "an IPv4 or IPv6 address, in the canonical form of either",
    expected: "an IP address (IPv4 or IPv6)", example: "192.0.2.10",
    jsonSchema: { anyOf: [{ type: "string", format: "ipv4" }, { type: "string", format: "ipv6" }] },
    check: textType((s) => ipv4(s) ?? ipv6(s)),
  },
  {
    name: "cidr", ...textual, orderable: false, columns: () => ({ postgres: "cidr" }),
    description: "an IP network as address/prefix length, with no host bits set",
    expected: "an IP network in CIDR form (no host bits set)", example: "10.0.0.0/8",
    jsonSchema: { type: "string" },
    check: cidr,
  },
  {
    name: "mac", ...textual, orderable: false, columns: () => ({ postgres: "macaddr" }),
    description: "a MAC-48 address, as six lower-case hex pairs joined by `:` (`-`, `.` and bare forms are accepted)",
    expected: "a MAC address", example: "08:00:2b:01:02:03",
    jsonSchema: { type: "string", pattern: "^([0-9a-f]{2}:){5}[0-9a-f]{2}$" },
    check: patternType(/^(?:[0-9A-Fa-f]{2}([:-])(?:[0-9A-Fa-f]{2}\1){4}[0-9A-Fa-f]{2}|[0-9A-Fa-f]{4}\.[0-9A-Fa-f]{4}\.[0-9A-Fa-f]{4}|[0-9A-Fa-f]{12})$/, (s) => {
      const hex = s.replace(/[:.-]/g, "").toLowerCase();
      return hex.match(/../g)!.join(":");
    }),
  },
  {
    name: "hostname", ...textual, orderable: true,
    description: "a DNS host name, lower case, international names in punycode",
    expected: "a host name", example: "api.example.com",
    jsonSchema: { type: "string", format: "hostname" },
    check: textType(canonicalHostname),
  },
  {
    name: "domain", ...textual, orderable: true,
    description: "a domain name with a top-level domain, lower case, international names in punycode",
    expected: "a domain name", example: "example.com",
    jsonSchema: { type: "string", format: "hostname" },
    check: textType((s) => {
      const host = canonicalHostname(s);
      return host !== undefined && /\.(?:[a-z]{2,63}|xn--[a-z0-9-]+)$/.test(host) ? host : undefined;
    }),
  },
  {
    name: "port", storage: "int", graphql: "Int", ts: "number", orderable: true,
    description: "a TCP/UDP port number, 1 to 65535",
    expected: "a port number (1-65535)", example: 8080,
    jsonSchema: { type: "integer", minimum: 1, maximum: 65535 },
    check: (v) => (typeof v === "number" && Number.isInteger(v) && v >= 1 && v <= 65535 ? ok(v) : fail),
  },
  {
    name: "mime", ...textual, orderable: true,
    description: "a media type `type/subtype`, lower case, without parameters",
    expected: "a media type (type/subtype)", example: "application/json",
    jsonSchema: { type: "string", pattern: "^[a-z0-9][a-z0-9!#$&^_.+-]*/[a-z0-9][a-z0-9!#$&^_.+-]*$" },
    check: patternType(/^[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}\/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}$/, (s) => s.toLowerCase()),
  },
];
