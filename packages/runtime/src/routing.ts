/** The route table: app routes in a find-my-way router, plus the runtime's own health route. */
import Router from "find-my-way";
import type { Logger } from "pino";
import type { AppDefinition } from "./app.js";
import type { ApiDocs, ApiDocsReply } from "./api-docs/api-docs.js";
import type { GraphqlEndpoint } from "./graphql/endpoint.js";
import { CompiledRoute } from "./route.js";

const HEALTH = { kovaHealth: true } as const;

export function isHealthRoute(store: unknown): boolean {
  return store === HEALTH;
}

const noop = (): void => {};

/** Methods answered by some route, in the order they are listed in an `Allow` header. */
const METHODS: Router.HTTPMethod[] = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"];

/** A route of the API description (the OpenAPI document, the docs page and its files). */
export class ApiDocsRoute {
  constructor(readonly reply: () => ApiDocsReply) {}
}

export function buildRouter(app: AppDefinition, internalPrefix: string | false, log: Logger, apiDocs?: ApiDocs, graphql?: GraphqlEndpoint): Router.Instance<Router.HTTPVersion.V1> {
  // onBadUrl makes find() return a match with a null store for bad percent-encoding (a 400),
  // instead of null (which would read as "no such route").
  const router = Router({ maxParamLength: 500, onBadUrl: noop });
  for (const definition of app.routes) {
    const route = new CompiledRoute(definition);
    try {
      router.on(definition.method, definition.path, noop, route);
      // HEAD is answered by GET routes (node:http leaves the body out).
      if (definition.method === "GET" && !app.routes.some((r) => (r.method as string) === "HEAD" && r.path === definition.path)) {
        router.on("HEAD", definition.path, noop, route);
      }
    } catch (error) {
      throw new Error(`cannot register route ${definition.method} ${definition.path}: ${(error as Error).message}`);
    }
  }
  if (internalPrefix !== false) {
    const healthPath = `${internalPrefix.replace(/\/+$/, "")}/health`;
    if (router.find("GET", healthPath) !== null) {
      log.warn({ path: healthPath }, "an app route takes the health check path; the health check is not served");
    } else {
      router.on(["GET", "HEAD"], healthPath, noop, HEALTH);
    }
  }
  for (const [path, reply] of apiDocs?.routes ?? []) {
    if (router.find("GET", path) !== null) log.warn({ path }, "an app route takes the API description's path; it is not served there");
    else router.on(["GET", "HEAD"], path, noop, new ApiDocsRoute(reply));
  }
  if (graphql !== undefined) {
    if (router.find("POST", graphql.path) !== null || router.find("GET", graphql.path) !== null) throw new Error(`an app route takes ${graphql.path}, where GraphQL is configured to be served`);
    // Routes like the app's own: they run through the same pipeline (AUTH, limits, body checks).
    for (const definition of graphql.routes) router.on(definition.method, definition.path, noop, new CompiledRoute(definition));
  }
  // Generates a matcher function per method tree instead of walking the tree on every lookup.
  return router.compile();
}

/** The methods that do have a route for this URL (for 405 and OPTIONS). */
export function allowedMethods(router: Router.Instance<Router.HTTPVersion.V1>, url: string): string[] {
  const allowed: string[] = [];
  for (const method of METHODS) {
    const match = router.find(method, url);
    if (match !== null && match.store !== null) allowed.push(method);
  }
  return allowed;
}
