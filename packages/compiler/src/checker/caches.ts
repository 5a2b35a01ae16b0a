/**
 * CACHE declarations and the endpoint clause (docs/language.md, "CACHE"):
 *
 *   CACHE posts { ttl: 60s, key: "post:{id}", mode: "revalidate", max_entries: 10000 }
 *   GET /posts/:id CACHE posts { RESPOND SELECT * FROM Post WHERE id = $id }
 *
 * Settings are constants with known names and ranges; a key template's `{name}`s must be request
 * inputs of every endpoint that uses the cache (a path parameter or a declared QUERY parameter), so
 * two requests that can answer differently never share a key. Which writes evict what is decided
 * later, from the lowered queries (ir/cache.ts).
 */
import type { CacheDecl, EndpointDecl, Expression, Program } from "../ast/nodes.js";
import { report, resolve, type CheckContext } from "./context.js";
import { constantValue } from "./fold.js";

export type CacheMode = "first" | "only" | "revalidate";

export interface CacheSettings {
  ttlMs: number;
  /** `revalidate`: how long past its TTL an entry may be served while it is refreshed. */
  staleMs: number;
  mode: CacheMode;
  /** The key template's parts (text, or a request input's name), or null (the key is the request's path and query). */
  key: Array<{ text: string } | { name: string }> | null;
  maxEntries: number;
  maxBytes: number;
  cacheControl: string | null;
}

export interface CacheInfo {
  decl: CacheDecl;
  file: string;
  settings: CacheSettings;
  /** The `{name}`s of the key template, in order. */
  keyNames: string[];
}

const MODES: readonly CacheMode[] = ["first", "only", "revalidate"];

interface Rule {
  kind: "duration" | "int" | "text" | "mode";
  min?: number;
  max?: number;
  help: string;
}

const SETTINGS: Record<string, Rule> = {
  ttl: { kind: "duration", min: 1000, max: 30 * 86_400_000, help: "a duration from 1s to 30d, as in ttl: 60s" },
  stale: { kind: "duration", min: 0, max: 30 * 86_400_000, help: "a duration up to 30d, as in stale: 5m" },
  key: { kind: "text", help: 'a text naming request inputs in braces, as in key: "post:{id}"' },
  mode: { kind: "mode", help: 'one of "first" (read-through), "only" (answer from the cache alone) or "revalidate" (serve stale, refresh in the background)' },
  max_entries: { kind: "int", min: 1, max: 10_000_000, help: "a whole number from 1 to 10000000, as in max_entries: 10000" },
  max_bytes: { kind: "int", min: 1024, max: 4_294_967_296, help: "a whole number of bytes from 1024 to 4294967296, as in max_bytes: 67108864" },
  cache_control: { kind: "text", help: 'a Cache-Control header value, as in cache_control: "public, max-age=60"' },
};

export const CACHE_DEFAULTS: CacheSettings = { ttlMs: 60_000, staleMs: 60_000, mode: "first", key: null, maxEntries: 10_000, maxBytes: 64 * 1024 * 1024, cacheControl: null };

/** Registers every CACHE (with the other declarations: endpoints refer to them by name). */
export function collectCaches(ctx: CheckContext, programs: Program[]): void {
  for (const program of programs) {
    const fileCtx = { ...ctx, file: program.file };
    for (const decl of program.declarations) {
      if (decl.kind !== "Cache" || decl.name.name === "") continue;
      const name = decl.name.name;
      if (ctx.model.caches.has(name)) {
        ctx.diagnostics.report("DuplicateDeclaration", decl.name.span, `'${name}' is already a CACHE`, { suggestion: "choose another name" });
        continue;
      }
      const settings = checkSettings(fileCtx, decl);
      const keyNames = (settings.key ?? []).flatMap((part) => ("name" in part ? [part.name] : []));
      ctx.model.caches.set(name, { decl, file: program.file, settings, keyNames });
    }
  }
}

