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
 * - the same for an ACTION's queries, checked at each call of the action, which runs with its
 *   caller's request and so its caller's tenant (KV2963);
 * - a claim the AUTH's claims shape does not declare as a required string (KV2863): then a token
 *   without it is refused with 401 by the claims check, before any handler runs.
 */
import { TENANT_FIELD_NAME, tenantFieldSchema, type EntitySchema } from "@kova/query";
import type { EntityDecl, Identifier, Span } from "../ast/nodes.js";
import type { CheckContext } from "./context.js";
import type { KovaFunctionInfo } from "./functions.js";
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
 * signed-in caller carrying the tenant claim: refused here where none is certain. In an ACTION the
 * query runs with its caller's request (and so its caller's tenant): the action only records that
 * it needs one, and each call of it is checked instead (checkTenantActionCall).
 */
export function checkTenantCaller(ctx: CheckContext, entity: EntityInfo, span: Span): void {
  const claim = entity.decl.tenant;
  if (claim === null) return;
  const name = entity.decl.name.name;
  const action = ctx.function?.info.action;
  if (action !== undefined) {
    action.tenant ??= { entity: name, claim: claim.name };
    return;
  }
  requireCertainCaller(ctx, span, claim.name, {
    code: "TenantWithoutCaller",
    subject: `${name} is TENANT BY ${claim.name}: each query of it is scoped to the caller's tenant`,
    noRequest: "here there is no request, so no caller",
    elsewhere: `query ${name} from an endpoint with AUTH`,
  });
}

/**
 * A call of an ACTION whose queries (or whose actions' queries) read or write a TENANT BY entity:
 * the action runs with its caller's tenant, so the call needs a certain caller, as a query of the
 * entity written there would (KV2963 where there is none). Inside another ACTION the need passes on
 * to that action, whose own calls are checked in turn.
 */
export function checkTenantActionCall(ctx: CheckContext, callee: KovaFunctionInfo, span: Span): void {
  const need = callee.action?.tenant;
  if (need === undefined) return;
  const outer = ctx.function?.info.action;
  if (outer !== undefined) {
    outer.tenant ??= need;
    return;
  }
  const action = callee.decl.name.name;
  requireCertainCaller(ctx, span, need.claim, {
    code: "ActionTenantWithoutCaller",
    subject: `ACTION ${action} queries ${need.entity}, which is TENANT BY ${need.claim}: the action runs with its caller's tenant`,
    noRequest: noCallerHere(ctx),
    elsewhere: `call ${action} from an endpoint with AUTH; where there is no caller, pass what the work needs as inputs and keep it on entities without TENANT BY`,
  });
}

/** Why a place that is not an endpoint has no caller, for KV2963's message. */
function noCallerHere(ctx: CheckContext): string {
  if (ctx.function !== undefined) return `the FN ${ctx.function.info.decl.name.name} may be called where there is no caller`;
  if (ctx.task?.change !== undefined) return "an ON handler runs after a commit, in the background, with no caller";
  if (ctx.task !== undefined) return `the TASK ${ctx.task.decl.name.name} runs in the background, with no caller`;
  if (ctx.test !== undefined) return "a TEST has no caller of its own (call the action through an endpoint)";
  return "here there is no request, so no caller";
}

interface CallerNeed {
  code: "TenantWithoutCaller" | "ActionTenantWithoutCaller";
  /** What needs the tenant, and why (the message's first half). */
  subject: string;
  /** Why there is no caller where there is no endpoint. */
  noRequest: string;
  /** The suggestion where there is no endpoint. */
  elsewhere: string;
}

/**
 * Where a certain caller is needed (`subject`): an endpoint with AUTH (not AUTH optional), whose
 * claims shape declares the tenant claim as a required string (KV2863) and which keeps no CACHE
 * (KV2866); anywhere else `need.code` is reported, saying why there is no caller.
 */
function requireCertainCaller(ctx: CheckContext, span: Span, claim: string, need: CallerNeed): void {
  const auth = ctx.endpoint?.info.decl.auth ?? null;
  if (ctx.endpoint === null || ctx.task !== undefined || ctx.function !== undefined || ctx.test !== undefined || auth === null || auth.optional) {
    const where =
      ctx.endpoint === null || ctx.task !== undefined || ctx.function !== undefined || ctx.test !== undefined
        ? need.noRequest
        : auth === null
          ? `${ctx.endpoint.info.decl.method} ${ctx.endpoint.info.decl.path.text} has no AUTH`
          : `${ctx.endpoint.info.decl.method} ${ctx.endpoint.info.decl.path.text} is AUTH optional, so the caller may be anonymous`;
    ctx.diagnostics.report(need.code, span, `${need.subject}, but ${where}`, {
      suggestion: ctx.endpoint === null ? need.elsewhere : "add AUTH (not AUTH optional) after the path",
    });
    return;
  }
  // A CACHE keeps one entry per caller's subject: a subject is not known to be unique across tenants.
  const cache = (ctx.endpoint.info.decl as { cache?: Identifier | null }).cache ?? null;
  if (cache !== null) {
    ctx.diagnostics.report("TenantCached", cache.span, `${need.subject}, and CACHE ${cache.name} keys its entries by the caller's subject, not by tenant`, {
      suggestion: `remove CACHE ${cache.name} from this endpoint`,
    });
  }
  const claims = ctx.model.auth?.claims ?? null;
  if (claims === null || claims.type.kind !== "object" || claims.type.fields === null) return; // reported with the AUTH
  const declared = claims.type.fields.get(claim);
  if (declared !== undefined && !declared.optional && declared.type.kind === "string") return;
  ctx.diagnostics.report(
    "TenantClaimUndeclared",
    span,
    `${need.subject}, but the claims shape ${claims.decl.name.name} ${declared === undefined ? `has no '${claim}'` : `declares '${claim}' ${declared.optional ? "optional" : "not as a string"}`}`,
    { suggestion: `declare '${claim}: string' in VALIDATE ${claims.decl.name.name}, so a token without a tenant is refused (401)` },
  );
}
