/**
 * The client's address for `BY ip` rate limits and for telling HTTPS requests apart. The socket's
 * peer is the client unless the operator says proxies stand in front (`trustProxy`): only then are
 * `X-Forwarded-For` / `X-Forwarded-Proto` read, since any client can send them.
 */
import { BlockList, isIP } from "node:net";
import type { IncomingHttpHeaders } from "node:http";

/** `false`: no proxy; a number: that many proxy hops; a list: the proxies' addresses or CIDR ranges. */
export type TrustProxy = false | number | readonly string[];

export class ClientAddress {
  private readonly hops: number;
  private readonly trusted: BlockList | undefined;

  constructor(readonly trust: TrustProxy) {
    this.hops = typeof trust === "number" ? trust : 0;
    if (Array.isArray(trust)) {
      const list = new BlockList();
      for (const entry of trust as readonly string[]) addTrusted(list, entry);
      this.trusted = list;
    }
  }

  get trustsProxies(): boolean {
    return this.hops > 0 || this.trusted !== undefined;
  }

  /** The client's address: the peer, or the right-most address in X-Forwarded-For not added by a trusted proxy. */
  of(peer: string | undefined, headers: IncomingHttpHeaders): string {
    const direct = normalize(peer ?? "");
    if (!this.trustsProxies || (this.trusted !== undefined && !isTrusted(this.trusted, direct))) return direct;
    const forwarded = headers["x-forwarded-for"];
    if (forwarded === undefined) return direct;
    const chain = (Array.isArray(forwarded) ? forwarded.join(",") : forwarded).split(",").map((a) => normalize(a.trim())).filter((a) => a !== "");
    if (this.trusted === undefined) {
      // n hops: the n-th address from the right was written by the outermost trusted proxy.
      return chain[Math.max(0, chain.length - this.hops)] ?? direct;
    }
    for (let i = chain.length - 1; i >= 0; i--) {
      if (!isTrusted(this.trusted, chain[i])) return chain[i];
    }
    return chain[0] ?? direct;
  }

  /** The request came over TLS: its own socket, or (only from a trusted proxy) X-Forwarded-Proto says so. */
  isHttps(encrypted: boolean, peer: string | undefined, headers: IncomingHttpHeaders): boolean {
    if (encrypted) return true;
    if (!this.trustsProxies) return false;
    if (this.trusted !== undefined && !isTrusted(this.trusted, normalize(peer ?? ""))) return false;
    const proto = headers["x-forwarded-proto"];
    return typeof proto === "string" && proto.split(",")[0].trim().toLowerCase() === "https";
  }
}

function addTrusted(list: BlockList, entry: string): void {
  const slash = entry.indexOf("/");
  const address = slash === -1 ? entry : entry.slice(0, slash);
  const family = isIP(address);
  if (family === 0) throw new Error(`trustProxy: "${entry}" is not an IP address or CIDR range`);
  const type = family === 6 ? "ipv6" : "ipv4";
  if (slash === -1) list.addAddress(address, type);
  else {
    const prefix = Number(entry.slice(slash + 1));
    if (!Number.isInteger(prefix) || prefix < 0 || prefix > (family === 6 ? 128 : 32)) throw new Error(`trustProxy: "${entry}" has a bad prefix length`);
    list.addSubnet(address, prefix, type);
  }
}

function isTrusted(list: BlockList, address: string): boolean {
  const family = isIP(address);
  return family !== 0 && list.check(address, family === 6 ? "ipv6" : "ipv4");
}

/** `::ffff:1.2.3.4` (IPv4 on a dual-stack socket) is `1.2.3.4`. */
function normalize(address: string): string {
  return address.startsWith("::ffff:") && isIP(address.slice(7)) === 4 ? address.slice(7) : address;
}
