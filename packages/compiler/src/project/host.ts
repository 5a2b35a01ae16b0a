import { existsSync, readFileSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";

/** How the compiler reads files; tests and the language server supply their own (in-memory, editor buffers). */
export interface CompilerHost {
  readFile(path: string): string | undefined;
}

export const nodeHost: CompilerHost = {
  readFile(path) {
    try {
      return readFileSync(path, "utf8");
    } catch {
      return undefined;
    }
  },
};

/** An in-memory host: file path → text. */
export function memoryHost(files: Record<string, string>): CompilerHost {
  return { readFile: (path) => files[path] };
}

const SKIPPED_FOLDERS = new Set(["node_modules", "dist", ".kova", ".git"]);

/** Expands files and folders into the `.kova` files they hold, sorted, skipping build output. */
export function findKovaFiles(paths: readonly string[]): { files: string[]; missing: string[] } {
  const files: string[] = [];
  const missing: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir).sort()) {
      if (SKIPPED_FOLDERS.has(name)) continue;
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (name.endsWith(".kova")) files.push(path);
    }
  };
  for (const path of paths) {
    if (!existsSync(path)) missing.push(path);
    else if (statSync(path).isDirectory()) walk(path);
    else files.push(path);
  }
  return { files: [...new Set(files)], missing };
}
