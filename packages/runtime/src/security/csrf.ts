/**
 * Refuses state-changing requests (POST, PUT, PATCH, DELETE) that a browser sent on behalf of a
 * page of another origin the app does not allow. CORS alone does not stop them: a "simple"
 * cross-origin request (a body-less POST, or a form post) runs on the server before the browser
 * looks at the CORS headers of the answer, so `POST /todos/1/done` from any web page the user
 * opens would run. See docs/security.md, "Cross-origin writes and CSRF".
 *
 * A request is from a browser page of another origin when `Sec-Fetch-Site` says `cross-site` or
 * `same-site`, or when its `Origin` header names another host. Clients that are not browsers
 * (curl, servers) send neither and are not affected. The origin is accepted when it is the app's
 * own (same host) or allowed by the CORS policy; with cookie credentials only an exactly listed
 * origin is (never `*`).
 */
import type { IncomingHttpHeaders } from "node:http";
import type { CorsPolicy } from "./cors.js";

const UNSAFE = new Set(["POST", "PUT", "PATCH", "DELETE"]);

export class CrossOriginGuard {
  constructor(private readonly cors: CorsPolicy | undefined, private readonly cookieAuth: boolean) {}

  /** Why the request is refused, or undefined when it may run. */
  check(method: string, headers: IncomingHttpHeaders): string | undefined {
    if (!UNSAFE.has(method)) return undefined;
    const site = headers["sec-fetch-site"];
    const origin = headers.origin;
    if (site === "same-origin" || site === "none") return undefined;
    if (origin === undefined) {
      // A browser always sends Origin with a cross-site POST; without it and without a cross-site
      // Sec-Fetch-Site, the request is not a cross-origin browser request.
      return site === "cross-site" || site === "same-site" ? `a cross-site ${method} without an Origin header is refused` : undefined;
    }
    if (origin === "null") return `a ${method} from an opaque origin ("null") is refused`;
    if (this.isOwnOrigin(origin, headers.host)) return undefined;
    if (this.cors !== undefined && (this.cookieAuth ? this.cors.listsExactly(origin) : this.cors.allows(origin))) return undefined;
    return `a cross-origin ${method} from ${origin} is refused: the origin is not allowed by the app's CORS policy`;
  }

  private isOwnOrigin(origin: string, host: string | undefined): boolean {
    if (host === undefined) return false;
    const schemeEnd = origin.indexOf("://");
    return schemeEnd !== -1 && origin.slice(schemeEnd + 3).toLowerCase() === host.toLowerCase();
  }
}
