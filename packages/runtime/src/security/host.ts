/**
 * Which `Host` names the app answers. A server that answers any Host can be reached through a
 * name an attacker controls (DNS rebinding: a web page on evil.example resolves its own name to
 * 127.0.0.1 and talks to your `kova dev` server as a same-origin page). Others get a 421.
 *
 * - `allowedHosts` set (kova.config.json or KOVA_ALLOWED_HOSTS): exactly those names; `.example.com`
 *   also allows its subdomains; `*` allows any.
 * - not set, NODE_ENV=production: any name (the public name is not known here); start-up warns.
 * - not set otherwise (`kova dev`, tests): loopback names only, plus the address the server listens on.
 */
export class HostPolicy {
  private readonly exact: ReadonlySet<string>;
  private readonly suffixes: readonly string[];
  readonly any: boolean;

  constructor(patterns: readonly string[]) {
    const exact = new Set<string>();
    const suffixes: string[] = [];
    let any = false;
    for (const raw of patterns) {
      const pattern = raw.trim().toLowerCase();
      if (pattern === "") continue;
      if (pattern === "*") any = true;
      else if (pattern.startsWith(".")) {
        suffixes.push(pattern);
        exact.add(pattern.slice(1));
      } else exact.add(pattern);
    }
    this.exact = exact;
    this.suffixes = suffixes;
    this.any = any;
  }

  static defaults(listenHost: string | undefined): HostPolicy {
    const names = ["localhost", ".localhost", "127.0.0.1", "[::1]"];
    if (listenHost !== undefined && listenHost !== "0.0.0.0" && listenHost !== "::" && listenHost !== "") {
      names.push(listenHost.includes(":") && !listenHost.startsWith("[") ? `[${listenHost}]` : listenHost);
    }
    return new HostPolicy(names);
  }

  /** The last Host header found allowed: nearly every request repeats it, and then costs one comparison. */
  private lastAllowed: string | undefined;

  /** The Host header's name (without its port) is allowed. */
  allows(host: string | undefined): boolean {
    if (this.any || (host === this.lastAllowed && host !== undefined)) return true;
    if (host === undefined || host === "") return false;
    const name = hostName(host).toLowerCase();
    let allowed = this.exact.has(name);
    for (let i = 0; !allowed && i < this.suffixes.length; i++) allowed = name.endsWith(this.suffixes[i]);
    if (allowed) this.lastAllowed = host;
    return allowed;
  }
}

/** `example.com:8080` → `example.com`; `[::1]:3000` → `[::1]`. */
export function hostName(host: string): string {
  if (host.startsWith("[")) {
    const close = host.indexOf("]");
    return close === -1 ? host : host.slice(0, close + 1);
  }
  const colon = host.indexOf(":");
  return colon === -1 ? host : host.slice(0, colon);
}
