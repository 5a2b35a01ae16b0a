/**
 * The AUTH declaration and the `AUTH …` modifier of endpoints: which scheme, which key, which
 * claims shape (the type of `$auth`), which roles exist. Everything is checked here once; lowering
 * (ir/auth.ts) only copies the decided values into the app model.
 */
import type { AuthDecl, EndpointAuth, Expression, Identifier, Property } from "../ast/nodes.js";
import { closestName } from "../diagnostics/suggest.js";
import { report, type CheckContext } from "./context.js";
import { checkExpression } from "./expressions.js";
import { constantValue } from "./fold.js";
import type { ValidatorInfo } from "./model.js";
import type { KovaType } from "./types.js";
import { API_KEY_SETTINGS, SESSION_SETTINGS, checkApiKey, type ApiKeyInfo } from "./api-key.js";

export interface AuthInfo {
  decl: AuthDecl;
  kind: "jwt" | "api_key" | "session";
  /** The settings by name (unknown ones were reported and are left out). */
  settings: Map<string, Property>;
  /** The claims shape; null when it was missing or unknown (already reported). */
  claims: ValidatorInfo | null;
  /** Declared roles with where they are written. */
  roles: Map<string, Expression>;
  /** The claim that holds the role, when roles are declared. */
  roleClaim: string | null;
  /** api_key: where keys are stored (see checker/api-key.ts); null for jwt. */
  apiKey: ApiKeyInfo | null;
}

export const AUTH_KINDS = ["jwt", "api_key", "session"] as const;

/** The algorithms each key form may pin; the first is the default. */
const ALGORITHMS: Readonly<Record<string, readonly string[]>> = {
  secret: ["HS256", "HS384", "HS512"],
  public_key: ["RS256", "RS384", "RS512", "PS256", "ES256", "ES384", "EdDSA"],
  jwks: ["RS256", "RS384", "RS512", "PS256", "ES256", "ES384", "EdDSA"],
};

export const JWT_SETTINGS = ["claims", "roles", "role_claim", "algorithm", "issuer", "audience", "expire", "skew", "cookie", "private_key"] as const;

/** What each setting takes, for messages and hover. */
export const JWT_SETTING_HELP: Readonly<Record<(typeof JWT_SETTINGS)[number], string>> = {
  claims: "the VALIDATE shape of the token's claims (must have sub); `$auth` has this type",
  roles: 'the roles endpoints may require, as ["admin", "editor"]',
  role_claim: 'the claim that holds the role (a text or a list of texts); default "role"',
  algorithm: "the one signing algorithm accepted (HS256 for a secret; RS256, ES256, EdDSA… for a key)",
  issuer: "the `iss` every token must carry (sign_token writes it)",
  audience: "the `aud` every token must carry (sign_token writes it)",
  expire: "sign_token's default time to live, a duration such as 1h",
  skew: "tolerated clock difference for exp and nbf, a duration such as 30s (default 0s)",
  cookie: "read the token from this cookie instead of the Authorization header",
  private_key: "a PEM private key (usually env(\"…\")) that sign_token signs with, for public_key schemes",
};

/** Collects and checks every AUTH declaration of the program (at most one scheme today). */
export function checkAuthDeclarations(ctxFor: (file: string) => CheckContext, decls: AuthDecl[]): AuthInfo | null {
  let info: AuthInfo | null = null;
  for (const decl of decls) {
    const ctx = ctxFor(decl.span.file);
    const kind = decl.name.name;
    if (kind === "") continue;
    if (!(AUTH_KINDS as readonly string[]).includes(kind)) {
      report(ctx, "UnknownAuthScheme", decl.name.span, `no authentication scheme named '${kind}' (schemes: ${AUTH_KINDS.join(", ")})`, AUTH_KINDS, kind);
      continue;
    }
    if (info !== null) {
      const first = info.decl.span;
      ctx.diagnostics.report("DuplicateAuthScheme", decl.name.span, `an AUTH ${info.kind} scheme is already declared at ${first.file}:${first.start.line}:${first.start.column}`, {
        suggestion: "keep one AUTH block: a program has one way to sign in",
      });
      continue;
    }
    info = kind === "jwt" ? checkJwt(ctx, decl) : checkStoredScheme(ctx, decl);
  }
  return info;
}

