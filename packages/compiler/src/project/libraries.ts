/**
 * Kova libraries: `IMPORT "some-lib/models.kova"` (a bare specifier) resolves from `node_modules`,
 * walking up from the importing file's folder as Node does. A library is an npm package whose
 * package.json has a `kova` field: `{ "kova": { "version": "^0.1.0", "sources": ["models.kova"] } }`.
 *
 * Everything here reads through the CompilerHost, so `kova check`, `kova build` and the language
 * server (whose host overlays editor buffers) resolve a library the same way.
 */
import { dirname, isAbsolute, join, resolve } from "node:path";
import type { CompilerHost } from "./host.js";

/** The `kova` field of a library's package.json. */
export interface KovaLibraryField {
  /** The range of Kova compiler versions the library is written for (npm's semver syntax). */
  version?: string;
  /** The .kova files an app imports, relative to the package folder. */
  sources?: string[];
  /** Source → its compiled app model (IR) as JSON, shipped beside it (`kova build --emit ir`, paths package-relative). */
  ir?: Record<string, string>;
}

export type LibraryResolution =
  | { kind: "found"; path: string; packageName: string; packageDir: string; kova: KovaLibraryField }
  /** Not in any node_modules above the importing file. */
  | { kind: "no-package"; packageName: string }
  /** The package's package.json has no `kova` field (or one that is not an object). */
  | { kind: "not-a-library"; packageName: string; packageDir: string; reason: string }
  /** The package is a library, but has no such file. */
  | { kind: "no-file"; packageName: string; packageDir: string; path: string; file: string; sources: string[] }
  /** The specifier names no file inside a package (`"some-lib"`, `"@scope/lib"`, `"lib/../x.kova"`). */
  | { kind: "bad-specifier"; reason: string };

/** Neither `./`, `../` nor absolute: a package name followed by a file in it, as Node reads it. */
export function isBareSpecifier(specifier: string): boolean {
  return !(specifier.startsWith("./") || specifier.startsWith("../") || specifier === "." || specifier === ".." || isAbsolute(specifier));
}

/** `@scope/name/dir/file.kova` → { packageName: "@scope/name", file: "dir/file.kova" }. */
export function splitBareSpecifier(specifier: string): { packageName: string; file: string } | { error: string } {
  const parts = specifier.split("/");
  const nameParts = specifier.startsWith("@") ? 2 : 1;
  const packageName = parts.slice(0, nameParts).join("/");
  const file = parts.slice(nameParts);
  if (nameParts === 2 && (parts.length < 2 || parts[1] === "")) return { error: `"${specifier}" is not a package name (a scoped name is @scope/name)` };
  if (file.length === 0 || file.every((p) => p === "")) {
    if (nameParts === 1) return { error: `a path without ./ or ../ names a Kova library (IMPORT "package/file.kova"), and "${specifier}" has no file after a package name` };
    return { error: `"${specifier}" names a package but no file in it; write IMPORT "${packageName}/file.kova"` };
  }
  if (file.some((p) => p === ".." || p === "." || p === "")) return { error: `"${specifier}" must name a file inside the package ${packageName}, without . or .. or empty segments` };
  return { packageName, file: file.join("/") };
}

/**
 * The folders whose `node_modules` Node would search for a package imported from a file in `dir`:
 * `dir`, its parent, and so on up to the root. A relative `dir` stays relative (`docs`, `.`, `..`,
 * `../..`), so the paths the compiler reports stay in the form it was given them.
 */
export function nodeModulesFolders(dir: string): string[] {
  const folders: string[] = [];
  for (let at = dir; ; ) {
    folders.push(join(at, "node_modules"));
    const parent = isAbsolute(at) ? dirname(at) : join(at, "..");
    if (resolve(parent) === resolve(at)) break;
    at = parent;
  }
  return folders;
}

/** Resolves a bare `.kova` specifier imported by `fromFile`. */
export function resolveLibraryImport(host: CompilerHost, fromFile: string, specifier: string): LibraryResolution {
  const split = splitBareSpecifier(specifier);
  if ("error" in split) return { kind: "bad-specifier", reason: split.error };
  const { packageName, file } = split;
  for (const folder of nodeModulesFolders(dirname(fromFile))) {
    const packageDir = join(folder, packageName);
    const manifestText = host.readFile(join(packageDir, "package.json"));
    if (manifestText === undefined) continue;
    let manifest: unknown;
    try {
      manifest = JSON.parse(manifestText);
    } catch {
      return { kind: "not-a-library", packageName, packageDir, reason: `its package.json is not valid JSON` };
    }
    const kova = (manifest as { kova?: unknown } | null)?.kova;
    if (kova === undefined) return { kind: "not-a-library", packageName, packageDir, reason: `its package.json has no "kova" field` };
    if (kova === null || typeof kova !== "object" || Array.isArray(kova)) return { kind: "not-a-library", packageName, packageDir, reason: `the "kova" field of its package.json is not an object` };
    const field = readKovaField(kova as Record<string, unknown>);
    const path = join(packageDir, file);
    if (host.readFile(path) === undefined) return { kind: "no-file", packageName, packageDir, path, file, sources: field.sources ?? [] };
    return { kind: "found", path, packageName, packageDir, kova: field };
  }
  return { kind: "no-package", packageName };
}

/** The parts of a `kova` field that have the right types; anything else is ignored. */
export function readKovaField(kova: Record<string, unknown>): KovaLibraryField {
  const field: KovaLibraryField = {};
  if (typeof kova.version === "string") field.version = kova.version;
  if (Array.isArray(kova.sources)) field.sources = kova.sources.filter((s): s is string => typeof s === "string");
  if (kova.ir !== null && typeof kova.ir === "object" && !Array.isArray(kova.ir)) {
    field.ir = Object.fromEntries(Object.entries(kova.ir).filter((e): e is [string, string] => typeof e[1] === "string"));
  }
  return field;
}

/**
 * The file an `IMPORT "….kova"` names, exactly as checkFiles loads it (a library from node_modules,
 * else a path relative to the importing file's folder, or absolute); undefined when there is none.
 * The language server's go-to-definition on an IMPORT uses this, so it lands where the checker looked.
 */
export function resolveKovaImport(host: CompilerHost, fromFile: string, source: string): string | undefined {
  if (isBareSpecifier(source)) {
    const found = resolveLibraryImport(host, fromFile, source);
    return found.kind === "found" ? found.path : undefined;
  }
  const target = isAbsolute(source) ? source : join(dirname(fromFile), source);
  return host.readFile(target) === undefined ? undefined : target;
}
