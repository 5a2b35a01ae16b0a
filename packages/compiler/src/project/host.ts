import type { SourceText } from "./decode.js";

// No Node built-ins here: the playground bundles this file for the browser. The host that reads
// from disk, and the walk that finds .kova files, are in node-host.ts.

/** How the compiler reads files; tests and the language server supply their own (in-memory, editor buffers). */
export interface CompilerHost {
  readFile(path: string): string | undefined;
  /** Reads a file from bytes, saying where it is not valid UTF-8 (hosts that read from disk have it). */
  readSource?(path: string): SourceText | undefined;
}

/** A host's reading of a file, with the encoding check when the host can make it. */
export function readSource(host: CompilerHost, path: string): SourceText | undefined {
  if (host.readSource) return host.readSource(path);
  const text = host.readFile(path);
  return text === undefined ? undefined : { text };
}

/** An in-memory host: file path → text. */
export function memoryHost(files: Record<string, string>): CompilerHost {
  return { readFile: (path) => files[path] };
}
