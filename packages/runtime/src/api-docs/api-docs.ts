/**
 * The app's own API description, served by the runtime: the OpenAPI 3.1 document `kova build`
 * wrote next to the app (`dist/openapi.json`) at `/_kova/openapi.json`, and an interactive docs
 * page at `/_kova/docs` (Swagger UI, from the `swagger-ui-dist` package installed with the runtime:
 * no CDN, nothing fetched from elsewhere). "Try it out" sends requests to this same app.
 *
 * The page runs under its own strict Content-Security-Policy: scripts only from this origin (the
 * bundle and a small init file, no inline script), styles from this origin (Swagger UI also sets
 * inline style attributes), requests only to this origin, and it can be framed by nobody.
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import type { Logger } from "pino";

export interface ApiDocsOptions {
  /** Where the OpenAPI document is served; false: not served (and no docs page). */
  openapi: string | false;
  /** Where the docs page is served; false: not served. */
  docs: string | false;
}

/** A reply of the API docs routes: a body (text or bytes) and its headers. */
export interface ApiDocsReply {
  status: number;
  body: string | Buffer;
  headers: Record<string, string>;
}

export const DOCS_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/** The Swagger UI files the page loads, with their content types. */
const ASSETS: Readonly<Record<string, string>> = {
  "swagger-ui.css": "text/css; charset=utf-8",
  "swagger-ui-bundle.js": "text/javascript; charset=utf-8",
  "favicon-32x32.png": "image/png",
  "favicon-16x16.png": "image/png",
};

/** The routes the API description adds, by path, and what each answers. */
export class ApiDocs {
  private readonly documents = new Map<string | URL, string>();
  private assetsDir: string | null | undefined;
  readonly routes = new Map<string, () => ApiDocsReply>();

  constructor(
    /** The OpenAPI document's file (the app's `openapi` field), or undefined when the build wrote none. */
    documentFile: string | URL | undefined,
    options: ApiDocsOptions,
    private readonly log: Logger,
    /** One document per API version (the app's `openapiVersions`), served at `<openapi>/<version>.json`. */
    versionFiles: Readonly<Record<string, string | URL>> = {},
  ) {
    if (options.openapi === false || documentFile === undefined) return;
    const openapi = options.openapi;
    this.routes.set(openapi, () => this.documentReply(documentFile));
    const documents = [{ url: openapi, name: "all versions" }];
    for (const [version, file] of Object.entries(versionFiles)) {
      const url = versionDocumentPath(openapi, version);
      this.routes.set(url, () => this.documentReply(file));
      documents.push({ url, name: version });
    }
    if (options.docs === false) return;
    const docs = options.docs.replace(/\/+$/, "");
    this.routes.set(docs, () => page(docs, openapi));
    this.routes.set(`${docs}/init.js`, () => initScript(documents));
    for (const [file, type] of Object.entries(ASSETS)) this.routes.set(`${docs}/${file}`, () => this.asset(file, type));
  }

  private documentReply(file: string | URL): ApiDocsReply {
    let document = this.documents.get(file);
    if (document === undefined) {
      try {
        document = readFileSync(file, "utf8");
        this.documents.set(file, document);
      } catch (error) {
        this.log.warn({ err: error }, "the OpenAPI document cannot be read; rebuild the app with kova build");
        return notFound("the OpenAPI document of this app was not built");
      }
    }
    return { status: 200, body: document, headers: { "content-type": "application/json; charset=utf-8", "cache-control": "no-cache" } };
  }

  private asset(file: string, type: string): ApiDocsReply {
    this.assetsDir ??= swaggerUiDir(this.log);
    if (this.assetsDir === null) return notFound("the docs page needs the swagger-ui-dist package, which is not installed");
    return { status: 200, body: readFileSync(join(this.assetsDir, file)), headers: { "content-type": type, "cache-control": "public, max-age=3600", "content-security-policy": DOCS_CSP } };
  }
}

function notFound(detail: string): ApiDocsReply {
  return { status: 404, body: JSON.stringify({ type: "urn:kova:problem:not-found", title: "Not Found", status: 404, detail }), headers: { "content-type": "application/problem+json" } };
}

/** swagger-ui-dist's folder, resolved from the runtime (it is one of its dependencies). */
function swaggerUiDir(log: Logger): string | null {
  try {
    return dirname(createRequire(import.meta.url).resolve("swagger-ui-dist/package.json"));
  } catch (error) {
    log.warn({ err: error }, "swagger-ui-dist is not installed: the API docs page cannot be served");
    return null;
  }
}

const escapeHtml = (text: string): string => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function page(docs: string, openapi: string): ApiDocsReply {
  const html = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>API docs</title>
<link rel="stylesheet" href="${escapeHtml(docs)}/swagger-ui.css">
<link rel="icon" type="image/png" href="${escapeHtml(docs)}/favicon-32x32.png" sizes="32x32">
</head>
<body>
<noscript>This page needs JavaScript. The API description itself is at <a href="${escapeHtml(openapi)}">${escapeHtml(openapi)}</a>.</noscript>
<div id="swagger-ui"></div>
<script src="${escapeHtml(docs)}/swagger-ui-bundle.js"></script>
<script src="${escapeHtml(docs)}/init.js"></script>
</body>
</html>
`;
  return { status: 200, body: html, headers: { "content-type": "text/html; charset=utf-8", "cache-control": "no-cache", "content-security-policy": DOCS_CSP } };
}

/** Where a version's OpenAPI document is served, when it is (the app has one and the document is served). */
export function versionDocument(app: { openapiVersions?: Readonly<Record<string, unknown>> }, options: ApiDocsOptions, version: string): string | undefined {
  if (options.openapi === false || app.openapiVersions?.[version] === undefined) return undefined;
  return versionDocumentPath(options.openapi, version);
}

/** `/_kova/openapi.json` and `v2` → `/_kova/openapi/v2.json`. */
export function versionDocumentPath(openapi: string, version: string): string {
  return `${openapi.replace(/\.json$/, "")}/${version}.json`;
}

function initScript(documents: ReadonlyArray<{ url: string; name: string }>): ApiDocsReply {
  // With API versions, Swagger UI's top bar picks the document: every route, or one version's.
  const source = documents.length === 1 ? `url: ${JSON.stringify(documents[0].url)},` : `urls: ${JSON.stringify(documents)},`;
  const script = `// Starts Swagger UI on this app's OpenAPI document; "Try it out" calls this same origin.
window.ui = SwaggerUIBundle({
  ${source}
  dom_id: "#swagger-ui",
  deepLinking: true,
  tryItOutEnabled: true,
  displayRequestDuration: true,
});
`;
  return { status: 200, body: script, headers: { "content-type": "text/javascript; charset=utf-8", "cache-control": "no-cache", "content-security-policy": DOCS_CSP } };
}

/** Where the API description is served under the runtime's prefix (`/_kova`), unless configured otherwise. */
export function apiDocsOptions(internalPrefix: string | false, configured: { openapi?: string | boolean; docs?: string | boolean } = {}): ApiDocsOptions {
  const prefix = internalPrefix === false ? false : internalPrefix.replace(/\/+$/, "");
  const pick = (value: string | boolean | undefined, fallback: string): string | false => {
    if (value === false) return false;
    if (typeof value === "string") return value;
    return prefix === false ? false : `${prefix}${fallback}`;
  };
  const openapi = pick(configured.openapi, "/openapi.json");
  return { openapi, docs: openapi === false ? false : pick(configured.docs, "/docs") };
}
