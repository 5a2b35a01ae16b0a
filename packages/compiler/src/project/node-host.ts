import { lstatSync, readFileSync, readdirSync, readlinkSync, realpathSync, statSync } from "node:fs";
import { join } from "node:path";
import { decodeSource } from "./decode.js";
import type { CompilerHost } from "./host.js";

/** The host that reads from disk (the CLI's and the build's). */
export const nodeHost: Required<CompilerHost> = {
  readFile(path) {
    return nodeHost.readSource(path)?.text;
  },
  readSource(path) {
    let bytes: Uint8Array;
    try {
      bytes = readFileSync(path);
    } catch {
      return undefined;
    }
    return decodeSource(bytes);
  },
};

const SKIPPED_FOLDERS = new Set(["node_modules", "dist", ".kova", ".git"]);

/** A path the walk left out, and why (a dangling symlink, a symlink loop, an unreadable folder). */
export interface SkippedPath {
  path: string;
  reason: string;
}

export interface FoundFiles {
  files: string[];
  missing: string[];
  skipped: SkippedPath[];
}

/**
 * Prints a skipped path as a warning on stderr. The CLI commands call findKovaFiles without a
 * handler of their own, and a skipped file must never pass unnoticed.
 */
function warnOnStderr(skip: SkippedPath): void {
  process.stderr.write(`kova: warning: skipped ${skip.path}: ${skip.reason}\n`);
}

/**
 * Expands files and folders into the `.kova` files they hold, sorted, skipping build output.
 * Never throws on what it finds: a dangling symlink (an editor's `.#app.kova` lock file), a
 * symlink loop (`ln -s .. sub/up`) or an unreadable folder is skipped and passed to `onSkip`
 * (by default a warning on stderr). A folder reached twice through links is searched once, and a
 * file reached through two paths is listed once.
 */
export function findKovaFiles(paths: readonly string[], onSkip: (skip: SkippedPath) => void = warnOnStderr): FoundFiles {
  const files: string[] = [];
  const missing: string[] = [];
  const skipped: SkippedPath[] = [];
  /** Real paths of the folders searched so far: a folder reached again through a link is not searched twice. */
  const visitedDirs = new Set<string>();
  /** Real path → index in `files`: a file reached through a link and by its own name is listed once, by its own name. */
  const seenFiles = new Map<string, number>();
  const skip = (path: string, reason: string) => {
    const entry = { path, reason };
    skipped.push(entry);
    onSkip(entry);
  };
  const addFile = (path: string, isLink: boolean) => {
    const real = realpathOrSelf(path);
    const index = seenFiles.get(real);
    if (index === undefined) {
      seenFiles.set(real, files.length);
      files.push(path);
    } else if (!isLink && kindOf(files[index]).isLink) {
      files[index] = path;
    }
  };
  /** `ancestors` holds the real paths of the folders being walked, to recognise a link back up. */
  const walk = (dir: string, ancestors: Set<string>) => {
    let names: string[];
    try {
      names = readdirSync(dir).sort();
    } catch (error) {
      skip(dir, `cannot read the folder (${codeOf(error)})`);
      return;
    }
    for (const name of names) {
      if (SKIPPED_FOLDERS.has(name)) continue;
      const path = join(dir, name);
      const kind = kindOf(path);
      if (kind.problem !== undefined) {
        // Only .kova names and folders matter; a broken link to anything else is not our business.
        if (name.endsWith(".kova") || kind.isLink) skip(path, kind.problem);
        continue;
      }
      if (kind.isDirectory) {
        const real = realpathOrSelf(path);
        if (ancestors.has(real)) {
          skip(path, "symlink loop (it links back to a folder that contains it)");
          continue;
        }
        if (visitedDirs.has(real)) continue;
        visitedDirs.add(real);
        walk(path, new Set([...ancestors, real]));
      } else if (name.endsWith(".kova")) {
        addFile(path, kind.isLink);
      }
    }
  };
  for (const path of paths) {
    const kind = kindOf(path);
    if (kind.problem !== undefined) {
      if (kind.isLink) skip(path, kind.problem);
      else missing.push(path);
    } else if (kind.isDirectory) {
      const real = realpathOrSelf(path);
      if (visitedDirs.has(real)) continue;
      visitedDirs.add(real);
      walk(path, new Set([real]));
    } else {
      addFile(path, kind.isLink);
    }
  }
  return { files, missing, skipped };
}

interface PathKind {
  isDirectory: boolean;
  isLink: boolean;
  /** Why the path cannot be followed, if it cannot. */
  problem?: string;
}

function kindOf(path: string): PathKind {
  let isLink = false;
  try {
    isLink = lstatSync(path).isSymbolicLink();
  } catch (error) {
    return { isDirectory: false, isLink: false, problem: `cannot read it (${codeOf(error)})` };
  }
  try {
    return { isDirectory: statSync(path).isDirectory(), isLink };
  } catch (error) {
    const code = codeOf(error);
    if (code === "ENOENT") return { isDirectory: false, isLink, problem: isLink ? `dangling symlink (its target ${linkTarget(path)} does not exist)` : "it does not exist" };
    if (code === "ELOOP") return { isDirectory: false, isLink, problem: "symlink loop (the link leads back to itself)" };
    return { isDirectory: false, isLink, problem: `cannot read it (${code})` };
  }
}

function linkTarget(path: string): string {
  try {
    return readlinkSync(path);
  } catch {
    return "?";
  }
}

function realpathOrSelf(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}

function codeOf(error: unknown): string {
  return (error as NodeJS.ErrnoException)?.code ?? String(error);
}