function checkJwt(ctx: CheckContext, decl: AuthDecl): AuthInfo {
  const settings = new Map<string, Property>();
  for (const p of decl.properties) {
    const name = p.key.name;
    if (!(JWT_SETTINGS as readonly string[]).includes(name)) {
      report(ctx, "UnknownAuthSetting", p.key.span, `'${name}' is not a setting of AUTH jwt (settings: ${JWT_SETTINGS.join(", ")})`, JWT_SETTINGS, name);
      continue;
    }
    if (settings.has(name)) {
      ctx.diagnostics.report("UnknownAuthSetting", p.key.span, `'${name}' is set twice`, { suggestion: "keep one" });
      continue;
    }
    settings.set(name, p);
  }
  const info: AuthInfo = { decl, kind: "jwt", settings, claims: null, roles: new Map(), roleClaim: null, apiKey: null };
  const keyForm = checkKey(ctx, decl);
  checkAlgorithm(ctx, decl, settings.get("algorithm"), keyForm);
  for (const name of ["issuer", "audience", "cookie"] as const) {
    const p = settings.get(name);
    if (p && typeof constantValue(p.value)?.value !== "string") {
      ctx.diagnostics.report("InvalidAuthSetting", p.value.span, `${name} must be a constant text`, { suggestion: `write ${name}: "…"` });
    }
  }
  for (const name of ["expire", "skew"] as const) {
    const p = settings.get(name);
    if (p && (p.value.kind !== "Duration" || p.value.value < 0)) {
      ctx.diagnostics.report("InvalidAuthSetting", p.value.span, `${name} must be a duration`, { suggestion: `write ${name}: ${name === "expire" ? "1h" : "30s"}` });
    }
  }
  const privateKey = settings.get("private_key");
  if (privateKey) {
    checkExpression(ctx, privateKey.value);
    if (keyForm !== "public_key") {
      ctx.diagnostics.report("InvalidAuthSetting", privateKey.key.span, "private_key goes with USING public_key(…)", { suggestion: "remove it: a secret signs and verifies; a JWKS URL can only verify" });
    }
  }
  info.claims = checkClaims(ctx, decl, settings.get("claims"));
  checkRoles(ctx, info, settings.get("roles"), settings.get("role_claim"));
  return info;
}

/**
 * `AUTH api_key { entity: ApiKey, … }` and `AUTH session USING secret(env("SESSION_KEY")) { entity: Session, … }`:
 * credentials stored hashed in an entity; the settings they share with jwt (claims, roles) are checked the same way.
 */
function checkStoredScheme(ctx: CheckContext, decl: AuthDecl): AuthInfo {
  const kind = decl.name.name as "api_key" | "session";
  const known: readonly string[] = kind === "session" ? SESSION_SETTINGS : API_KEY_SETTINGS;
  const settings = new Map<string, Property>();
  for (const p of decl.properties) {
    const name = p.key.name;
    if (!known.includes(name)) {
      report(ctx, "UnknownAuthSetting", p.key.span, `'${name}' is not a setting of AUTH ${kind} (settings: ${known.join(", ")})`, known, name);
      continue;
    }
    if (settings.has(name)) {
      ctx.diagnostics.report("UnknownAuthSetting", p.key.span, `'${name}' is set twice`, { suggestion: "keep one" });
      continue;
    }
    settings.set(name, p);
  }
  if (kind === "api_key" && decl.using !== null) {
    ctx.diagnostics.report("InvalidAuthSetting", decl.using.span, "AUTH api_key takes no USING: its keys live in an entity", { suggestion: "remove USING …; name the entity with entity: ApiKey" });
  }
  if (kind === "session") {
    // The cookie is signed (HMAC-SHA256) with this secret: a forged or edited cookie fails without a database read.
    if (decl.using === null || decl.using.callee.name !== "secret") {
      ctx.diagnostics.report("MissingAuthSetting", (decl.using ?? decl.name).span, "AUTH session needs the secret its cookies are signed with: USING secret(env(\"SESSION_KEY\"))", {
        suggestion: 'write AUTH session USING secret(env("SESSION_KEY")) { … }',
      });
    } else checkKey(ctx, decl);
    const expire = settings.get("expire");
    if (expire && (expire.value.kind !== "Duration" || expire.value.value <= 0)) {
      ctx.diagnostics.report("InvalidAuthSetting", expire.value.span, "expire must be a duration", { suggestion: "write expire: 7d" });
    }
  }
  const info: AuthInfo = { decl, kind, settings, claims: null, roles: new Map(), roleClaim: null, apiKey: null };
  info.claims = checkClaims(ctx, decl, settings.get("claims"));
  info.apiKey = checkApiKey(ctx, decl, settings, info.claims);
  checkRoles(ctx, info, settings.get("roles"), settings.get("role_claim"));
  return info;
}

