/**
 * The engine's store over any SQL database that speaks the statements in store.ts: the
 * statements are written once with `?` placeholders; each database's executor runs them.
 */
import { auditFrom, programFrom, tenantFrom, versionFrom, type AuditRecord, type EngineStore, type StoredProgram, type TenantRecord, type VersionRecord } from "./store.js";

export type Row = Record<string, unknown>;

export interface SqlExecutor {
  readonly kind: EngineStore["kind"];
  all(sql: string, params: readonly unknown[]): Promise<Row[]>;
  close(): Promise<void>;
}

/** A primary-key collision, as either database reports it. */
function isConflict(error: unknown): boolean {
  const e = error as { code?: string; message?: string };
  return e.code === "23505" || String(e.code ?? "").startsWith("SQLITE_CONSTRAINT");
}

export class SqlStore implements EngineStore {
  constructor(private readonly db: SqlExecutor) {}

  get kind(): EngineStore["kind"] {
    return this.db.kind;
  }

  async createTenant(t: TenantRecord): Promise<boolean> {
    try {
      await this.db.all("INSERT INTO engine_tenants (name, quotas, rate_limit, created_at) VALUES (?, ?, ?, ?)", [t.name, JSON.stringify(t.quotas), t.rateLimit, t.createdAt]);
      return true;
    } catch (error) {
      if (isConflict(error)) return false;
      throw error;
    }
  }

  async tenant(name: string): Promise<TenantRecord | undefined> {
    const rows = await this.db.all("SELECT * FROM engine_tenants WHERE name = ?", [name]);
    return rows.length === 0 ? undefined : tenantFrom(rows[0]);
  }

  async tenants(): Promise<TenantRecord[]> {
    return (await this.db.all("SELECT * FROM engine_tenants ORDER BY name", [])).map(tenantFrom);
  }

  async addKey(tenant: string, keyId: string, hash: string): Promise<void> {
    await this.db.all("INSERT INTO engine_keys (hash, key_id, tenant) VALUES (?, ?, ?)", [hash, keyId, tenant]);
  }

  async keyByHash(hash: string): Promise<{ tenant: string; keyId: string } | undefined> {
    const rows = await this.db.all("SELECT tenant, key_id FROM engine_keys WHERE hash = ?", [hash]);
    return rows.length === 0 ? undefined : { tenant: String(rows[0].tenant), keyId: String(rows[0].key_id) };
  }

  async putProgram(p: StoredProgram): Promise<void> {
    try {
      await this.db.all("INSERT INTO engine_programs (hash, bytecode, pipeline, pipeline_signature, source, created_at) VALUES (?, ?, ?, ?, ?, ?)", [p.hash, Buffer.from(p.bytecode), p.pipeline, p.pipelineSignature, p.source, p.createdAt]);
    } catch (error) {
      // The same hash is the same program: a second deploy of it stores nothing new.
      if (!isConflict(error)) throw error;
    }
  }

  async program(hash: string): Promise<StoredProgram | undefined> {
    const rows = await this.db.all("SELECT * FROM engine_programs WHERE hash = ?", [hash]);
    return rows.length === 0 ? undefined : programFrom(rows[0]);
  }

  async addVersion(tenant: string, hash: string, action: VersionRecord["action"], keyId: string): Promise<VersionRecord> {
    // The next number is read and written by one statement; two nodes deploying at once collide
    // on the primary key, and the loser takes the number after.
    for (let attempt = 0; ; attempt++) {
      try {
        const rows = await this.db.all(
          "INSERT INTO engine_versions (tenant, version, hash, action, key_id, created_at) SELECT ?, COALESCE(MAX(version), 0) + 1, ?, ?, ?, ? FROM engine_versions WHERE tenant = ? RETURNING *",
          [tenant, hash, action, keyId, new Date().toISOString(), tenant],
        );
        return versionFrom(rows[0]);
      } catch (error) {
        if (!isConflict(error) || attempt >= 5) throw error;
      }
    }
  }

  async versions(tenant: string): Promise<VersionRecord[]> {
    return (await this.db.all("SELECT * FROM engine_versions WHERE tenant = ? ORDER BY version DESC", [tenant])).map(versionFrom);
  }

  async audit(entry: Omit<AuditRecord, "at">): Promise<void> {
    await this.db.all("INSERT INTO engine_audit (at, actor, action, tenant, detail) VALUES (?, ?, ?, ?, ?)", [new Date().toISOString(), entry.actor, entry.action, entry.tenant, entry.detail]);
  }

  async auditTrail(tenant?: string): Promise<AuditRecord[]> {
    const rows = tenant === undefined
      ? await this.db.all("SELECT * FROM engine_audit ORDER BY seq", [])
      : await this.db.all("SELECT * FROM engine_audit WHERE tenant = ? ORDER BY seq", [tenant]);
    return rows.map(auditFrom);
  }

  close(): Promise<void> {
    return this.db.close();
  }
}
