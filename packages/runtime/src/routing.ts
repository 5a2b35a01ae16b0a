/** The route table: app routes in a Router (router.ts), plus the runtime's own health route. */
import type { Logger } from "pino";
import type { AppDefinition } from "./app.js";
import type { ApiDocs, ApiDocsReply } from "./api-docs/api-docs.js";
import type { GraphqlEndpoint } from "./graphql/endpoint.js";
import { CompiledRoute } from "./route.js";
import { Router } from "./router.js";

/** The runtime's own routes answered before the Host check (probes come by address). */
export class InternalRoute {
  constructor(readonly kind: "health" | "ready" | "metrics", readonly path: string) {}
}

export function isHealthRoute(store: unknown): store is InternalRoute {
  return store instanceof InternalRoute;
}

/** Methods answered by some route, in the order they are listed in an `Allow` header. */
const METHODS: readonly string[] = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"];

/** A route of the API description (the OpenAPI document, the docs page and its files). */
export class ApiDocsRoute {
  constructor(readonly reply: () => ApiDocsReply) {}
}

/** Which of the runtime's own routes to serve besides health and readiness. */
export interface InternalRoutes {
  /** `/_kova/metrics` on the public port (metrics behind a token); absent when off or on their own port. */
  metrics?: boolean;
}

/** What a route table entry holds: an app (or GraphQL) route, a runtime route (probes, metrics), or an API description route. */
export type RouteStore = CompiledRoute | InternalRoute | ApiDocsRoute;

/** find() gives a match with a null store for bad percent-encoding (a 400), null for no route. */
export function buildRouter(app: AppDefinition, internalPrefix: string | false, log: Logger, apiDocs?: ApiDocs, graphql?: GraphqlEndpoint, internal: InternalRoutes = {}): Router<RouteStore> {
  const router = new Router<RouteStore>();
  for (const definition of app.routes) {
    const route = new CompiledRoute(definition);
    try {
      router.on(definition.method, definition.path, route);
      // HEAD is answered by GET routes (node:http leaves the body out).
      if (definition.method === "GET" && !app.routes.some((r) => (r.method as string) === "HEAD" && r.path === definition.path)) {
        router.on("HEAD", definition.path, route);
      }
    } catch (error) {
      throw new Error(`cannot register route ${definition.method} ${definition.path}: ${(error as Error).message}`);
    }
  }
  if (internalPrefix !== false) {
    const kinds: Array<InternalRoute["kind"]> = internal.metrics === true ? ["health", "ready", "metrics"] : ["health", "ready"];
    for (const kind of kinds) {
      const path = `${internalPrefix.replace(/\/+$/, "")}/${kind}`;
      if (router.find("GET", path) !== null) log.warn({ path }, kind === "health" ? "an app route takes the health check path; the health check is not served" : `an app route takes the ${kind} path; the runtime's ${kind} route is not served`);
      else router.on(["GET", "HEAD"], path, new InternalRoute(kind, path));
    }
  }
  for (const [path, reply] of apiDocs?.routes ?? []) {
    if (router.find("GET", path) !== null) log.warn({ path }, "an app route takes the API description's path; it is not served there");
    else router.on(["GET", "HEAD"], path, new ApiDocsRoute(reply));
  }
  if (graphql !== undefined) {
    if (router.find("POST", graphql.path) !== null || router.find("GET", graphql.path) !== null) throw new Error(`an app route takes ${graphql.path}, where GraphQL is configured to be served`);
    // Routes like the app's own: they run through the same pipeline (AUTH, limits, body checks).
    for (const definition of graphql.routes) router.on(definition.method, definition.path, new CompiledRoute(definition));
  }
  return router;
}

/** The methods that do have a route for this URL (for 405 and OPTIONS). */
export function allowedMethods(router: Router<RouteStore>, url: string): string[] {
  const allowed: string[] = [];
  for (const method of METHODS) {
    const match = router.find(method, url);
    if (match !== null && match.store !== null) allowed.push(method);
  }
  return allowed;
}
