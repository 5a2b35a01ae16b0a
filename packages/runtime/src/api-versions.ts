/**
 * API versions (`API v1 DEPRECATED "2026-06-01" SUNSET "2027-01-01" { … }` in Kova): the routes
 * of a deprecated version keep answering as before, and every answer — problems included — says
 * so with `Deprecation: @<unix seconds>` (RFC 9745) and `Sunset: <HTTP-date>` (RFC 8594), plus a
 * `Link` to the version's OpenAPI document so a client can find what replaces it. The header
 * values are computed once per route when the server starts; a request of a current version
 * pays one property read.
 */
import type { AppDefinition, ApiVersionDefinition, RouteDefinition } from "./app.js";
import type { Exchange, StageOutcome } from "./exchange.js";
import type { Pipeline, PipelineStage } from "./pipeline.js";

export const API_VERSION_STAGE = "apiVersion";

/** The headers a version's answers carry; empty for a version that is neither deprecated nor sunset. */
export function versionHeaders(version: ApiVersionDefinition, documentPath?: string): Record<string, string> {
  const headers: Record<string, string> = {};
  if (version.deprecated !== null) headers.deprecation = `@${Math.floor(Date.parse(version.deprecated) / 1000)}`;
  if (version.sunset !== null) headers.sunset = new Date(version.sunset).toUTCString();
  if (Object.keys(headers).length > 0 && documentPath !== undefined) headers.link = `<${documentPath}>; rel="deprecation"; type="application/json"`;
  return headers;
}

/**
 * The pipeline with the version stage first (so an early answer such as a 401 carries the headers
 * too), or as it was when no route of the app is deprecated or sunset.
 */
export function withVersionStage(pipeline: Pipeline, app: AppDefinition, documentPath?: (version: string) => string | undefined): Pipeline {
  const byRoute = new Map<RouteDefinition, Record<string, string>>();
  for (const route of app.routes) {
    if (route.version === undefined) continue;
    const headers = versionHeaders(route.version, documentPath?.(route.version.name));
    if (Object.keys(headers).length > 0) byRoute.set(route, headers);
  }
  if (byRoute.size === 0 || pipeline.names.includes(API_VERSION_STAGE)) return pipeline;
  const stage: PipelineStage = {
    name: API_VERSION_STAGE,
    run(ex: Exchange): StageOutcome {
      const headers = byRoute.get(ex.route.definition);
      if (headers !== undefined) for (const name in headers) ex.setHeader(name, headers[name]);
    },
  };
  return pipeline.with(stage, { before: pipeline.names[0] });
}
