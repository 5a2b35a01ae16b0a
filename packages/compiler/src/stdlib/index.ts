/**
 * The standard library: modules imported as `IMPORT "kova:entities"` (all of its declarations) or
 * `IMPORT { Address, Contact AS Person } FROM "kova:entities"` (the names given, renamed by AS).
 * Each import is read as a virtual file whose path is the specifier and the names it selects.
 */
import { ENTITIES_MODULE } from "./entities.js";

export const STDLIB_SCHEME = "kova:";

/** The standard library's modules by specifier: each a map of declared name → its Kova source. */
export const STDLIB_MODULES: ReadonlyMap<string, ReadonlyMap<string, string>> = new Map([["kova:entities", ENTITIES_MODULE]]);

/** Whether an IMPORT names the standard library (`kova:…`) rather than a file or a package. */
export function isStdlibSpecifier(specifier: string): boolean {
  return specifier.startsWith(STDLIB_SCHEME);
}

/** The virtual file of a standard library import: `kova:entities`, or `kova:entities{Address,Contact AS Person}`. */
export function stdlibPath(specifier: string, names: ReadonlyArray<{ imported: string; local: string }>): string {
  if (names.length === 0) return specifier;
  return `${specifier}{${names.map((n) => (n.imported === n.local ? n.imported : `${n.imported} AS ${n.local}`)).join(",")}}`;
}

/** The source text of a virtual file made by stdlibPath; undefined for a path that is none. */
export function stdlibSource(path: string): string | undefined {
  const brace = path.indexOf("{");
  const module = STDLIB_MODULES.get(brace < 0 ? path : path.slice(0, brace));
  if (module === undefined) return undefined;
  if (brace < 0) return [...module.values()].join("\n");
  const picked = path.slice(brace + 1, -1).split(",").map((n) => n.split(" AS "));
  return picked
    .map(([imported, local]) => {
      const text = module.get(imported);
      if (text === undefined) return "";
      // A rename changes the declared name only (`ENTITY ABSTRACT Contact` → `ENTITY ABSTRACT Person`).
      return local === undefined ? text : text.replace(new RegExp(`^(ENTITY ABSTRACT )${imported}\\b`, "m"), `$1${local}`);
    })
    .join("\n");
}
