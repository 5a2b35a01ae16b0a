/**
 * Who may read and write each entity through GraphQL. The app's AUTH scheme decides who the caller
 * is (the /graphql route runs the same `auth` stage as every endpoint, with the credential
 * optional, so a bad credential is a 401 before anything runs); these policies decide what a caller
 * may do with each entity:
 *
 *   "public"          anyone who reaches /graphql
 *   "authenticated"   any caller with a valid credential
 *   ["editor", …]     a caller holding one of these roles
 *
 * The default, when the app declares AUTH, is "authenticated" for reads and writes: an entity
 * becomes public only when the config says so. Without AUTH everything is public, and naming a
 * policy other than "public" is a start-up error (there is nobody to authenticate).
 */
import { hasRole } from "../auth/verify.js";
import type { AuthClaims, AuthSchemeDefinition } from "../auth/scheme.js";

export type GraphqlAccess = "public" | "authenticated" | readonly string[];

export interface GraphqlAccessConfig {
  /** Reads of every entity (queries, relations, history). Default "authenticated" with AUTH. */
  read?: GraphqlAccess;
  /** The generated create/update/delete mutations. Default "authenticated" with AUTH. */
  write?: GraphqlAccess;
  /** Per entity, overriding `read`/`write`. */
  access?: Readonly<Record<string, { read?: GraphqlAccess; write?: GraphqlAccess }>>;
}

/** Raised by a resolver the caller may not use: a GraphQL error with its status, not data. */
export class AccessError extends Error {
  constructor(readonly status: 401 | 403, message: string) {
    super(message);
    this.name = "AccessError";
  }
  get code(): string {
    return this.status === 401 ? "UNAUTHENTICATED" : "FORBIDDEN";
  }
}

export class GraphqlAccessPolicy {
  private constructor(
    private readonly scheme: AuthSchemeDefinition | undefined,
    private readonly config: GraphqlAccessConfig,
  ) {}

  /** Checks the config against the app: roles need a scheme, entity names must exist. */
  static create(scheme: AuthSchemeDefinition | undefined, config: GraphqlAccessConfig, entities: readonly string[]): GraphqlAccessPolicy {
    const policies: Array<[string, GraphqlAccess | undefined]> = [["read", config.read], ["write", config.write]];
    for (const [entity, p] of Object.entries(config.access ?? {})) {
      if (!entities.includes(entity)) throw new Error(`graphql.access names ${entity}, which the app does not declare (it has: ${entities.join(", ")})`);
      policies.push([`access.${entity}.read`, p.read], [`access.${entity}.write`, p.write]);
    }
    if (scheme === undefined) {
      const needing = policies.filter(([, p]) => p !== undefined && p !== "public").map(([k]) => `graphql.${k}`);
      if (needing.length > 0) throw new Error(`${needing.join(", ")} asks for a signed-in caller, but no endpoint of the app uses AUTH, so GraphQL cannot authenticate anyone; declare AUTH or make it "public"`);
    } else if (scheme.roleClaim === null) {
      const roles = policies.filter(([, p]) => Array.isArray(p)).map(([k]) => `graphql.${k}`);
      if (roles.length > 0) throw new Error(`${roles.join(", ")} names roles, but the app's AUTH declares none (add roles: [...] to it)`);
    }
    return new GraphqlAccessPolicy(scheme, config);
  }

  /** The policy for one action on one entity. */
  policy(entity: string, action: "read" | "write"): GraphqlAccess {
    const own = this.config.access?.[entity]?.[action];
    if (own !== undefined) return own;
    const all = this.config[action];
    if (all !== undefined) return all;
    return this.scheme === undefined ? "public" : "authenticated";
  }

  /** Throws an AccessError unless `claims` may do `action` on `entity`. */
  check(entity: string, action: "read" | "write", claims: AuthClaims | null): void {
    const policy = this.policy(entity, action);
    if (policy === "public") return;
    if (claims === null) throw new AccessError(401, `${action === "read" ? "reading" : "writing"} ${entity} needs a valid credential`);
    if (policy === "authenticated" || this.scheme === undefined) return;
    if (!hasRole(this.scheme, claims, policy)) throw new AccessError(403, `${action === "read" ? "reading" : "writing"} ${entity} needs the role ${policy.join(" or ")}`);
  }
}