function checkSettings(ctx: CheckContext, decl: CacheDecl): CacheSettings {
  const settings: CacheSettings = { ...CACHE_DEFAULTS };
  const seen = new Set<string>();
  let staleSet = false;
  for (const property of decl.properties) {
    const name = property.key.name;
    const rule = SETTINGS[name];
    if (rule === undefined) {
      report(ctx, "UnknownCacheSetting", property.key.span, `a CACHE has no setting '${name}' (settings: ${Object.keys(SETTINGS).join(", ")})`, Object.keys(SETTINGS), name);
      continue;
    }
    if (seen.has(name)) {
      ctx.diagnostics.report("DuplicateField", property.key.span, `'${name}' is set twice`, { suggestion: "keep one" });
      continue;
    }
    seen.add(name);
    if (name === "key") {
      seen.add(name);
      const parts = keyParts(property.value);
      if (parts === undefined) {
        ctx.diagnostics.report("InvalidCacheKey", property.value.span, "a CACHE key is a text whose {…} parts name request inputs", { suggestion: 'write names of path or query parameters in braces, as in key: "post:{id}"' });
      } else settings.key = parts;
      continue;
    }
    const value = readSetting(property.value, rule);
    if (value === undefined) {
      ctx.diagnostics.report("InvalidCacheSetting", property.value.span, `${name} must be ${rule.help}`);
      continue;
    }
    switch (name) {
      case "ttl":
        settings.ttlMs = value as number;
        break;
      case "stale":
        settings.staleMs = value as number;
        staleSet = true;
        break;
      case "mode":
        settings.mode = value as CacheMode;
        break;
      case "max_entries":
        settings.maxEntries = value as number;
        break;
      case "max_bytes":
        settings.maxBytes = value as number;
        break;
      case "cache_control":
        settings.cacheControl = value as string;
        break;
    }
  }
  if (!staleSet) settings.staleMs = settings.mode === "revalidate" ? settings.ttlMs : 0;
  return settings;
}

function readSetting(value: Expression, rule: Rule): number | string | undefined {
  if (rule.kind === "mode") {
    const text = value.kind === "Name" ? value.name : constantText(value);
    return text !== undefined && (MODES as readonly string[]).includes(text) ? text : undefined;
  }
  if (rule.kind === "text") {
    const text = constantText(value);
    return text === undefined || text === "" || /[\r\n]/.test(text) ? undefined : text;
  }
  const constant = constantValue(value);
  const number = typeof constant?.value === "number" ? constant.value : undefined;
  const kindFits = rule.kind === "duration" ? value.kind === "Duration" : value.kind !== "Duration" && number !== undefined && Number.isInteger(number);
  if (!kindFits || number === undefined || number < rule.min! || number > rule.max!) return undefined;
  return number;
}

/** `"post:{id}"` (or `{$id}`): literal text and request input names, in order. */
function keyParts(value: Expression): Array<{ text: string } | { name: string }> | undefined {
  const text = constantText(value);
  if (text !== undefined) return text === "" ? undefined : [{ text }];
  if (value.kind !== "Template") return undefined;
  const parts: Array<{ text: string } | { name: string }> = [];
  for (const part of value.parts) {
    if (part.kind === "String") parts.push({ text: part.value });
    else if (part.kind === "Name" || part.kind === "Param") parts.push({ name: part.name });
    else return undefined;
  }
  return parts;
}

function constantText(e: Expression): string | undefined {
  const value = e.kind === "String" ? constantValue(e) : undefined;
  return typeof value?.value === "string" ? value.value : undefined;
}

/** `GET /path CACHE name`: a declared cache, on a GET, whose key names inputs the endpoint has. */
export function checkEndpointCache(ctx: CheckContext, decl: EndpointDecl): void {
  const clause = decl.cache;
  if (clause === null || clause.name === "") return;
  const cache = ctx.model.caches.get(clause.name);
  if (cache === undefined) {
    report(ctx, "UnknownCache", clause.span, `there is no CACHE named '${clause.name}'`, ctx.model.caches.keys(), clause.name);
    return;
  }
  resolve(ctx, clause, cache.decl);
  if (decl.method !== "GET") {
    ctx.diagnostics.report("CacheOnWrite", clause.span, `a ${decl.method} endpoint cannot be cached: only GET answers are kept`, { suggestion: "remove CACHE, or cache the GET endpoint that reads the same data" });
    return;
  }
  const pathParams = new Set(decl.path.segments.filter((s) => s.param).map((s) => s.value));
  const queryParams = new Set((decl.query?.fields ?? []).map((f) => f.name.name));
  for (const name of cache.keyNames) {
    if (pathParams.has(name) || queryParams.has(name)) continue;
    const inputs = [...pathParams, ...queryParams];
    ctx.diagnostics.report("InvalidCacheKey", clause.span, `CACHE ${clause.name}'s key names {${name}}, which is no path parameter or declared QUERY parameter of ${decl.method} ${decl.path.text}`, {
      suggestion: inputs.length > 0 ? `use one of ${inputs.map((i) => `{${i}}`).join(", ")}, or declare it in QUERY { … }` : `declare ${name} as :${name} in the path or in QUERY { … }`,
    });
  }
}
