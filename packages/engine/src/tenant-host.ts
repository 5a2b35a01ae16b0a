/**
 * One tenant's live program. Each version is served by the runtime's own request handler (the
 * pipeline: routing, typed inputs, validation, rate limit, compression, problems) built with
 * `createServer` but never listening: the engine's server hands it the requests under the
 * tenant's prefix. Handlers run on the VM (`onVm`) under the tenant's quotas.
 *
 * Hot swap: activating a version builds its handler first, then switches one reference, so new
 * requests go to the new program while requests already running finish on the old one; the
 * connections belong to the engine's server and are never touched. The tenant's store stays open
 * across versions; each new version migrates it to its entities before it takes requests.
 *
 * Isolation: a tenant's entities live in its own embedded store file under
 * `<data dir>/tenants/<name>/`, or its own PostgreSQL schema `tenant_<name>` reached under its own
 * database role; no program can name another tenant's (CONNECT is refused at deploy, and where the
 * data lives is the engine's choice), and on PostgreSQL the database refuses it too.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { join } from "node:path";
import type { Logger } from "pino";
import { connectDataSources, createServer, resolveAppEnv, type AppDefinition, type AppEnv, type DataSources, type KovaServer } from "@kova/runtime";
import { backfillIdentifiers, storedEntities } from "@kova/query";
import { onVm, type ExecutionPool, type Quotas } from "@kova/vm";
import type { LoadedProgram } from "./program-cache.js";
import type { EngineConfig } from "./config.js";
import type { TenantRecord } from "./store/store.js";
import { prepareTenantRole, type TenantPlacement } from "./tenant-role.js";

interface ActiveVersion {
  hash: string;
  server: KovaServer;
}

export interface TenantHostOptions {
  dataDir: string;
  /** Where the tenant's entities live (config.ts). */
  tenantData: EngineConfig["tenantData"];
  /** Open tenants' store files in shared locking mode: several engine processes on one host share them. */
  sharedStores: boolean;
  /** Host names the tenant's requests may carry (the engine's setting). */
  allowedHosts?: string[];
  log: Logger;
  defaultQuotas: Partial<Quotas>;
  /** The worker threads executions run on; none: this thread. */
  pool?: ExecutionPool;
  /** Called with each execution's outcome (metrics). */
  onAnswered?: (tenant: string, status: number, seconds: number) => void;
}

export class TenantHost {
  private active: ActiveVersion | undefined;
  /** The tenant's data: connected once, kept across versions (a deploy migrates it to the new entities). */
  private dataSources: DataSources | undefined;
  /** Activations run one after the other, so two deploys in a row end on the later one. */
  private switching: Promise<void> = Promise.resolve();
  /** On PostgreSQL: the tenant's schema and role, prepared on the first activation. */
  private placement: TenantPlacement | undefined;

  constructor(
    readonly tenant: TenantRecord,
    private readonly options: TenantHostOptions,
  ) {}

  get hash(): string | undefined {
    return this.active?.hash;
  }

  get storeDir(): string {
    return join(this.options.dataDir, "tenants", this.tenant.name);
  }

  activate(program: LoadedProgram): Promise<void> {
    const next = this.switching.then(() => this.swap(program));
    this.switching = next.catch(() => undefined);
    return next;
  }

  private async swap(program: LoadedProgram): Promise<void> {
    if (this.active?.hash === program.hash) return;
    const quotas = { ...this.options.defaultQuotas, ...this.tenant.quotas };
    const app = this.tenantApp(onVm(program.app, program.ready, quotas, this.options.pool));
    const env = resolveAppEnv(app.env, {}, this.storeDir);
    const dataSources = await this.migrated(app, env);
    const log = this.options.log.child({ tenant: this.tenant.name, program: program.hash.slice(0, 12) });
    const server = createServer(app, {
      dataSources,
      env,
      logger: log,
      internalPrefix: false,
      compression: true,
      apiDocs: { openapi: false, docs: false },
      security: this.options.allowedHosts === undefined ? undefined : { allowedHosts: this.options.allowedHosts },
    });
    const previous = this.active;
    // The switch: requests already handed to the previous version's handler finish there.
    this.active = { hash: program.hash, server };
    log.info({ previous: previous?.hash.slice(0, 12) }, "tenant program active");
  }

  /** The tenant's store, connected on first use and migrated to each version's entities (the store only adds). */
  private async migrated(app: AppDefinition, env: AppEnv): Promise<DataSources> {
    const sources = await this.placed(app);
    if (this.dataSources === undefined) {
      this.dataSources = await connectDataSources({ ...app, dataSources: sources }, this.storeDir, env);
      return this.dataSources;
    }
    for (const source of sources) {
      const driver = this.dataSources.get(source.name);
      await driver.migrate(storedEntities(source.entities));
      await backfillIdentifiers(driver, source.entities);
    }
    return this.dataSources;
  }

  /**
   * The program's data source, placed by the engine whatever the program says: its own store file
   * (shared locking when nodes share the folder), or its own PostgreSQL schema under its own
   * database role (tenant-role.ts), both made here on first use. The program never sees the
   * database's address: its CONNECT holds a placeholder.
   */
  private async placed(app: AppDefinition): Promise<AppDefinition["dataSources"]> {
    const data = this.options.tenantData;
    if (data.kind === "postgres") {
      this.placement ??= await prepareTenantRole(data.url, this.tenant.name).catch((error: unknown) => {
        this.options.log.error({ err: error, tenant: this.tenant.name }, "cannot prepare the tenant's database role");
        throw error;
      });
      const { schema, role } = this.placement;
      return app.dataSources.map((s) => ({ ...s, options: () => ({ url: data.url, schema, role }) }));
    }
    const shared = this.options.sharedStores;
    return app.dataSources.map((s) => ({ ...s, options: (e: AppEnv) => ({ ...(s.options(e) as object), ...(shared ? { locking: "shared" } : {}) }) }));
  }

  /** Every endpoint gets the tenant's per-IP budget unless the program set its own. */
  private tenantApp(app: AppDefinition): AppDefinition {
    const rateLimit = { limit: this.tenant.rateLimit, windowMs: 60_000, key: { by: "ip" as const } };
    return { ...app, name: this.tenant.name, routes: app.routes.map((r) => ({ ...r, rateLimit: r.rateLimit ?? rateLimit })) };
  }

  /**
   * Serves one request whose URL is already relative to the tenant (`/todos`, not `/t/acme/todos`);
   * `closed` is called when its connection is done with it. False (and nothing called): no version is active.
   */
  handle(req: IncomingMessage, res: ServerResponse, closed?: () => void): boolean {
    const version = this.active;
    if (version === undefined) return false;
    const started = performance.now();
    res.once("close", () => {
      this.options.onAnswered?.(this.tenant.name, res.headersSent ? res.statusCode : 499, (performance.now() - started) / 1000);
      closed?.();
    });
    version.server.server.emit("request", req, res);
    return true;
  }

  async close(): Promise<void> {
    await this.switching;
    this.active = undefined;
    await this.dataSources?.close();
    this.dataSources = undefined;
  }
}
