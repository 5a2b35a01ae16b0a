/**
 * `ENTITY Contact TENANT BY org { … }` (docs/entities.md, "Tenants"): the entity gets a
 * `tenant_id` text column, an ordinary field of its schema (so migrations, history and AS OF see
 * it), stamped from the caller's `$auth.org` by every insert and save, and every query of the entity
 * is scoped to that tenant (the plan rewrite, @kova/query tenant-scope.ts, applied by ir/tenant.ts).
 * What the checker refuses, so the rewrite always has a tenant to scope to:
 * - a field of the entity's own named `tenant_id` (KV2860);
 * - a write in the source that sets `tenant_id` (KV2861; a client's body naming it is ignored);
 * - a query of the entity where no signed-in caller is certain: an endpoint without AUTH or with
 *   `AUTH optional`, a TASK, an ON handler, an FN, a TEST (KV2862);
 * - a claim the AUTH's claims shape does not declare as a required string (KV2863): then a token
 *   without it is refused with 401 by the claims check, before any handler runs.
 */
import { TENANT_FIELD_NAME, tenantFieldSchema, type EntitySchema } from "@kova/query";
import type { EntityDecl, Identifier, Span } from "../ast/nodes.js";
import type { CheckContext } from "./context.js";
import type { EntityInfo } from "./model.js";
import { scalarToType, type ShapeField } from "./types.js";

/** Adds the tenant column to a TENANT BY entity's schema and row type (after its own fields). */
export function applyTenant(ctx: CheckContext, decl: EntityDecl, schema: EntitySchema, rowFields: Map<string, ShapeField>): void {
  if (decl.tenant === null) return;
  // One kind of tenant per app: the scope of a query through relations, and PostgreSQL's kova.tenant, is one value.
  // Reported on every entity whose claim differs from the first tenant entity's.
  const other = [...ctx.model.entities.values()].find((e) => e.decl.tenant !== null);
  if (other !== undefined && other.decl !== decl && other.decl.tenant!.name !== decl.tenant.name) {
    ctx.diagnostics.report("TenantClaimsDiffer", decl.tenant.span, `${decl.name.name} is TENANT BY ${decl.tenant.name}, but ${other.decl.name.name} is TENANT BY ${other.decl.tenant!.name}`, {
      suggestion: `scope every tenant entity by the same claim (TENANT BY ${other.decl.tenant!.name})`,
    });
  }
  for (const field of decl.fields) {
    if (field.name.name !== TENANT_FIELD_NAME) continue;
    ctx.diagnostics.report("TenantFieldTaken", field.name.span, `${decl.name.name} is TENANT BY ${decl.tenant.name}, which already adds '${TENANT_FIELD_NAME}' (the tenant owning each record)`, {
      suggestion: "remove this field (TENANT BY keeps it for you), or rename it",
    });
  }
  if (schema.fields.some((f) => f.name === TENANT_FIELD_NAME)) return;
  const field = tenantFieldSchema(decl.tenant.name);
  schema.fields.push(field);
  rowFields.set(field.name, { type: scalarToType(field.type), optional: field.optional });
}

/** Whether `key` names the tenant column of `entity`, which a write cannot set (reported as KV2861). */
export function refuseTenantWrite(ctx: CheckContext, entity: EntityInfo, key: Identifier): boolean {
  const field = entity.schema.fields.find((f) => f.name === key.name);
  if (field?.tenant === undefined) return false;
  ctx.diagnostics.report("TenantFieldWritten", key.span, `'${key.name}' of ${entity.decl.name.name} is the tenant owning the record, set from the caller's $auth.${entity.decl.tenant?.name ?? "claim"}, not by the program`, {
    suggestion: `leave ${key.name} out: every insert and save stamps it`,
  });
  return true;
}

/**
 * A query of a TENANT BY entity (`entity`, or one its query reaches through a relation) needs a
 * signed-in caller carrying the tenant claim: refused here where none is certain.
 */
export function checkTenantCaller(ctx: CheckContext, entity: EntityInfo, span: Span): void {
  const claim = entity.decl.tenant;
  if (claim === null) return;
  const name = entity.decl.name.name;
  const auth = ctx.endpoint?.info.decl.auth ?? null;
  if (ctx.endpoint === null || ctx.task !== undefined || ctx.function !== undefined || ctx.test !== undefined || auth === null || auth.optional) {
    const where =
      ctx.endpoint === null || ctx.task !== undefined || ctx.function !== undefined || ctx.test !== undefined
        ? "here there is no request, so no caller"
        : auth === null
          ? `${ctx.endpoint.info.decl.method} ${ctx.endpoint.info.decl.path.text} has no AUTH`
          : `${ctx.endpoint.info.decl.method} ${ctx.endpoint.info.decl.path.text} is AUTH optional, so the caller may be anonymous`;
    ctx.diagnostics.report("TenantWithoutCaller", span, `${name} is TENANT BY ${claim.name}: each query of it is scoped to the caller's tenant, but ${where}`, {
      suggestion: ctx.endpoint === null ? `query ${name} from an endpoint with AUTH` : "add AUTH (not AUTH optional) after the path",
    });
    return;
  }
  // A CACHE keeps one entry per caller's subject: a subject is not known to be unique across tenants.
  const cache = (ctx.endpoint.info.decl as { cache?: Identifier | null }).cache ?? null;
  if (cache !== null) {
    ctx.diagnostics.report("TenantCached", cache.span, `${name} is TENANT BY ${claim.name}, and CACHE ${cache.name} keys its entries by the caller's subject, not by tenant`, {
      suggestion: `remove CACHE ${cache.name} from this endpoint`,
    });
  }
  const claims = ctx.model.auth?.claims ?? null;
  if (claims === null || claims.type.kind !== "object" || claims.type.fields === null) return; // reported with the AUTH
  const declared = claims.type.fields.get(claim.name);
  if (declared !== undefined && !declared.optional && declared.type.kind === "string") return;
  ctx.diagnostics.report(
    "TenantClaimUndeclared",
    span,
    `${name} is TENANT BY ${claim.name}, but the claims shape ${claims.decl.name.name} ${declared === undefined ? `has no '${claim.name}'` : `declares '${claim.name}' ${declared.optional ? "optional" : "not as a string"}`}`,
    { suggestion: `declare '${claim.name}: string' in VALIDATE ${claims.decl.name.name}, so a token without a tenant is refused (401)` },
  );
}
