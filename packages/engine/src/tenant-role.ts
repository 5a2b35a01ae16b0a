/**
 * A database role per tenant (KOVA_ENGINE_TENANT_DATA=postgres): the wall the database itself keeps
 * between tenants' schemas. Each tenant gets a NOLOGIN role, `kova_tenant_<name>`, that owns its
 * schema `tenant_<name>` and everything in it and holds no other privilege; the engine's role is
 * made a member of it. The tenant's connection pool takes the role as each connection opens
 * (the driver's `role` option, sent in the startup packet), so every statement of the tenant's —
 * migrations, queries, transactions, the change feed's LISTEN — is checked against the tenant's
 * privileges, and a statement naming another tenant's schema is refused by PostgreSQL.
 *
 * The pool is the tenant's alone (one per tenant host, never shared), so a connection never
 * carries one tenant's role into another's work; `RESET ROLE` or a reset connection returns to
 * the startup value, the tenant's role.
 */
import type { Client } from "pg";

/** Where a tenant's data lives on PostgreSQL, and the role its statements run under. */
export interface TenantPlacement {
  schema: string;
  role: string;
}

/** Tenant names are `[a-z][a-z0-9-]{0,39}` (admin-api.ts): both names stay plain identifiers under 63 bytes. */
export function tenantPlacement(tenant: string): TenantPlacement {
  const base = tenant.replaceAll("-", "_");
  return { schema: `tenant_${base}`, role: `kova_tenant_${base}` };
}

/** The engine could not give a tenant its role (the engine's role lacks CREATEROLE, or the name is another's). */
export class TenantRoleError extends Error {}

/** Both keys of the advisory lock that serialises nodes preparing the same tenant. */
const LOCK = 740350326;

/** Attributes a role the engine made never has: a role holding one of them is not the engine's to take. */
const POWERS = ["rolcanlogin", "rolsuper", "rolcreaterole", "rolcreatedb", "rolreplication", "rolbypassrls"] as const;

function quote(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/**
 * Makes the tenant's role and schema, or brings existing ones to this shape: run on each node's
 * first activation of the tenant, so it is idempotent, and nodes doing it at once take turns (an
 * advisory lock in one transaction). A schema made before roles existed (engines before this
 * one) is handed to the role with everything in it, so its migrations can still alter its tables.
 */
export async function prepareTenantRole(url: string, tenant: string): Promise<TenantPlacement> {
  const placement = tenantPlacement(tenant);
  const { schema, role } = placement;
  const { default: pg } = await import("pg");
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query("BEGIN");
    await client.query("SELECT pg_advisory_xact_lock($1, hashtext($2))", [LOCK, role]);
    const found = await client.query<Record<(typeof POWERS)[number], boolean>>(`SELECT ${POWERS.join(", ")} FROM pg_roles WHERE rolname = $1`, [role]);
    if (found.rows.length === 0) {
      await client.query(`CREATE ROLE ${quote(role)} NOLOGIN`);
    } else {
      const powers = POWERS.filter((p) => found.rows[0][p]);
      if (powers.length > 0) throw new TenantRoleError(`the role ${role} exists with ${powers.join(", ")}: it was not made by the engine, which gives tenants' roles none of these; drop or rename it`);
    }
    // The engine's role may take the tenant's (SET ROLE at each connection's start).
    await client.query(`GRANT ${quote(role)} TO CURRENT_USER`);
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${quote(schema)} AUTHORIZATION ${quote(role)}`);
    await client.query(`ALTER SCHEMA ${quote(schema)} OWNER TO ${quote(role)}`);
    await handOver(client, schema, role);
    await client.query("COMMIT");
    return placement;
  } catch (error) {
    await client.query("ROLLBACK").catch(() => undefined);
    if (error instanceof TenantRoleError) throw error;
    throw new TenantRoleError(`cannot prepare the database role ${role} for schema ${schema}: ${(error as Error).message} (the engine's PostgreSQL role needs CREATEROLE, or to be a superuser)`, { cause: error });
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * Gives the role every table, view and function in the schema it does not own yet. A table's
 * indexes and the sequences of its columns follow the table; sequences of their own go after.
 */
async function handOver(client: Client, schema: string, role: string): Promise<void> {
  const notOwned = (kinds: string) =>
    client.query<{ name: string; kind: string }>(
      `SELECT c.relname AS name, c.relkind AS kind FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE n.nspname = $1 AND c.relkind = ANY($2::"char"[]) AND c.relowner <> (SELECT oid FROM pg_roles WHERE rolname = $3)`,
      [schema, kinds.split(""), role],
    );
  const keyword: Record<string, string> = { r: "TABLE", p: "TABLE", f: "FOREIGN TABLE", v: "VIEW", m: "MATERIALIZED VIEW", S: "SEQUENCE" };
  for (const kinds of ["rpfvm", "S"]) {
    for (const { name, kind } of (await notOwned(kinds)).rows) await client.query(`ALTER ${keyword[kind]} ${quote(schema)}.${quote(name)} OWNER TO ${quote(role)}`);
  }
  const functions = await client.query<{ signature: string }>(
    `SELECT p.oid::regprocedure::text AS signature FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
     WHERE n.nspname = $1 AND p.proowner <> (SELECT oid FROM pg_roles WHERE rolname = $2)`,
    [schema, role],
  );
  for (const { signature } of functions.rows) await client.query(`ALTER ROUTINE ${signature} OWNER TO ${quote(role)}`);
}
