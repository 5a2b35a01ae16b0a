import { copyFileSync, mkdirSync } from "node:fs";
import { dirname, join, relative, sep } from "node:path";
import type { ImportedFunction } from "../ir/nodes.js";

/** Relative specifiers (`./util.js`, `../shared/h.js`) are copied into dist; package names are left to node. */
export function isRelativeModule(module: string): boolean {
  return module.startsWith("./") || module.startsWith("../");
}

/**
 * Where an imported module lands inside `outDir`, relative to it. A module inside the app folder
 * keeps its relative path; one outside it (`../helpers.js`) goes under `_outside/`, each `..` written
 * as `_up`, so the build never writes outside dist/ (issue 10 item 11) and two such modules cannot collide.
 */
export function modulePathInDist(appDir: string, fromFile: string, module: string): string {
  const parts = relative(appDir, join(dirname(fromFile), module)).split(sep);
  return (parts[0] === ".." ? ["_outside", ...parts.map((p) => (p === ".." ? "_up" : p))] : parts).join("/");
}

/** Copies every relative JS module the program imports to its place in `outDir`. */
export function copyModules(imports: readonly ImportedFunction[], appDir: string, outDir: string): void {
  const done = new Set<string>();
  for (const fn of imports) {
    if (!isRelativeModule(fn.module)) continue;
    const target = join(outDir, modulePathInDist(appDir, fn.fromFile, fn.module));
    if (done.has(target)) continue;
    done.add(target);
    mkdirSync(dirname(target), { recursive: true });
    copyFileSync(join(dirname(fn.fromFile), fn.module), target);
  }
}