/** `USING secret(…)`, `public_key(…)` or `jwks(…)`, with one argument (usually env("…")). */
function checkKey(ctx: CheckContext, decl: AuthDecl): string | null {
  const using = decl.using;
  if (using === null) {
    ctx.diagnostics.report("MissingAuthSetting", decl.name.span, "AUTH jwt needs a key: USING secret(env(\"JWT_KEY\")), public_key(env(\"…\")) or jwks(\"https://…\")", {
      suggestion: 'add USING secret(env("JWT_KEY")) after AUTH jwt',
    });
    return null;
  }
  const form = using.callee.name;
  if (!(form in ALGORITHMS)) {
    report(ctx, "InvalidAuthSetting", using.callee.span, `'${form}' is not a key source (use secret, public_key or jwks)`, Object.keys(ALGORITHMS), form);
    return null;
  }
  if (using.args.length !== 1) {
    ctx.diagnostics.report("InvalidAuthSetting", using.span, `${form}(…) takes one value`, { suggestion: `${form}(env("…"))` });
  }
  for (const arg of using.args) checkExpression(ctx, arg);
  const literal = using.args[0] ? constantValue(using.args[0]) : undefined;
  if (form === "secret" && typeof literal?.value === "string") {
    // A secret written in the source ends up in version control and in every build.
    ctx.diagnostics.report("InvalidAuthSetting", using.args[0].span, "a signing secret must not be written in the source", {
      suggestion: 'read it from the environment: secret(env("JWT_KEY"))',
    });
  }
  return form;
}

function checkAlgorithm(ctx: CheckContext, decl: AuthDecl, setting: Property | undefined, keyForm: string | null): void {
  if (keyForm === null) return;
  const allowed = ALGORITHMS[keyForm];
  if (!setting) {
    if (keyForm !== "secret") {
      ctx.diagnostics.report("MissingAuthSetting", decl.using!.span, `${keyForm}(…) needs the algorithm pinned (one of ${allowed.join(", ")})`, {
        suggestion: 'add algorithm: "RS256" (or the one your issuer signs with) to the AUTH block',
      });
    }
    return;
  }
  const value = constantValue(setting.value)?.value;
  if (typeof value !== "string" || !allowed.includes(value)) {
    const guess = typeof value === "string" ? closestName(value, allowed) : undefined;
    ctx.diagnostics.report("InvalidAuthSetting", setting.value.span, `algorithm must be one of ${allowed.join(", ")} for ${keyForm}(…)`, {
      suggestion: guess ? `did you mean '${guess}'?` : `write algorithm: "${allowed[0]}"`,
    });
  }
}

function checkClaims(ctx: CheckContext, decl: AuthDecl, setting: Property | undefined): ValidatorInfo | null {
  if (!setting) {
    ctx.diagnostics.report("MissingAuthSetting", decl.name.span, `AUTH ${decl.name.name} needs claims: the VALIDATE shape of what $auth holds`, {
      suggestion: "declare VALIDATE Claims { sub: string } and add claims: Claims to the AUTH block",
    });
    return null;
  }
  if (setting.value.kind !== "Name") {
    ctx.diagnostics.report("InvalidAuthSetting", setting.value.span, "claims names a VALIDATE shape", { suggestion: "write claims: Claims" });
    return null;
  }
  const name = setting.value.name;
  const shape = ctx.model.validators.get(name);
  if (!shape) {
    report(ctx, "UnknownClaimsShape", setting.value.span, `no VALIDATE shape named '${name}' for the claims`, ctx.model.validators.keys(), name);
    return null;
  }
  ctx.model.resolutions.set(setting.value, shape.decl);
  const sub = shape.type.kind === "object" ? shape.type.fields?.get("sub") : undefined;
  if (!sub || sub.optional || sub.type.kind !== "string") {
    ctx.diagnostics.report("MissingAuthSetting", setting.value.span, `the claims shape ${name} needs a required text field sub (the caller's id)`, {
      suggestion: `add sub: string to VALIDATE ${name}`,
    });
  }
  return shape;
}

