/**
 * `AUTH api_key { entity: ApiKey, … }`: callers present a key in a header (or the query string);
 * the entity stores `hash_token(key)` in its hash field, never the key. What the runtime needs —
 * which entity, which field holds the hash, which one is the caller's id, where the key is read —
 * is decided here; the claims shape's other fields are read from the key's row, so each must be a
 * field of the entity. `AUTH session` is the same with the key in a signed cookie (checker/auth.ts
 * checks its secret and lifetime).
 */
import type { AuthDecl, Expression, Property } from "../ast/nodes.js";
import { report, type CheckContext } from "./context.js";
import { constantValue } from "./fold.js";
import type { EntityInfo, ValidatorInfo } from "./model.js";

export const API_KEY_SETTINGS = ["entity", "hash", "subject", "header", "query", "claims", "roles", "role_claim"] as const;
export const SESSION_SETTINGS = ["entity", "hash", "subject", "cookie", "expire", "claims", "roles", "role_claim"] as const;

export interface ApiKeyInfo {
  entity: EntityInfo;
  hashField: string;
  subjectField: string;
  /** Where the key is read; for a session, the cookie. */
  location: { from: "header"; name: string } | { from: "query"; name: string } | { from: "cookie"; name: string };
}

/** The stored-credential part both AUTH api_key and AUTH session have: entity, hash, subject, claims from the row. */
export function checkApiKey(ctx: CheckContext, decl: AuthDecl, settings: Map<string, Property>, claims: ValidatorInfo | null): ApiKeyInfo | null {
  const isSession = decl.name.name === "session";
  const what = isSession ? "sessions" : "API keys";
  const entitySetting = settings.get("entity");
  if (!entitySetting) {
    ctx.diagnostics.report("MissingAuthSetting", decl.name.span, `AUTH ${decl.name.name} needs the entity that stores the ${what}`, {
      suggestion: isSession
        ? "declare ENTITY Session { token_hash: text UNIQUE … } and add entity: Session to the AUTH block"
        : "declare ENTITY ApiKey { key_hash: text UNIQUE … } and add entity: ApiKey to the AUTH block",
    });
    return null;
  }
  if (entitySetting.value.kind !== "Name") {
    ctx.diagnostics.report("InvalidAuthSetting", entitySetting.value.span, "entity names an ENTITY", { suggestion: "write entity: ApiKey" });
    return null;
  }
  const entityName = entitySetting.value.name;
  const entity = ctx.model.entities.get(entityName);
  if (!entity) {
    report(ctx, "UnknownAuthEntity", entitySetting.value.span, `no ENTITY named '${entityName}' to store the ${what}`, ctx.model.entities.keys(), entityName);
    return null;
  }
  ctx.model.resolutions.set(entitySetting.value, entity.decl);
  const fields = new Map(entity.schema.fields.map((f) => [f.name, f]));
  const fieldNames = ["id", ...fields.keys()];
  const fieldSetting = (name: "hash" | "subject", fallback: string): string | null => {
    const p = settings.get(name);
    const written = p ? (p.value.kind === "Name" ? p.value.name : undefined) : fallback;
    if (written === undefined) {
      ctx.diagnostics.report("InvalidAuthSetting", p!.value.span, `${name} names a field of ${entityName}`, { suggestion: `write ${name}: ${fallback}` });
      return null;
    }
    if (written !== "id" && !fields.has(written)) {
      report(ctx, "UnknownAuthEntity", (p?.value ?? entitySetting.value).span, `${entityName} has no field '${written}' for ${name}${p ? "" : ` (the default; set ${name}: to the field)`}`, fieldNames, written);
      return null;
    }
    return written;
  };
  const hashField = fieldSetting("hash", isSession ? "token_hash" : "key_hash");
  const subjectField = fieldSetting("subject", "id");
  if (hashField !== null) {
    const field = fields.get(hashField);
    if (!field || field.type !== "string") {
      ctx.diagnostics.report("InvalidAuthSetting", (settings.get("hash")?.value ?? entitySetting.value).span, `${entityName}.${hashField} must be a text field (it holds hash_token(key))`, {
        suggestion: `declare ${hashField}: text UNIQUE`,
      });
    } else if (!field.unique) {
      ctx.diagnostics.report("InvalidAuthSetting", (settings.get("hash")?.value ?? entitySetting.value).span, `${entityName}.${hashField} must be UNIQUE: one key, one row (and an index for the lookup)`, {
        suggestion: `declare ${hashField}: text UNIQUE`,
      });
    }
  }
  // Every claim but sub is read from the row, by name.
  const shapeFields = claims?.type.kind === "object" ? claims.type.fields : null;
  if (claims && shapeFields) {
    for (const name of shapeFields.keys()) {
      if (name === "sub" || name === "id" || fields.has(name)) continue;
      report(ctx, "UnknownAuthEntity", settings.get("claims")!.value.span, `the claims shape ${claims.decl.name.name} has '${name}', which ${entityName} has no field for`, fieldNames, name);
    }
  }
  const location = isSession ? sessionCookie(ctx, settings) : keyLocation(ctx, settings);
  if (hashField === null || subjectField === null || location === null) return null;
  return { entity, hashField, subjectField, location };
}

function sessionCookie(ctx: CheckContext, settings: Map<string, Property>): ApiKeyInfo["location"] | null {
  const p = settings.get("cookie");
  if (!p) return { from: "cookie", name: "kova_session" };
  const value = constantValue(p.value as Expression)?.value;
  if (typeof value !== "string" || !/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/.test(value)) {
    ctx.diagnostics.report("InvalidAuthSetting", p.value.span, "cookie must be a constant cookie name", { suggestion: 'write cookie: "kova_session"' });
    return null;
  }
  return { from: "cookie", name: value };
}

function keyLocation(ctx: CheckContext, settings: Map<string, Property>): ApiKeyInfo["location"] | null {
  const header = settings.get("header");
  const query = settings.get("query");
  if (header && query) {
    ctx.diagnostics.report("InvalidAuthSetting", query.key.span, "a key is read from one place: header or query, not both", { suggestion: "keep header: (keys in URLs end up in logs and browser history)" });
    return null;
  }
  const chosen = header ?? query;
  if (!chosen) return { from: "header", name: "x-api-key" };
  const value = constantValue(chosen.value as Expression)?.value;
  const valid = chosen === header ? /^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/ : /^[A-Za-z0-9_.-]+$/;
  if (typeof value !== "string" || !valid.test(value)) {
    ctx.diagnostics.report("InvalidAuthSetting", chosen.value.span, `${chosen.key.name} must be a constant name`, { suggestion: chosen === header ? 'write header: "x-api-key"' : 'write query: "api_key"' });
    return null;
  }
  if (chosen === header && value.toLowerCase() === "authorization") {
    ctx.diagnostics.report("InvalidAuthSetting", chosen.value.span, "the Authorization header carries bearer tokens (AUTH jwt)", { suggestion: 'use a header of its own, such as "x-api-key"' });
    return null;
  }
  return chosen === header ? { from: "header", name: value.toLowerCase() } : { from: "query", name: value };
}
