/**
 * Language-server help for CACHE and ON handlers: cache names after an endpoint's `CACHE`, settings
 * inside `CACHE name { … }`, the write kinds and entities after a top-level `ON`, hover on a cache.
 */
import type { CacheDecl, Program } from "@kova/compiler";
import { CompletionItemKind } from "vscode-languageserver";
import type { KovaCompletion } from "./completion.js";
import type { Analysis } from "./workspace.js";

const SETTINGS: ReadonlyArray<[string, string]> = [
  ["ttl", "how long an entry is fresh (1s–30d); default 60s"],
  ["mode", '"first" (read-through, default), "revalidate" (serve stale, refresh in the background) or "only" (kept until a write evicts it)'],
  ["stale", "revalidate: how long past its TTL an entry may still be served; default the TTL"],
  ["key", 'the key template, naming path or QUERY parameters: "post:{id}"; default the path and query string'],
  ["max_entries", "entries kept in this process's memory at most; default 10000"],
  ["max_bytes", "bytes of answers kept in this process's memory at most; default 64 MiB"],
  ["cache_control", 'the Cache-Control header of cached answers, e.g. "public, max-age=60"'],
];

const WRITES: ReadonlyArray<[string, string]> = [
  ["INSERT", "after each committed insert of the entity"],
  ["UPDATE", "after each committed update (event.before and event.after)"],
  ["DELETE", "after each committed delete, cascades included (event.before)"],
];

export function cacheCompletions(analysis: Analysis, prefix: string, offset: number): KovaCompletion[] | undefined {
  const clause = /^\s*GET\s+\S+.*\bCACHE\s+([A-Za-z_0-9]*)$/.exec(prefix);
  if (clause) {
    return cachesOf(analysis).map((cache) => ({ label: cache.name.name, kind: CompletionItemKind.Module, detail: "CACHE", documentation: settingsLine(cache), replaceFrom: offset - clause[1].length }));
  }
  const setting = /^\s*CACHE\s+[A-Za-z_0-9]+\s*\{(?:[^}]*[\s,])?([a-z_]*)$/.exec(prefix);
  if (setting) return SETTINGS.map(([name, doc]) => ({ label: name, kind: CompletionItemKind.Property, documentation: doc, replaceFrom: offset - setting[1].length }));
  const write = /^ON\s+([A-Z]*)$/.exec(prefix);
  if (write) return WRITES.map(([name, doc]) => ({ label: name, kind: CompletionItemKind.Keyword, documentation: doc, replaceFrom: offset - write[1].length }));
  const entity = /^ON\s+(?:INSERT|UPDATE|DELETE)\s+([A-Za-z_0-9]*)$/.exec(prefix);
  if (entity) {
    return analysis.result.files.flatMap((file: { program: Program }) =>
      file.program.declarations.flatMap((d) => (d.kind === "Entity" ? [{ label: d.name.name, kind: CompletionItemKind.Class, detail: "ENTITY", replaceFrom: offset - entity[1].length }] : [])),
    );
  }
  return undefined;
}

/** Hover on a cache's name (its declaration, or an endpoint's CACHE clause). */
export function cacheHover(decl: CacheDecl): string {
  return "```kova\nCACHE " + decl.name.name + "\n```\n" + (settingsLine(decl) || "defaults: ttl 60s, mode first") + "\n\nA write evicts the entries whose queries read what it changed (`kova build --emit ir` lists them).";
}

function settingsLine(decl: CacheDecl): string {
  return decl.properties.map((p) => p.key.name).join(", ");
}

function cachesOf(analysis: Analysis): CacheDecl[] {
  return analysis.result.files.flatMap((file: { program: Program }) => file.program.declarations.filter((d): d is CacheDecl => d.kind === "Cache"));
}
