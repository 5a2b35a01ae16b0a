/**
 * What the engine keeps: tenants, their API keys (hashes only), programs by SHA-256, each tenant's
 * versions (every deploy and rollback, the newest is what it serves) and the audit trail.
 * Two implementations share the same tables and statements: PostgreSQL (pg-store.ts, when
 * configured; several engine nodes share it) and the embedded SQLite file (sqlite-store.ts).
 */
import type { Quotas } from "@kova/vm";

export interface TenantRecord {
  name: string;
  /** The tenant's VM quotas: what it sets overrides the VM's defaults. */
  quotas: Partial<Quotas>;
  /** Requests per minute per client IP on the tenant's endpoints. */
  rateLimit: number;
  createdAt: string;
}

export interface StoredProgram {
  /** The bytecode's SHA-256 (hex): the program's identity. */
  hash: string;
  /** The signed .kbc file. */
  bytecode: Uint8Array;
  /** The runtime's pipeline for the program (the compiler's app module: routes, inputs, validators). */
  pipeline: string;
  /** Ed25519 signature (base64) binding the pipeline to the bytecode (see signing.ts). */
  pipelineSignature: string;
  /** The source files deployed, as JSON `{ "app.kova": "…" }`. */
  source: string;
  createdAt: string;
}

export interface VersionRecord {
  tenant: string;
  version: number;
  hash: string;
  action: "deploy" | "rollback";
  keyId: string;
  createdAt: string;
}

export interface AuditRecord {
  at: string;
  actor: string;
  action: string;
  tenant: string | null;
  detail: string;
}

export interface EngineStore {
  readonly kind: "postgres" | "embedded";
  createTenant(tenant: TenantRecord): Promise<boolean>;
  tenant(name: string): Promise<TenantRecord | undefined>;
  tenants(): Promise<TenantRecord[]>;
  addKey(tenant: string, keyId: string, hash: string): Promise<void>;
  /** The tenant and key id of an API key's hash, if it is one. */
  keyByHash(hash: string): Promise<{ tenant: string; keyId: string } | undefined>;
  /** Stores a program once (its hash is its identity: storing it again changes nothing). */
  putProgram(program: StoredProgram): Promise<void>;
  program(hash: string): Promise<StoredProgram | undefined>;
  /** A new version of the tenant pointing at `hash`; the newest version is the one served. */
  addVersion(tenant: string, hash: string, action: VersionRecord["action"], keyId: string): Promise<VersionRecord>;
  versions(tenant: string): Promise<VersionRecord[]>;
  audit(entry: Omit<AuditRecord, "at">): Promise<void>;
  auditTrail(tenant?: string): Promise<AuditRecord[]>;
  close(): Promise<void>;
}

/** The tables, in the SQL both databases read (BLOB is BYTEA on PostgreSQL). */
export function schemaStatements(blob: string): string[] {
  return [
    `CREATE TABLE IF NOT EXISTS engine_tenants (name TEXT PRIMARY KEY, quotas TEXT NOT NULL, rate_limit INTEGER NOT NULL, created_at TEXT NOT NULL)`,
    `CREATE TABLE IF NOT EXISTS engine_keys (hash TEXT PRIMARY KEY, key_id TEXT NOT NULL, tenant TEXT NOT NULL REFERENCES engine_tenants(name))`,
    `CREATE TABLE IF NOT EXISTS engine_programs (hash TEXT PRIMARY KEY, bytecode ${blob} NOT NULL, pipeline TEXT NOT NULL, pipeline_signature TEXT NOT NULL, source TEXT NOT NULL, created_at TEXT NOT NULL)`,
    `CREATE TABLE IF NOT EXISTS engine_versions (tenant TEXT NOT NULL REFERENCES engine_tenants(name), version INTEGER NOT NULL, hash TEXT NOT NULL REFERENCES engine_programs(hash), action TEXT NOT NULL, key_id TEXT NOT NULL, created_at TEXT NOT NULL, PRIMARY KEY (tenant, version))`,
    `CREATE TABLE IF NOT EXISTS engine_audit (seq ${blob === "BLOB" ? "INTEGER PRIMARY KEY AUTOINCREMENT" : "BIGSERIAL PRIMARY KEY"}, at TEXT NOT NULL, actor TEXT NOT NULL, action TEXT NOT NULL, tenant TEXT, detail TEXT NOT NULL)`,
  ];
}

type Row = Record<string, unknown>;

export function tenantFrom(row: Row): TenantRecord {
  return { name: String(row.name), quotas: JSON.parse(String(row.quotas)) as Partial<Quotas>, rateLimit: Number(row.rate_limit), createdAt: String(row.created_at) };
}

export function programFrom(row: Row): StoredProgram {
  return {
    hash: String(row.hash),
    bytecode: new Uint8Array(row.bytecode as Buffer),
    pipeline: String(row.pipeline),
    pipelineSignature: String(row.pipeline_signature),
    source: String(row.source),
    createdAt: String(row.created_at),
  };
}

export function versionFrom(row: Row): VersionRecord {
  return { tenant: String(row.tenant), version: Number(row.version), hash: String(row.hash), action: row.action as VersionRecord["action"], keyId: String(row.key_id), createdAt: String(row.created_at) };
}

export function auditFrom(row: Row): AuditRecord {
  return { at: String(row.at), actor: String(row.actor), action: String(row.action), tenant: row.tenant === null ? null : String(row.tenant), detail: String(row.detail) };
}
