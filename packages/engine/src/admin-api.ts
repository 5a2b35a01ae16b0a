/**
 * The engine's own HTTP API under `/_engine/`, written as an AppDefinition so the runtime serves it
 * through its pipeline like any app (JSON bodies, problems, request ids, rate limits, gzip).
 * Two kinds of caller: the operator, with the admin key, manages tenants; a tenant, with one of its
 * API keys, deploys, lists and rolls back its own programs and reads its own audit trail.
 */
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import { HttpError, type AppDefinition, type RequestContext, type RouteDefinition } from "@kova/runtime";
import { EngineCodes } from "./codes.js";
import { bundleProblem, compileProgram } from "./compile-program.js";
import type { Engine } from "./engine.js";
import { ENGINE_OPENAPI } from "./openapi.js";
import { ProgramRefused } from "./program-cache.js";
import { hashApiKey } from "./signing.js";
import { TenantRoleError } from "./tenant-role.js";
import type { TenantRecord } from "./store/store.js";

export const TENANT_NAME = /^[a-z][a-z0-9-]{0,39}$/;

interface Caller {
  kind: "admin" | "tenant";
  tenant?: string;
  keyId: string;
}

function problem(status: number, code: string, detail: string, extra: Record<string, unknown> = {}): HttpError {
  return new HttpError(status, detail, { type: `urn:kova:problem:engine-${code}`, code, ...extra });
}

function bearer(ctx: RequestContext): string | undefined {
  const header = ctx.headers.authorization;
  const match = typeof header === "string" ? /^Bearer\s+(\S+)$/i.exec(header) : null;
  return match?.[1];
}

/** A new API key: its id (public, in audit lines) and 32 random bytes. */
export function newApiKey(): { key: string; keyId: string } {
  const keyId = randomBytes(6).toString("hex");
  return { key: `kek_${keyId}_${randomBytes(32).toString("base64url")}`, keyId };
}

function sameSecret(a: string, b: string): boolean {
  const x = createHash("sha256").update(a).digest();
  const y = createHash("sha256").update(b).digest();
  return timingSafeEqual(x, y);
}

