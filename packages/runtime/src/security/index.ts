/**
 * The app's HTTP safety, built once per server from the program (`app.security`, each route's
 * `rateLimit`) and the start-up settings, and used the same way by node:http and the Fastify
 * plugin:
 *
 * - before routing: the `Host` check (421) and CORS preflights (`answerPreflight`);
 * - on every response: security headers and CORS headers (`headersFor`);
 * - as pipeline stages (`withSecurityStages`): `crossOrigin` (refuses cross-origin writes, before
 *   anything else) and `rateLimit` (after `auth` when there is one, before the body is read).
 */
import type { IncomingHttpHeaders } from "node:http";
import type { Logger } from "pino";
import type { AppDefinition, AppEnv, CorsDefinition } from "../app.js";
import { StartupError } from "../data-sources.js";
import type { Exchange, StageOutcome } from "../exchange.js";
import type { Pipeline, PipelineStage } from "../pipeline.js";
import { ClientAddress, type TrustProxy } from "./client-address.js";
import { CorsError, CorsPolicy } from "./cors.js";
import { CrossOriginGuard } from "./csrf.js";
import { DEFAULT_HSTS_SECONDS, securityHeaderSets } from "./headers.js";
import { HostPolicy } from "./host.js";
import { MemoryRateStore } from "./rate-limit/memory-store.js";
import { RedisRateStore, type ScriptRunner } from "./rate-limit/redis-store.js";
import { RateLimiter } from "./rate-limit/stage.js";

export { ClientAddress, type TrustProxy } from "./client-address.js";
export { CorsError, CorsPolicy, exactOrigin } from "./cors.js";
export { HostPolicy } from "./host.js";
export { MemoryRateStore } from "./rate-limit/memory-store.js";
export { RATE_LIMITED } from "./rate-limit/stage.js";

export const HOST_NOT_ALLOWED = "urn:kova:problem:host-not-allowed";
export const CROSS_ORIGIN_REFUSED = "urn:kova:problem:cross-origin-refused";

/** Start-up settings (kova.config.json / environment / server options); all optional. */
export interface SecurityOptions {
  /** Host names the app answers (see host.ts); default depends on `production`. */
  allowedHosts?: readonly string[];
  /** NODE_ENV=production: without `allowedHosts`, any Host is answered (and start-up warns). */
  production?: boolean;
  /** The address the server listens on; allowed as a Host name by default outside production. */
  listenHost?: string;
  trustProxy?: TrustProxy;
  /** Strict-Transport-Security max-age on HTTPS requests; 0 turns it off. Default 180 days. */
  hstsSeconds?: number;
  /** Replaces the program's `CORS { … }` as a whole; `false` turns CORS off. */
  cors?: CorsDefinition | false;
  /** Refuse cross-origin state-changing requests (default true; cannot be off with cookie credentials). */
  crossOriginWrites?: "refuse" | "allow";
  /** Shares rate limits through Redis (a Redis data source's `evalScript`); default: this process only. */
  rateLimitScript?: ScriptRunner;
  /** Most keys the in-memory rate-limit store holds. Default 100 000. */
  rateLimitMaxKeys?: number;
}

/** A security setting that cannot be served safely: the app does not start. */
export class SecurityConfigError extends StartupError {}

export class HttpSecurity {
  readonly hosts: HostPolicy;
  readonly cors: CorsPolicy | undefined;
  readonly clientAddress: ClientAddress;
  private readonly headerSets: ReturnType<typeof securityHeaderSets>;
  private readonly guard: CrossOriginGuard | undefined;
  private readonly limiter: RateLimiter | undefined;
  /** Per origin: the security headers merged with its CORS headers (plain, TLS). */
  private readonly merged = new Map<string, [Readonly<Record<string, string>>, Readonly<Record<string, string>>]>();

