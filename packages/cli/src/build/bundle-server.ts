/**
 * The bundling stage of `kova build` (issue 25, start-up): what `node dist/server.js` loads is put
 * into a few files under `dist/server/`, so a starting server does not resolve, read and compile
 * the ~200 ES modules of the runtime, the query layer and the drivers one by one (Node's module
 * loader was ~60% of start-up, bench/README.md).
 *
 *   dist/server/runtime.js   the runtime's slim entry (@kova/runtime/serve) with every Kova package
 *                            and the pure-JS npm packages a server loads at start; importing it
 *                            provides the app's drivers to the driver lookup (no import by name)
 *   dist/server/chunks/      what the runtime loads with import() when used (GraphQL, tasks, …):
 *                            lazy features stay lazy, one chunk each (esbuild's code splitting)
 *   dist/server/app.js       dist/app.js importing the bundled runtime instead of the package, with
 *                            its source map to the .kova source (see relinkApp)
 *
 * The runtime part does not depend on the app: it is kept in the system's temporary directory
 * and copied into dist/ while none of its inputs changed (see runtimeUpToDate).
 *
 * Only the server uses these files. dist/app.js is unchanged: hosts that import it (the Fastify
 * mount, `kova dev`, `kova test`, tests) use the installed @kova/runtime as before; mixing the two
 * copies in one process would give two error classes and two registries, so nothing else imports
 * the bundle. npm packages outside START_PATH_PACKAGES stay in node_modules (dist/package.json still
 * installs them): native bindings, packages that find their own files at run time, and the large
 * optional ones that only lazily loaded features use (bundling those would cost every build seconds).
 */