export function adminApi(engine: Engine): AppDefinition {
  async function caller(ctx: RequestContext): Promise<Caller> {
    const key = bearer(ctx);
    if (key === undefined) throw problem(401, EngineCodes.unauthorized, "send the admin key or a tenant's API key as 'Authorization: Bearer …'", { field: "authorization" });
    if (sameSecret(key, engine.config.adminKey)) return { kind: "admin", keyId: "admin" };
    const found = await engine.store.keyByHash(hashApiKey(key));
    if (found === undefined) throw problem(401, EngineCodes.unauthorized, "the key is not one of this engine's keys", { field: "authorization" });
    return { kind: "tenant", tenant: found.tenant, keyId: found.keyId };
  }

  async function admin(ctx: RequestContext): Promise<Caller> {
    const who = await caller(ctx);
    if (who.kind !== "admin") throw problem(403, EngineCodes.unauthorized, "this needs the admin key", { field: "authorization" });
    return who;
  }

  async function tenant(ctx: RequestContext): Promise<Caller & { tenant: string }> {
    const who = await caller(ctx);
    if (who.kind !== "tenant") throw problem(403, EngineCodes.unauthorized, "this needs a tenant's API key (the admin key manages tenants, it deploys nothing)", { field: "authorization" });
    return who as Caller & { tenant: string };
  }

  function body(ctx: RequestContext): Record<string, unknown> {
    const b = ctx.body;
    if (typeof b !== "object" || b === null || Array.isArray(b)) throw problem(400, EngineCodes.badBundle, "the body must be a JSON object", { field: "" });
    return b as Record<string, unknown>;
  }

  const routes: RouteDefinition[] = [
    {
      method: "POST", path: "/_engine/tenants", params: [],
      async handler(ctx) {
        const who = await admin(ctx);
        const b = body(ctx);
        if (typeof b.name !== "string" || !TENANT_NAME.test(b.name)) throw problem(400, EngineCodes.badTenant, "name: a lower-case name of letters, digits and '-', starting with a letter, at most 40 characters", { field: "name" });
        const quotas = b.quotas ?? {};
        if (typeof quotas !== "object" || quotas === null || Array.isArray(quotas) || Object.entries(quotas).some(([k, v]) => !QUOTA_NAMES.has(k) || typeof v !== "number" || !(v > 0))) {
          throw problem(400, EngineCodes.badTenant, `quotas: an object of positive numbers named ${[...QUOTA_NAMES].join(", ")}`, { field: "quotas" });
        }
        const rateLimit = b.rateLimit ?? 6000;
        if (typeof rateLimit !== "number" || !Number.isInteger(rateLimit) || rateLimit < 1) throw problem(400, EngineCodes.badTenant, "rateLimit: requests per minute per client IP, a whole number ≥ 1", { field: "rateLimit" });
        const record: TenantRecord = { name: b.name, quotas: quotas as TenantRecord["quotas"], rateLimit, createdAt: new Date().toISOString() };
        if (!(await engine.store.createTenant(record))) throw problem(409, EngineCodes.badTenant, `a tenant named '${b.name}' exists`, { field: "name" });
        const { key, keyId } = newApiKey();
        await engine.store.addKey(record.name, keyId, hashApiKey(key));
        await engine.store.audit({ actor: who.keyId, action: "tenant.create", tenant: record.name, detail: JSON.stringify({ quotas, rateLimit, keyId }) });
        return { status: 201, body: { name: record.name, quotas, rateLimit, apiKey: key, keyId } };
      },
    },
    {
      method: "GET", path: "/_engine/tenants", params: [],
      async handler(ctx) {
        await admin(ctx);
        const list = await engine.store.tenants();
        return { body: list.map((t) => ({ ...t, serving: engine.servingHash(t.name) ?? null })) };
      },
    },
    {
      method: "POST", path: "/_engine/tenants/:name/keys", params: [{ name: "name", type: "string" }],
      async handler(ctx) {
        const who = await admin(ctx);
        const name = String(ctx.params.name);
        if ((await engine.store.tenant(name)) === undefined) throw problem(404, EngineCodes.badTenant, `no tenant named '${name}'`, { field: "name" });
        const { key, keyId } = newApiKey();
        await engine.store.addKey(name, keyId, hashApiKey(key));
        await engine.store.audit({ actor: who.keyId, action: "key.create", tenant: name, detail: JSON.stringify({ keyId }) });
        return { status: 201, body: { apiKey: key, keyId } };
      },
    },
    {
      method: "POST", path: "/_engine/deploy", params: [],
      async handler(ctx) {
        const who = await tenant(ctx);
        const b = body(ctx);
        const files = typeof b.source === "string" ? { "app.kova": b.source } : b.files;
        if (typeof files !== "object" || files === null || Array.isArray(files)) throw problem(400, EngineCodes.badBundle, "send { \"source\": \"…\" } (one .kova file) or { \"files\": { \"app.kova\": \"…\", … } } (a bundle)", { field: "source" });
        const shape = bundleProblem(files as Record<string, string>);
        if (shape !== undefined) throw problem(400, EngineCodes.badBundle, shape.detail, { field: shape.field });
        const built = await compileProgram(who.tenant, files as Record<string, string>, engine.signingKey, engine.compileOptions);
        if (!built.ok) {
          await engine.store.audit({ actor: who.keyId, action: "deploy.refused", tenant: who.tenant, detail: JSON.stringify({ code: built.code, problems: built.problems.map((p) => `${p.code} ${p.file}:${p.line}:${p.column}`) }) });
          throw problem(422, built.code, built.detail, { problems: built.problems });
        }
        const version = await refusedAs422(engine.deploy(who.tenant, built.program, "deploy", who.keyId));
        return { status: 201, body: { tenant: who.tenant, hash: built.program.hash, version: version.version, routes: built.routes } };
      },
    },
    {
      method: "GET", path: "/_engine/versions", params: [],
      async handler(ctx) {
        const who = await tenant(ctx);
        const versions = await engine.store.versions(who.tenant);
        return { body: { tenant: who.tenant, serving: engine.servingHash(who.tenant) ?? null, versions } };
      },
    },
    {
      method: "POST", path: "/_engine/rollback", params: [],
      async handler(ctx) {
        const who = await tenant(ctx);
        const b = body(ctx);
        if (typeof b.hash !== "string" || !/^[0-9a-f]{64}$/.test(b.hash)) throw problem(400, EngineCodes.unknownVersion, "hash: the SHA-256 (64 hex digits) of one of your earlier versions", { field: "hash" });
        const versions = await engine.store.versions(who.tenant);
        if (!versions.some((v) => v.hash === b.hash)) throw problem(404, EngineCodes.unknownVersion, `you never deployed ${b.hash.slice(0, 12)}…: GET /_engine/versions lists yours`, { field: "hash" });
        const program = await engine.store.program(b.hash);
        const version = await refusedAs422(engine.deploy(who.tenant, program!, "rollback", who.keyId));
        return { body: { tenant: who.tenant, hash: b.hash, version: version.version } };
      },
    },
    {
      method: "GET", path: "/_engine/audit", params: [],
      async handler(ctx) {
        const who = await caller(ctx);
        return { body: await engine.store.auditTrail(who.kind === "admin" ? undefined : who.tenant) };
      },
    },
  ];
  routes.push({
    method: "GET", path: "/_engine/openapi.json", params: [],
    handler: () => ({ body: ENGINE_OPENAPI }),
  });
  // The API's budget per key (and per IP for callers without one), the runtime's rate limiter.
  const rateLimit = { limit: engine.config.apiRateLimit, windowMs: 60_000, key: { by: "header" as const, name: "authorization" } };
  return { name: "kova-engine", env: [], dataSources: [], routes: routes.map((r) => ({ ...r, rateLimit })) };
}

/**
 * A program that fails verification when loaded (a row altered in the store, a key rotated out) is
 * a 422 problem, not a 500; a tenant whose database role cannot be prepared, a 503 (the operator's
 * to fix: the details, which name the database, go to the engine's log only).
 */
async function refusedAs422<T>(work: Promise<T>): Promise<T> {
  try {
    return await work;
  } catch (error) {
    if (error instanceof ProgramRefused) throw problem(422, EngineCodes.programRefused, error.message, { field: "hash" });
    if (error instanceof TenantRoleError) throw problem(503, EngineCodes.tenantRole, "the engine cannot prepare this tenant's database role now: the operator's log says why");
    throw error;
  }
}

const QUOTA_NAMES = new Set(["fuel", "deadlineMs", "memoryBytes", "stackDepth", "responseBytes", "queries", "rowsPerQuery"]);