  constructor(app: AppDefinition, env: AppEnv, options: SecurityOptions, log: Logger) {
    const production = options.production ?? false;
    this.hosts = options.allowedHosts !== undefined && options.allowedHosts.length > 0
      ? new HostPolicy(options.allowedHosts)
      : production ? new HostPolicy(["*"]) : HostPolicy.defaults(options.listenHost);
    if (!production && options.allowedHosts === undefined && (options.listenHost === "0.0.0.0" || options.listenHost === "::")) {
      log.warn(`listening on ${options.listenHost} without allowedHosts: only loopback Host names are answered (421 for others). Set allowedHosts in kova.config.json or KOVA_ALLOWED_HOSTS, or NODE_ENV=production (see docs/security.md)`);
    }
    if (production && options.allowedHosts === undefined) {
      log.warn("allowedHosts is not set: any Host name is answered. Set it in kova.config.json or KOVA_ALLOWED_HOSTS (see docs/security.md)");
    }
    try {
      this.clientAddress = new ClientAddress(options.trustProxy ?? false);
    } catch (error) {
      throw new SecurityConfigError((error as Error).message);
    }
    this.headerSets = securityHeaderSets(options.hstsSeconds ?? DEFAULT_HSTS_SECONDS);
    const corsDefinition = options.cors !== undefined ? options.cors || undefined : app.security?.cors?.(env);
    try {
      this.cors = corsDefinition === undefined ? undefined : new CorsPolicy(corsDefinition);
    } catch (error) {
      if (error instanceof CorsError) throw new SecurityConfigError(error.message);
      throw error;
    }
    const cookieAuth = app.security?.cookieAuth === true;
    if (options.crossOriginWrites === "allow" && cookieAuth) {
      throw new SecurityConfigError('crossOriginWrites cannot be "allow": an AUTH scheme reads credentials from a cookie, so cross-origin writes would be cross-site request forgery');
    }
    this.guard = options.crossOriginWrites === "allow" ? undefined : new CrossOriginGuard(this.cors, cookieAuth);
    const limited = app.security?.rateLimit !== undefined || app.routes.some((r) => r.rateLimit !== undefined);
    if (limited) {
      const memory = new MemoryRateStore(options.rateLimitMaxKeys);
      const shared = options.rateLimitScript === undefined ? undefined : new RedisRateStore(options.rateLimitScript);
      this.limiter = new RateLimiter(app.security?.rateLimit, memory, shared, log);
    }
  }

  /** The Host header names an allowed host. */
  hostAllowed(host: string | undefined): boolean {
    return this.hosts.allows(host);
  }

  hostRefusal(host: string | undefined): string {
    return host === undefined || host === ""
      ? "the request has no Host header"
      : `the host name ${JSON.stringify(host)} is not served here; add it to allowedHosts (kova.config.json or KOVA_ALLOWED_HOSTS)`;
  }

  /** Security and CORS headers for a response to a request with these headers; precomputed objects. */
  headersFor(headers: IncomingHttpHeaders, https: boolean): Readonly<Record<string, string>> {
    const origin = headers.origin;
    if (this.cors === undefined || origin === undefined) return https ? this.headerSets.tls : this.headerSets.plain;
    let pair = this.merged.get(origin);
    if (pair === undefined) {
      const cors = this.cors.responseHeaders(origin);
      pair = [Object.freeze({ ...this.headerSets.plain, ...cors }), Object.freeze({ ...this.headerSets.tls, ...cors })];
      // Only allowed origins are remembered, so a flood of made-up origins cannot grow the map.
      if (this.cors.allows(origin) && this.merged.size < 1000) this.merged.set(origin, pair);
    }
    return https ? pair[1] : pair[0];
  }

  /**
   * OPTIONS on a path that has routes: a CORS preflight when CORS is on and the request is one,
   * otherwise the plain `Allow` answer.
   */
  answerOptions(headers: IncomingHttpHeaders, allowed: readonly string[]): { status: number; headers: Record<string, string>; refused?: string } {
    const allow = allowed.join(", ");
    const origin = headers.origin;
    const requested = headers["access-control-request-method"];
    if (this.cors === undefined || origin === undefined || typeof requested !== "string") return { status: 204, headers: { allow } };
    const requestHeaders = headers["access-control-request-headers"];
    const answer = this.cors.preflight(origin, requested, typeof requestHeaders === "string" ? requestHeaders : undefined, allowed);
    return { status: answer.status, headers: { allow, ...answer.headers }, refused: answer.refused };
  }

  /** Adds the security stages to a pipeline (a stage already there by name is kept as is). */
  withStages(pipeline: Pipeline): Pipeline {
    let result = pipeline;
    const names = result.names;
    if (this.guard !== undefined && !names.includes("crossOrigin")) result = result.with(this.crossOriginStage(this.guard), { before: names[0] });
    if (this.limiter !== undefined && !names.includes("rateLimit")) {
      result = result.with(this.limiter.stage, result.names.includes("auth") ? { after: "auth" } : { before: "readBody" });
    }
    return result;
  }

  /**
   * Why a WebSocket upgrade from a browser page of another origin is refused, or undefined. A
   * handshake carries the user's cookies like a form post does, and the same-origin policy does
   * not cover WebSockets, so it is judged as a state-changing request (cross-site WebSocket hijacking).
   */
  socketOriginRefusal(headers: IncomingHttpHeaders): string | undefined {
    return this.guard?.check("POST", headers)?.replace("POST", "WebSocket connection");
  }

  private crossOriginStage(guard: CrossOriginGuard): PipelineStage {
    return {
      name: "crossOrigin",
      run(ex: Exchange): StageOutcome {
        const refused = guard.check(ex.method, ex.headers);
        return refused === undefined ? undefined : ex.problem(403, refused, CROSS_ORIGIN_REFUSED);
      },
    };
  }
}