import { cpSync, existsSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { Plugin } from "esbuild";
import { init as lexerReady, parse as parseImports } from "es-module-lexer";

/** Where the bundle goes, inside the build's output folder. */
export const BUNDLE_DIR = "server";

/**
 * npm packages a served app loads on its way to the first answer (the logger, cookies, query
 * strings, IP addresses, the `html` type's sanitiser, cursor signatures) that are plain JavaScript
 * and read no file of their own: bundled. packages/cli/test/e2e-bundle.test.ts fails when a
 * start-up module still comes from node_modules other than a native binding.
 */
const START_PATH_PACKAGES = new Set([
  "pino", "pino-std-serializers", "@pinojs/redact", "sonic-boom", "thread-stream", "safe-stable-stringify",
  "quick-format-unescaped", "on-exit-leak-free", "atomic-sleep", "fast-querystring", "fast-decode-uri-component",
  "cookie", "ipaddr.js", "xss", "cssfilter", "@noble/hashes",
]);

/** `@scope/name/sub` → `@scope/name`, `name/sub` → `name`. */
function packageOf(specifier: string): string {
  const parts = specifier.split("/");
  return specifier.startsWith("@") ? parts.slice(0, 2).join("/") : parts[0];
}

/**
 * Which imports stay imports: node: builtins, and npm packages outside the start path, unless the
 * importer sees another copy of the package than dist/ would (a version nested under one Kova
 * package, say): that one is bundled, since left as an import it would load the wrong version.
 * The driver packages a build needs must be installed for the CLI (the build's checker loads
 * them); the runtime's npm dependencies may not be next to dist/ yet (`npm install` in dist/).
 */
function externals(outDir: string): Plugin {
  return {
    name: "kova-externals",
    setup(build) {
      build.onResolve({ filter: /^[^./]/ }, async (args) => {
        if (args.pluginData === "kova-externals") return undefined;
        if (args.path.startsWith("node:")) return { external: true };
        const name = packageOf(args.path);
        if (name.startsWith("@kova/") || START_PATH_PACKAGES.has(name)) return undefined;
        const fromImporter = await build.resolve(args.path, { kind: args.kind, resolveDir: args.resolveDir, pluginData: "kova-externals" });
        if (fromImporter.errors.length > 0) return { external: true }; // an optional peer not installed: its import() fails at run time as before
        const fromDist = await build.resolve(args.path, { kind: args.kind, resolveDir: outDir, pluginData: "kova-externals" });
        // Not installed next to dist/ yet: an import, which server.js's check asks to `npm install`.
        if (fromDist.errors.length > 0 || fromDist.path === fromImporter.path) return { external: true };
        return { path: fromImporter.path };
      });
    },
  };
}

/** The bundle's entry: the runtime's slim entry, with the app's drivers provided by package. */
function runtimeEntry(driverPackages: string[]): string {
  const drivers = driverPackages.map((p, i) => `import { driverPackage as driver${i} } from ${JSON.stringify(p)};`);
  return [
    `export * from "@kova/runtime/serve";`,
    `import { provideDriverPackage } from "@kova/query";`,
    ...drivers,
    // The runtime finds a driver by name with import() of its package; in the bundle it is provided.
    ...driverPackages.map((_, i) => `provideDriverPackage(driver${i});`),
    "",
  ].join("\n");
}

/**
 * What the runtime bundle was made from: esbuild's version, the drivers and each input file's
 * modification time and size. The runtime bundle does not depend on the app, so a rebuild whose
 * inputs are unchanged reuses it and bundles only the app (most of the stage's time otherwise).
 * (Which npm packages stay imports also depends on what is installed next to dist/; a package
 * installed there later with another version than Kova's is picked up once the bundle is remade.)
 */
const STAMP_FILE = "bundle-inputs.json";
interface Stamp {
  esbuild: string;
  drivers: string[];
  inputs: Record<string, [mtimeMs: number, size: number]>;
}

function stampOf(esbuildVersion: string, driverPackages: string[], inputs: string[]): Stamp {
  const stamp: Stamp = { esbuild: esbuildVersion, drivers: driverPackages, inputs: {} };
  for (const file of inputs) {
    const stat = statSync(file, { throwIfNoEntry: false });
    if (stat !== undefined) stamp.inputs[file] = [stat.mtimeMs, stat.size];
  }
  return stamp;
}

function runtimeUpToDate(dir: string, esbuildVersion: string, driverPackages: string[]): boolean {
  let stamp: Stamp;
  try {
    stamp = JSON.parse(readFileSync(join(dir, STAMP_FILE), "utf8")) as Stamp;
  } catch {
    return false;
  }
  if (stamp.esbuild !== esbuildVersion || JSON.stringify(stamp.drivers) !== JSON.stringify(driverPackages) || !existsSync(join(dir, "runtime.js"))) return false;
  const now = stampOf(esbuildVersion, driverPackages, Object.keys(stamp.inputs));
  return JSON.stringify(now.inputs) === JSON.stringify(stamp.inputs);
}

/**
 * Writes dist/server/ (see above) for the app already emitted to `outDir`. `cacheDir` keeps the
 * runtime bundle between builds (the compiler empties dist/ each time): reused while its stamp
 * holds, bundled again otherwise.
 */
export async function bundleServer(outDir: string, driverPackages: string[], cacheDir: string): Promise<void> {
  // esbuild (its module and its service process) is loaded only when the runtime must be bundled.
  const esbuildVersion = (createRequire(import.meta.url)("esbuild/package.json") as { version: string }).version;
  if (!runtimeUpToDate(cacheDir, esbuildVersion, driverPackages)) {
    const esbuild = await import("esbuild");
    try {
      await bundleRuntime(esbuild, outDir, driverPackages, cacheDir);
    } finally {
      // The service process would otherwise live as long as this one (all of `kova run`).
      await esbuild.stop();
    }
  }
  const dir = join(outDir, BUNDLE_DIR);
  rmSync(dir, { recursive: true, force: true });
  cpSync(cacheDir, dir, { recursive: true, filter: (source) => !source.endsWith(STAMP_FILE) });
  await lexerReady;
  relinkApp(outDir, dir);
}

async function bundleRuntime(esbuild: typeof import("esbuild"), outDir: string, driverPackages: string[], cacheDir: string): Promise<void> {
  rmSync(cacheDir, { recursive: true, force: true });
  const { metafile } = await esbuild.build({
    bundle: true,
    format: "esm",
    platform: "node",
    target: "node20",
    logLevel: "silent",
    // Kova's packages as this kova has them (the version dist/package.json pins), wherever the app is.
    stdin: { contents: runtimeEntry(driverPackages), resolveDir: fileURLToPath(new URL(".", import.meta.url)), sourcefile: "kova-runtime-entry.js" },
    outdir: cacheDir,
    entryNames: "runtime",
    chunkNames: "chunks/[name]-[hash]",
    splitting: true,
    metafile: true,
    // CommonJS packages in an ES module bundle call require() for Node's builtins.
    banner: { js: `import { createRequire as __kovaCreateRequire } from "node:module";\nconst require = __kovaCreateRequire(import.meta.url);` },
    plugins: [externals(outDir)],
  });
  const inputs = Object.keys(metafile.inputs).map((file) => resolve(file)).filter((file) => existsSync(file));
  writeFileSync(join(cacheDir, STAMP_FILE), JSON.stringify(stampOf(esbuild.version, driverPackages, inputs)));
}

/**
 * dist/server/app.js: dist/app.js with its imports pointed from dist/server/ — the runtime's slim
 * entry at the bundle, the app's own JS modules one folder up; other packages resolve from dist/
 * as before. Only the specifiers change (found by es-module-lexer, not by pattern), on their own
 * lines, so app.js.map stays valid once its sources are one folder further up. (An esbuild pass
 * over app.js did the same, and cost ~0.3–1 s for a 10,000-line program's 3 MB app.js.)
 */
function relinkApp(outDir: string, dir: string): void {
  const code = readFileSync(join(outDir, "app.js"), "utf8");
  const [imports] = parseImports(code);
  let relinked = "";
  let last = 0;
  for (const found of imports) {
    if (found.n === undefined) continue; // import() of a computed value: nothing to point anywhere
    const target = found.n === "@kova/runtime/serve" ? "./runtime.js" : found.n.startsWith("./") ? `.${found.n}` : found.n.startsWith("../") ? `../${found.n}` : undefined;
    if (target === undefined) continue;
    const quoted = found.d > -1; // a dynamic import's range holds the string literal with its quotes
    relinked += code.slice(last, found.s) + (quoted ? JSON.stringify(target) : target);
    last = found.e;
  }
  // The files the app names beside it (its OpenAPI documents, its .proto) are one folder up too:
  // the compiler writes each as `new URL("./file", import.meta.url)`.
  const assets = (relinked + code.slice(last)).replace(/new URL\("\.\/([^"]*)", import\.meta\.url\)/g, 'new URL("../$1", import.meta.url)');
  writeFileSync(join(dir, "app.js"), assets);
  const mapFile = join(outDir, "app.js.map");
  if (existsSync(mapFile)) {
    const map = JSON.parse(readFileSync(mapFile, "utf8")) as { sources: string[]; sourceRoot?: string };
    const up = (path: string): string => (/^[a-z]+:|^\//i.test(path) ? path : `../${path}`);
    if (map.sourceRoot) map.sourceRoot = up(map.sourceRoot);
    else map.sources = map.sources.map(up);
    writeFileSync(join(dir, "app.js.map"), JSON.stringify(map));
  }
}
