/**
 * Lowers the checked AUTH declaration and endpoint modifiers into the app model. The checker has
 * decided every value (and refused the bad ones); this only copies them out with defaults applied.
 */
import { rewriteSoftDelete } from "@kova/query";
import type { EndpointAuth, Expression } from "../ast/nodes.js";
import type { AuthInfo } from "../checker/auth.js";
import { constantValue } from "../checker/fold.js";
import type { ApiKeyScheme, SessionScheme, AuthModel, JwtAlgorithm, JwtKey, JwtScheme, RouteAuth, TokenLocation } from "./nodes.js";
import type { LowerState } from "./expressions.js";

export function lowerAuth(info: AuthInfo | null, lowerExpr: (e: Expression) => import("./nodes.js").Expr, state: LowerState): AuthModel | null {
  if (info === null) return null;
  if (info.kind === "api_key") return { schemes: [lowerApiKey(info, state)], roles: [...info.roles.keys()], usesCookies: false };
  if (info.kind === "session") {
    const stored = lowerApiKey(info, state);
    const expire = info.settings.get("expire");
    const session: SessionScheme = {
      kind: "session",
      secret: lowerExpr(info.decl.using!.args[0]),
      cookie: info.apiKey!.location.name,
      expireSeconds: expire && expire.value.kind === "Duration" ? Math.round(expire.value.value / 1000) : 7 * 24 * 3600,
      entity: stored.entity,
      lookup: stored.lookup,
      hashField: stored.hashField,
      subjectField: stored.subjectField,
      claims: stored.claims,
      roleClaim: stored.roleClaim,
      span: stored.span,
    };
    return { schemes: [session], roles: [...info.roles.keys()], usesCookies: true };
  }
  const text = (name: string): string | null => {
    const p = info.settings.get(name);
    const v = p ? constantValue(p.value)?.value : undefined;
    return typeof v === "string" ? v : null;
  };
  const duration = (name: string, fallback: number): number => {
    const p = info.settings.get(name);
    return p && p.value.kind === "Duration" ? Math.round(p.value.value / 1000) : fallback;
  };
  const using = info.decl.using!;
  const arg = lowerExpr(using.args[0]);
  const privateKey = info.settings.get("private_key");
  const key: JwtKey =
    using.callee.name === "secret" ? { from: "secret", secret: arg }
    : using.callee.name === "jwks" ? { from: "jwks", url: arg }
    : { from: "publicKey", publicKey: arg, privateKey: privateKey ? lowerExpr(privateKey.value) : null };
  const cookie = text("cookie");
  const token: TokenLocation = cookie === null ? { from: "header" } : { from: "cookie", name: cookie };
  const scheme: JwtScheme = {
    kind: "jwt",
    algorithm: (text("algorithm") ?? "HS256") as JwtAlgorithm,
    key,
    issuer: text("issuer"),
    audience: text("audience"),
    expireSeconds: duration("expire", 3600),
    skewSeconds: duration("skew", 0),
    token,
    claims: info.claims!.decl.name.name,
    roleClaim: info.roleClaim,
    span: info.decl.span,
  };
  return { schemes: [scheme], roles: [...info.roles.keys()], usesCookies: token.from === "cookie" };
}

export function lowerRouteAuth(auth: EndpointAuth | null): RouteAuth | null {
  if (auth === null) return null;
  return { mode: auth.optional ? "optional" : "required", roles: auth.roles.map((r) => r.name), owner: auth.owner?.name ?? null };
}

/**
 * The key's row is read by one query of the app's table, like any other: `hashField = $0`, one row
 * (the field is UNIQUE), on whatever data source holds the entity.
 */
function lowerApiKey(info: AuthInfo, state: LowerState): ApiKeyScheme {
  const apiKey = info.apiKey!;
  const entity = apiKey.entity.schema.name;
  const id = `Q${state.queries.length}`;
  state.queries.push({
    id,
    entity,
    source: state.sourceOf.get(entity)!,
    // A SOFT DELETE key entity: a deleted key is no key (the same rewrite as every read).
    plan: rewriteSoftDelete({
      kind: "select",
      entity,
      fields: null,
      where: { kind: "compare", op: "==", left: { kind: "field", field: apiKey.hashField }, right: { kind: "arg", index: 0 } },
      orderBy: [],
      limit: null,
      offset: null,
      asOf: null,
      single: true,
    }, { entity: (name) => state.model.entities.get(name)?.schema, caller: () => ({ kind: "literal", value: null }) }),
    span: info.decl.span,
  });
  return {
    kind: "api_key",
    entity,
    lookup: id,
    hashField: apiKey.hashField,
    subjectField: apiKey.subjectField,
    location: apiKey.location as ApiKeyScheme["location"],
    claims: info.claims!.decl.name.name,
    roleClaim: info.roleClaim,
    span: info.decl.span,
  };
}
