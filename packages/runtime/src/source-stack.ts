/**
 * Stack traces that name the `.kova` line. The generated `server.js` switches Node's source maps
 * on before the app loads; a host that imports `dist/app.js` itself (the Fastify mount) usually
 * has not, and Node cannot map files loaded before that switch. So before a failure is logged,
 * frames in files with a source map (`//# sourceMappingURL=`) are mapped here with node:module's
 * SourceMap. Only on the failure path; maps are read once per file.
 */
import { readFileSync } from "node:fs";
import { SourceMap } from "node:module";
import { dirname, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const maps = new Map<string, { map: SourceMap; dir: string } | null>();

// `(file:///…/app.js:12:7)` or `at /…/app.js:12:7`: a JavaScript file, line, column.
const FRAME = /(file:\/\/\/[^\s():]+?\.m?js|\/[^\s():]+?\.m?js):(\d+):(\d+)/g;

function mapFor(file: string): { map: SourceMap; dir: string } | null {
  let entry = maps.get(file);
  if (entry !== undefined) return entry;
  entry = null;
  try {
    const path = file.startsWith("file://") ? fileURLToPath(file) : file;
    const text = readFileSync(path, "utf8");
    const comment = /\/\/# sourceMappingURL=(\S+)\s*$/.exec(text);
    if (comment !== null && !comment[1].startsWith("data:")) {
      const mapPath = resolve(dirname(path), comment[1]);
      entry = { map: new SourceMap(JSON.parse(readFileSync(mapPath, "utf8"))), dir: dirname(mapPath) };
    }
  } catch {
    entry = null; // No readable map: the frame stays as it is.
  }
  maps.set(file, entry);
  return entry;
}

/** The stack with each mappable frame pointing at its source (`app.kova:8:5`). */
export function sourceMappedStack(stack: string): string {
  return stack.replace(FRAME, (whole: string, file: string, line: string, column: string) => {
    const found = mapFor(file);
    if (found === null) return whole;
    const origin = found.map.findEntry(Number(line) - 1, Number(column) - 1) as { originalSource?: string; originalLine?: number; originalColumn?: number };
    if (origin.originalSource === undefined || origin.originalLine === undefined) return whole;
    const source = origin.originalSource.startsWith("file://") ? origin.originalSource : pathToFileURL(resolve(found.dir, origin.originalSource)).href;
    return `${source}:${origin.originalLine + 1}:${(origin.originalColumn ?? 0) + 1}`;
  });
}

/** The error, its stack source-mapped when Node has not done it (source maps off). */
export function withSourceMappedStack(error: unknown): unknown {
  if (!(error instanceof Error) || typeof error.stack !== "string") return error;
  if ((process as { sourceMapsEnabled?: boolean }).sourceMapsEnabled === true) return error;
  try {
    error.stack = sourceMappedStack(error.stack);
  } catch {
    // Never let reporting a failure fail.
  }
  return error;
}