function checkRoles(ctx: CheckContext, info: AuthInfo, setting: Property | undefined, roleClaim: Property | undefined): void {
  if (!setting) {
    if (roleClaim) ctx.diagnostics.report("InvalidAuthSetting", roleClaim.key.span, "role_claim without roles", { suggestion: 'declare roles: ["admin", …] too' });
    return;
  }
  if (setting.value.kind !== "Array" || setting.value.elements.length === 0) {
    ctx.diagnostics.report("InvalidAuthSetting", setting.value.span, "roles is a list of role names", { suggestion: 'write roles: ["admin", "editor"]' });
    return;
  }
  for (const element of setting.value.elements) {
    const value = element.kind === "Spread" ? undefined : constantValue(element)?.value;
    if (typeof value !== "string" || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(value)) {
      ctx.diagnostics.report("InvalidAuthSetting", element.span, "a role is a constant name such as \"admin\"", { suggestion: "use letters, digits and _" });
    } else if (value === "optional" || value === "owner") {
      ctx.diagnostics.report("InvalidAuthSetting", element.span, `'${value}' is a word of the AUTH modifier, not a possible role`, { suggestion: "choose another role name" });
    } else info.roles.set(value, element as Expression);
  }
  let claimName = "role";
  if (roleClaim) {
    const value = constantValue(roleClaim.value)?.value;
    if (typeof value !== "string") ctx.diagnostics.report("InvalidAuthSetting", roleClaim.value.span, "role_claim is the name of a claim", { suggestion: 'write role_claim: "roles"' });
    else claimName = value;
  }
  info.roleClaim = claimName;
  const fields = info.claims?.type.kind === "object" ? info.claims.type.fields : null;
  if (info.claims && fields && !fields.has(claimName)) {
    const at = roleClaim?.value ?? setting.key;
    report(ctx, "UnknownClaim", at.span, `the claims shape ${info.claims.decl.name.name} has no '${claimName}' field to read roles from`, fields.keys(), claimName);
  }
}

/** The `AUTH …` modifier of an endpoint: a declared scheme, declared roles. */
export function checkEndpointAuth(ctx: CheckContext, auth: EndpointAuth): void {
  const info = ctx.model.auth;
  if (info === null) {
    ctx.diagnostics.report("AuthWithoutScheme", auth.span, "AUTH on an endpoint needs an AUTH declaration saying how callers sign in", {
      suggestion: 'declare AUTH jwt USING secret(env("JWT_KEY")) { claims: Claims } in the program',
    });
    return;
  }
  for (const role of auth.roles) checkRole(ctx, info, role);
  if (auth.optional && (auth.roles.length > 0 || auth.owner)) {
    ctx.diagnostics.report("InvalidAuthSetting", auth.span, "AUTH optional lets anonymous callers in, so it cannot also require roles or ownership", {
      suggestion: "remove optional, or the roles and owner(…)",
    });
  }
}

function checkRole(ctx: CheckContext, info: AuthInfo, role: Identifier): void {
  if (info.roles.has(role.name)) {
    ctx.model.resolutions.set(role, info.roles.get(role.name)!);
    return;
  }
  const declared = [...info.roles.keys()];
  const where = declared.length === 0 ? "the AUTH block declares no roles" : `roles: ${declared.join(", ")}`;
  report(ctx, "UnknownRole", role.span, `no role named '${role.name}' (${where})`, declared, role.name);
}

/** The type of `$auth`: the claims shape, or unknown when it was not resolved. */
export function authType(ctx: CheckContext): KovaType {
  return ctx.model.auth?.claims?.type ?? { kind: "unknown" };
}
