import type { ApiKeyScheme, AuthModel, QueryDef, RouteAuth, SessionScheme, Shape } from "../../ir/nodes.js";
import type { CodeWriter } from "./code-writer.js";
import { AUTH_SCHEME_CONST, type ExpressionPrinter } from "./expressions.js";
import { validatorFunction } from "./validators.js";

/**
 * The AUTH scheme as the runtime's AuthScheme (runtime/src/auth/scheme.ts): constants as written,
 * keys as functions of the resolved environment (read once per server), and the claims shape's
 * compiled validator, so a token with well-formed signature but malformed claims is still a 401.
 */
export function emitAuthSchemes(out: CodeWriter, auth: AuthModel, shapes: readonly Shape[], x: ExpressionPrinter, queries: readonly QueryDef[]): void {
  const scheme = auth.schemes[0];
  if (scheme.kind !== "jwt") {
    emitStoredScheme(out, scheme, shapes, queries, x);
    return;
  }
  const key =
    scheme.key.from === "secret" ? `{ from: "secret", secret: ${x.print(scheme.key.secret)} }`
    : scheme.key.from === "jwks" ? `{ from: "jwks", url: ${x.print(scheme.key.url)} }`
    : `{ from: "publicKey", publicKey: ${x.print(scheme.key.publicKey)}, privateKey: ${scheme.key.privateKey ? x.print(scheme.key.privateKey) : "null"} }`;
  out.block(`const ${AUTH_SCHEME_CONST} =`, () => {
    out.line(`kind: "jwt",`);
    out.line(`algorithm: ${JSON.stringify(scheme.algorithm)},`);
    out.line(`key: (env) => (${key}),`);
    out.line(`issuer: ${JSON.stringify(scheme.issuer)},`);
    out.line(`audience: ${JSON.stringify(scheme.audience)},`);
    out.line(`expireSeconds: ${scheme.expireSeconds},`);
    out.line(`skewSeconds: ${scheme.skewSeconds},`);
    out.line(`token: ${JSON.stringify(scheme.token)},`);
    out.line(`roleClaim: ${JSON.stringify(scheme.roleClaim)},`);
    const shape = shapes.find((s) => s.name === scheme.claims);
    out.line(`claimNames: ${JSON.stringify(shape ? shape.fields.map((f) => f.name) : [])},`);
    out.line(`validateClaims: (claims) => ${validatorFunction(scheme.claims)}(claims, "", []),`);
  }, "};");
}

/** The runtime's ApiKeySchemeDefinition or SessionSchemeDefinition: the lookup runs the lowered query on the entity's data source. */
function emitStoredScheme(out: CodeWriter, scheme: ApiKeyScheme | SessionScheme, shapes: readonly Shape[], queries: readonly QueryDef[], x: ExpressionPrinter): void {
  const lookup = queries.find((q) => q.id === scheme.lookup)!;
  out.block(`const ${AUTH_SCHEME_CONST} =`, () => {
    out.line(`kind: ${JSON.stringify(scheme.kind)},`);
    if (scheme.kind === "api_key") out.line(`location: ${JSON.stringify(scheme.location)},`);
    else {
      out.line(`secret: (env) => ${x.print(scheme.secret)},`);
      out.line(`cookie: ${JSON.stringify(scheme.cookie)},`);
      out.line(`expireSeconds: ${scheme.expireSeconds},`);
    }
    out.line(`lookup: (db, hash) => db(${JSON.stringify(lookup.source)}).execute(${lookup.id}, [hash]),`);
    out.line(`hashField: ${JSON.stringify(scheme.hashField)},`);
    out.line(`subjectField: ${JSON.stringify(scheme.subjectField)},`);
    out.line(`roleClaim: ${JSON.stringify(scheme.roleClaim)},`);
    const shape = shapes.find((s) => s.name === scheme.claims);
    out.line(`claimNames: ${JSON.stringify(shape ? shape.fields.map((f) => f.name) : [])},`);
    out.line(`validateClaims: (claims) => ${validatorFunction(scheme.claims)}(claims, "", []),`);
  }, "};");
}

export function routeAuth(auth: RouteAuth): string {
  return `{ scheme: ${AUTH_SCHEME_CONST}, optional: ${auth.mode === "optional"}, roles: ${JSON.stringify(auth.roles)} }`;
}
