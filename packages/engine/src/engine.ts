/**
 * `kova engine`: one HTTP server for many tenants. The server is the runtime's (createServer with
 * the engine's admin API as its app, so `/_engine/*`, `/_kova/health` and `/_kova/metrics` go
 * through the runtime's pipeline); requests under `/t/<tenant>/` (or to `<tenant>.<domain>` when a
 * domain is configured) are handed to that tenant's TenantHost, which runs the runtime's pipeline
 * for the tenant's program with every handler on the VM.
 */
import { randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { join } from "node:path";
import type { AddressInfo } from "node:net";
import { pino, type Logger } from "pino";
import { createServer, Metrics, type KovaServer } from "@kova/runtime";
import { ExecutionPool, publicKeyFromPem, readKeyPair, signingKeyFromPem, type SigningKey } from "@kova/vm";
import { readFileSync } from "node:fs";
import { adminApi, TENANT_NAME } from "./admin-api.js";
import type { CompileOptions } from "./compile-program.js";
import type { EngineConfig } from "./config.js";
import { EngineMetrics } from "./metrics.js";
import { ProgramCache } from "./program-cache.js";
import { RedisSync, type Activation } from "./redis-sync.js";
import { openStore } from "./store/open-store.js";
import type { EngineStore, StoredProgram, VersionRecord } from "./store/store.js";
import { TenantHost } from "./tenant-host.js";

/** How long an unknown tenant name is remembered as unknown before the store is asked again. */
const UNKNOWN_TENANT_MS = 2_000;
/** Most unknown names remembered: requests for made-up names must not grow the process without bound. */
const UNKNOWN_TENANTS_KEPT = 10_000;

export class Engine {
  readonly node = randomUUID();
  private readonly hosts = new Map<string, TenantHost>();
  private readonly unknown = new Map<string, number>();
  /** Tenants whose program this node could not load (refused, or its store would not open), until when. */
  private readonly failed = new Map<string, number>();
  /** Deploys and rollbacks of one tenant run one at a time on a node. */
  private readonly deploying = new Map<string, Promise<unknown>>();
  /** Switches to a tenant's newest version, one at a time per tenant (see sync). */
  private readonly syncing = new Map<string, Promise<void>>();
  private inFlight = 0;
  private server: KovaServer | undefined;
  private draining = false;

  private constructor(
    readonly config: EngineConfig,
    readonly store: EngineStore,
    readonly signingKey: SigningKey,
    readonly cache: ProgramCache,
    readonly log: Logger,
    readonly metrics: EngineMetrics,
    private readonly sync: RedisSync | undefined,
    /** The worker threads tenants' executions run on (config.workers); none: the main thread. */
    readonly pool: ExecutionPool | undefined,
  ) {}

  static async start(config: EngineConfig): Promise<Engine> {
    const log = pino({ name: "kova-engine", level: config.logLevel });
    const signingKey = config.signingKeyFile === undefined ? readKeyPair(config.dataDir, {}).key : signingKeyFromPem(readFileSync(config.signingKeyFile, "utf8"));
    // Programs signed by earlier keys stay loadable while their public halves are listed.
    const trusted = [signingKey.publicKey, ...config.trustedKeyFiles.map((f) => publicKeyFromPem(readFileSync(f, "utf8")))];
    const store = await openStore({ pgUrl: config.pgUrl, pgSchema: config.pgSchema, dataDir: config.dataDir });
    let engine: Engine | undefined;
    const sync = config.redisUrl === undefined ? undefined : await RedisSync.connect(config.redisUrl, config.redisPrefix, (a) => void engine?.activated(a));
    const metrics = new EngineMetrics();
    const cache = new ProgramCache(store, trusted, join(config.dataDir, "modules"), sync);
    cache.onLookup = (level) => metrics.lookup(level);
    const pool = config.workers === 0 ? undefined : new ExecutionPool({
      size: config.workers,
      memoryMb: config.workerMemoryMb,
      inlineCheap: config.inlineCheap,
      onWorkerLost: (cause, detail) => {
        metrics.workerLost(cause);
        log.warn({ cause, detail }, "a worker thread died and was replaced");
      },
    });
    if (pool !== undefined) metrics.watchPool(pool.executions);
    engine = new Engine(config, store, signingKey, cache, log, metrics, sync, pool);
    try {
      await engine.loadTenants();
      await engine.listen();
    } catch (error) {
      await pool?.close();
      throw error;
    }
    return engine;
  }

  get url(): string {
    return this.server!.url;
  }

  /** Tenants' entities on PostgreSQL: every program gets the engine's CONNECT (a placeholder address; tenant-host.ts places it). */
  get compileOptions(): CompileOptions {
    return this.config.tenantData.kind === "postgres" ? { dataSource: 'CONNECT tenant USING postgres("engine")' } : {};
  }

  servingHash(tenant: string): string | undefined {
    return this.hosts.get(tenant)?.hash;
  }

  /** Every tenant with a version serves its newest one from the start. */
  private async loadTenants(): Promise<void> {
    for (const tenant of await this.store.tenants()) {
      const [latest] = await this.store.versions(tenant.name);
      if (latest === undefined) continue;
      await this.activate(tenant.name, latest.hash).catch((error: unknown) => this.log.error({ err: error, tenant: tenant.name }, "cannot serve the tenant's program"));
    }
  }

  private async listen(): Promise<void> {
    const runtimeMetrics = await Metrics.create();
    this.server = createServer(adminApi(this), {
      logger: this.log,
      compression: true,
      metrics: runtimeMetrics,
      metricsToken: this.config.adminKey,
      shutdownTimeoutMs: this.config.shutdownTimeoutMs,
      apiDocs: { openapi: false, docs: false },
      security: this.config.allowedHosts === undefined ? undefined : { allowedHosts: this.config.allowedHosts },
      timeouts: { keepAliveTimeout: this.config.keepAliveMs },
    });
    // The runtime's handler answers the engine's own routes; tenants' requests are routed first.
    const http = this.server.server;
    const engineRoutes = http.listeners("request")[0] as (req: IncomingMessage, res: ServerResponse) => void;
    http.removeAllListeners("request");
    http.on("request", (req: IncomingMessage, res: ServerResponse) => this.route(req, res, engineRoutes));
    const address: AddressInfo = await this.server.listen(this.config.port, this.config.host);
    this.log.info({ port: address.port, store: this.store.kind, redis: this.sync !== undefined, workers: this.pool?.size ?? 0, node: this.node }, "kova engine listening");
  }

  private route(req: IncomingMessage, res: ServerResponse, engineRoutes: (req: IncomingMessage, res: ServerResponse) => void): void {
    const target = this.tenantOf(req);
    if (target === undefined) return engineRoutes(req, res);
    const host = this.hosts.get(target.tenant);
    if (host === undefined || host.hash === undefined) {
      void this.lookUp(target.tenant).then((found) => {
        if (found !== undefined) return this.serveTenant(found, req, res, target.path);
        if (this.failed.has(target.tenant)) return refuse(res, 503, "urn:kova:problem:engine-tenant-unavailable", `tenant '${target.tenant}' cannot be served on this node now (the engine's log says why)`, "2");
        refuse(res, 404, "urn:kova:problem:not-found", `no tenant named '${target.tenant}' serves a program here`);
      });
      return;
    }
    this.serveTenant(host, req, res, target.path);
  }

  /** The tenant a request is for, and its URL relative to the tenant; undefined for the engine's own routes. */
  private tenantOf(req: IncomingMessage): { tenant: string; path: string } | undefined {
    const url = req.url ?? "/";
    if (url.startsWith("/t/")) {
      const end = url.indexOf("/", 3);
      const query = url.indexOf("?", 3);
      const stop = end === -1 ? (query === -1 ? url.length : query) : query !== -1 && query < end ? query : end;
      const tenant = url.slice(3, stop);
      const rest = url.slice(stop);
      return { tenant, path: rest.startsWith("/") ? rest : `/${rest}` };
    }
    const domain = this.config.domain;
    if (domain !== undefined && typeof req.headers.host === "string") {
      const host = req.headers.host.replace(/:\d+$/, "").toLowerCase();
      if (host.endsWith(`.${domain}`)) return { tenant: host.slice(0, -domain.length - 1), path: url };
    }
    return undefined;
  }

  private serveTenant(host: TenantHost, req: IncomingMessage, res: ServerResponse, path: string): void {
    if (this.draining) return refuse(res, 503, "urn:kova:problem:draining", "the engine is shutting down: retry on another node", "1");
    // The bounded queue: beyond this many requests in flight, answer at once rather than pile up.
    if (this.inFlight >= this.config.queueLimit) {
      this.metrics.queueFull();
      return refuse(res, 503, "urn:kova:problem:engine-busy", `the engine is serving ${this.config.queueLimit} requests: retry shortly`, "1");
    }
    this.inFlight++;
    this.metrics.inFlight(this.inFlight);
    req.url = path;
    // One close listener per request (the host's, which also meters it) rather than one each.
    if (host.handle(req, res, this.requestClosed)) return;
    res.once("close", this.requestClosed);
    refuse(res, 404, "urn:kova:problem:not-found", `tenant '${host.tenant.name}' has no program deployed`);
  }

  private readonly requestClosed = (): void => {
    this.inFlight--;
    this.metrics.inFlight(this.inFlight);
  };

  private rememberUnknown(name: string, map = this.unknown): void {
    if (map.size >= UNKNOWN_TENANTS_KEPT) map.clear();
    map.set(name, Date.now() + UNKNOWN_TENANT_MS);
  }

  /** A tenant this node has not loaded: created, or deployed to, on another node. */
  private async lookUp(name: string): Promise<TenantHost | undefined> {
    if (!TENANT_NAME.test(name)) return undefined;
    const until = this.unknown.get(name) ?? this.failed.get(name);
    if (until !== undefined && until > Date.now()) return undefined;
    this.failed.delete(name);
    try {
      const [latest] = await this.store.versions(name);
      if (latest === undefined) {
        this.rememberUnknown(name);
        return undefined;
      }
      await this.activate(name, latest.hash);
      return this.hosts.get(name);
    } catch (error) {
      // Remembered for a while: a refused program is not verified again on every request.
      this.rememberUnknown(name, this.failed);
      this.log.error({ err: error, tenant: name }, "cannot load the tenant's program");
      return undefined;
    }
  }

  /** Switches a tenant to a stored program (verified on the way), creating its host on first use. */
  async activate(tenantName: string, hash: string): Promise<void> {
    let host = this.hosts.get(tenantName);
    if (host === undefined) {
      const tenant = await this.store.tenant(tenantName);
      if (tenant === undefined) throw new Error(`no tenant named '${tenantName}'`);
      host = this.hosts.get(tenantName) ?? new TenantHost(tenant, {
        dataDir: this.config.dataDir,
        sharedStores: this.config.sharedStores,
        tenantData: this.config.tenantData,
        allowedHosts: this.config.allowedHosts,
        log: this.log,
        defaultQuotas: this.config.defaultQuotas,
        pool: this.pool,
        onAnswered: (t, status, seconds) => this.metrics.answered(t, status, seconds, status === 503),
      });
      this.hosts.set(tenantName, host);
    }
    this.unknown.delete(tenantName);
    this.failed.delete(tenantName);
    await host.activate(await this.cache.get(hash));
  }

  /** A deploy or rollback: stored, recorded, audited, switched to here and announced to the other nodes. */
  deploy(tenant: string, program: StoredProgram, action: VersionRecord["action"], keyId: string): Promise<VersionRecord> {
    const previous = this.deploying.get(tenant) ?? Promise.resolve();
    const next = previous.catch(() => undefined).then(() => this.deployNow(tenant, program, action, keyId));
    this.deploying.set(tenant, next);
    void next.finally(() => {
      if (this.deploying.get(tenant) === next) this.deploying.delete(tenant);
    }).catch(() => undefined);
    return next;
  }

  private async deployNow(tenant: string, program: StoredProgram, action: VersionRecord["action"], keyId: string): Promise<VersionRecord> {
    await this.store.putProgram(program);
    await this.cache.published(program);
    // Verified and loaded before it is recorded: a program this node cannot serve never becomes the newest version.
    await this.activate(tenant, program.hash);
    const version = await this.store.addVersion(tenant, program.hash, action, keyId);
    await this.store.audit({ actor: keyId, action, tenant, detail: JSON.stringify({ hash: program.hash, version: version.version }) });
    // Another node may have recorded a version between our switch and our record.
    await this.syncTenant(tenant);
    await this.sync?.announce({ tenant, hash: program.hash, node: this.node }).catch((error: unknown) => this.log.warn({ err: error }, "cannot announce the deploy on Redis; other nodes pick it up at their next start"));
    return version;
  }

  /**
   * Another node deployed: switch too — to the tenant's newest version in the store, not to the
   * announced hash, so that two deploys on two nodes at once end with every node on the same one
   * whatever order their announcements arrive in.
   */
  private async activated(a: Activation): Promise<void> {
    if (a.node === this.node) return;
    await this.syncTenant(a.tenant).catch((error: unknown) => this.log.error({ err: error, tenant: a.tenant }, "cannot switch to the program another node deployed"));
  }

  /**
   * Serves the tenant's newest recorded version. Each node syncs after its own record and after
   * every announcement (sent after the announcer's record), and syncs of a tenant run one after the
   * other, so every node's last sync reads the last record: concurrent deploys on several nodes
   * end with all of them on the same version.
   */
  private syncTenant(tenant: string): Promise<void> {
    const previous = this.syncing.get(tenant) ?? Promise.resolve();
    const next = previous.catch(() => undefined).then(async () => {
      const [latest] = await this.store.versions(tenant);
      if (latest !== undefined && this.hosts.get(tenant)?.hash !== latest.hash) await this.activate(tenant, latest.hash);
    });
    this.syncing.set(tenant, next);
    return next;
  }

  /** Graceful drain: no new tenant requests, in-flight ones finish (up to the timeout), then everything closes. */
  async close(): Promise<void> {
    this.draining = true;
    await this.server?.close();
    await Promise.allSettled([...this.hosts.values()].map((h) => h.close()));
    await this.pool?.close();
    await this.sync?.close();
    await this.store.close();
  }
}

function refuse(res: ServerResponse, status: number, type: string, detail: string, retryAfter?: string): void {
  if (res.headersSent) return;
  const body = JSON.stringify({ type, title: status === 404 ? "not found" : "service unavailable", status, detail });
  res.writeHead(status, { "content-type": "application/problem+json", "content-length": Buffer.byteLength(body), ...(retryAfter === undefined ? {} : { "retry-after": retryAfter }) });
  res.end(body);
}
