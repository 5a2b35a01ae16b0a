/**
 * `npm run playground`: the static folder the playground is served from — the page, the compiler,
 * the app worker and the runtime it runs programs on, SQLite's WebAssembly. Everything comes from
 * npm at build time; nothing is fetched from a CDN at run time.
 */
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { browserModule, bundleAppRuntime, bundleBrowserModules } from "./bundle.js";

const require = createRequire(import.meta.url);

export interface SiteFile {
  file: string;
  bytes: number;
  gzipped: number;
}

/** The files a browser loads, in the order the page needs them. */
export const SITE_FILES = ["index.html", "page.js", "check-worker.js", "app-worker.js", "app-runtime.js", "store-worker.js", "sqlite3.wasm"];

/** Builds the site into `outdir`; returns each shipped file's size (raw and gzipped). */
export async function buildSite(outdir: string): Promise<SiteFile[]> {
  mkdirSync(outdir, { recursive: true });
  // The compiler runs in its worker, the program in the app worker; page.js is the editor and the panels.
  await bundleBrowserModules(
    { page: browserModule("page"), "check-worker": browserModule("check-worker"), "app-worker": browserModule("app-worker"), "store-worker": browserModule("store-worker") },
    outdir,
  );
  await bundleAppRuntime(outdir);
  // sqlite-wasm finds its .wasm beside the module that loads it (import.meta.url).
  copyFileSync(require.resolve("@sqlite.org/sqlite-wasm/sqlite3.wasm"), join(outdir, "sqlite3.wasm"));
  copyFileSync(fileURLToPath(new URL("../../../src/page/index.html", import.meta.url)), join(outdir, "index.html"));
  return SITE_FILES.map((file) => {
    const bytes = readFileSync(join(outdir, file));
    return { file, bytes: bytes.length, gzipped: gzipSync(bytes, { level: 9 }).length };
  });
}

/** `node dist/src/build/site.js [outdir]` (npm run playground): builds and prints the sizes. */
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const outdir = process.argv[2] ?? fileURLToPath(new URL("../../../site", import.meta.url));
  const files = await buildSite(outdir);
  for (const f of files) console.log(`${f.file.padEnd(16)} ${String(f.bytes).padStart(9)} bytes  ${String(f.gzipped).padStart(8)} gzipped`);
  writeFileSync(join(outdir, "sizes.json"), JSON.stringify(files, null, 2) + "\n");
  console.log(`built ${outdir}`);
}
