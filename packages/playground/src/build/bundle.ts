/**
 * Bundles the playground's browser modules with esbuild (platform browser, ESM). A Node built-in
 * reached from a browser module fails the build, naming the import chain that pulled it in:
 * Node-only code belongs behind an interface (the CompilerHost, the runtime's server), not in a shim.
 * The one exception is node:path, whose POSIX string functions pathe provides for the browser.
 */
import { isBuiltin } from "node:module";
import { fileURLToPath } from "node:url";
import { build, type Metafile, type Plugin } from "esbuild";
import { grammarKeywords } from "./grammar-keywords.js";


/** Where a browser module's source is (TypeScript, bundled from source): src/browser/<name>.ts. */
export const browserModule = (name: string) => fileURLToPath(new URL(`../../../src/browser/${name}.ts`, import.meta.url));

export interface BundleResult {
  /** Output file → its size in bytes. */
  outputs: Record<string, number>;
  metafile: Metafile;
}

export class NodeBuiltinInBrowserBundle extends Error {}

function refuseNodeBuiltins(): Plugin {
  return {
    name: "refuse-node-builtins",
    setup(b) {
      b.onResolve({ filter: /^(node:)?[a-z0-9_/]+$/ }, (args) => {
        if (!isBuiltin(args.path)) return undefined;
        if (args.path === "node:path" || args.path === "path") return b.resolve("pathe", { kind: args.kind, resolveDir: args.resolveDir });
        // Left external here so that tree shaking can drop an unused module's import; any that
        // survive into the output fail the build below, with the module that imported it.
        return { path: args.path, external: true };
      });
    },
  };
}

/** `import groups from "kova:grammar-keywords"`: the TextMate grammar's keyword groups, read when bundling. */
function grammarKeywordsModule(): Plugin {
  return {
    name: "kova-grammar-keywords",
    setup(b) {
      b.onResolve({ filter: /^kova:grammar-keywords$/ }, (args) => ({ path: args.path, namespace: "kova-grammar" }));
      b.onLoad({ filter: /.*/, namespace: "kova-grammar" }, () => ({ contents: JSON.stringify(grammarKeywords()), loader: "json" }));
    },
  };
}

/** What every playground bundle is: browser ES modules for es2022, minified, with source maps and a metafile. */
function browserBuildOptions(outdir: string) {
  return { outdir, bundle: true, format: "esm", platform: "browser", target: "es2022", minify: true, sourcemap: true, metafile: true, logLevel: "silent" } as const;
}

/** Bundles browser modules (output name → source file) into `outdir`, minified, with source maps. */
export async function bundleBrowserModules(entries: Record<string, string>, outdir: string): Promise<BundleResult> {
  const result = await build({ ...browserBuildOptions(outdir), entryPoints: entries, plugins: [refuseNodeBuiltins(), grammarKeywordsModule()] }).catch(bundleFailure);
  const survivors = survivingBuiltins(result.metafile);
  if (survivors.length > 0) {
    throw new NodeBuiltinInBrowserBundle(survivors.map((s) => `${s.builtin} is a Node built-in, imported by ${s.importers.join(", ")}: a browser bundle cannot use it (put the Node-only code behind an interface)`).join("\n"));
  }
  const outputs: Record<string, number> = {};
  for (const [file, output] of Object.entries(result.metafile.outputs)) outputs[file] = output.bytes;
  return { outputs, metafile: result.metafile };
}

/** The Node built-ins an output still imports after tree shaking, each with the input modules that import it. */
function survivingBuiltins(meta: Metafile): { builtin: string; importers: string[] }[] {
  const found = new Map<string, string[]>();
  for (const output of Object.values(meta.outputs)) {
    for (const imported of output.imports) {
      if (!imported.external || !isBuiltin(imported.path)) continue;
      const importers = Object.entries(meta.inputs)
        .filter(([input]) => output.inputs[input] !== undefined)
        .filter(([, info]) => info.imports.some((i) => i.path === imported.path))
        .map(([input]) => input);
      found.set(imported.path, importers);
    }
  }
  return [...found].map(([builtin, importers]) => ({ builtin, importers }));
}

/**
 * Packages the runtime loads with import() only for features the playground refuses before a
 * program runs (app-host.ts unsupportedFeatures): native code or Node-only. In the bundle each is a
 * module that throws when loaded, so a path the refusal missed fails with a sentence, not a crash.
 */
const NODE_ONLY_PACKAGES = ["@node-rs/argon2", "fast-jwt", "jose", "ioredis", "bullmq", "@grpc/grpc-js", "@grpc/proto-loader", "@aws-sdk/client-s3", "@aws-sdk/lib-storage", "@opentelemetry/api", "@opentelemetry/sdk-trace-base", "@opentelemetry/context-async-hooks", "@opentelemetry/core", "@opentelemetry/resources", "@opentelemetry/exporter-trace-otlp-http"];

/** What the browser has of a Node built-in's exports, by module and name (a JS expression). */
const BROWSER_EQUIVALENTS: Record<string, Record<string, string>> = {
  crypto: { randomUUID: "() => globalThis.crypto.randomUUID()" },
};

/** Plain data (strings, numbers, plain objects and arrays of them): copied into the bundle as it is. */
function isPlainData(value: unknown, depth = 0): boolean {
  if (value === null || ["string", "number", "boolean"].includes(typeof value)) return true;
  if (typeof value !== "object" || depth > 4) return false;
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== Array.prototype && proto !== null) return false;
  return Object.values(value as object).every((v) => isPlainData(v, depth + 1));
}

/**
 * A Node built-in as the browser bundle sees it, made from the real module's exports when
 * bundling: plain data is copied (node:http's STATUS_CODES), a name the browser has is its Web API
 * equivalent (BROWSER_EQUIVALENTS), and every function or class is one that throws "… is not
 * available in the playground" when called. Importing such a module costs nothing; using it says why not.
 */
export async function builtinForBrowser(name: string): Promise<string> {
  const real = (await import(`node:${name}`)) as Record<string, unknown>;
  const names = Object.keys(real).filter((key) => key !== "default" && /^[A-Za-z_$][\w$]*$/.test(key));
  const lines = [`const unavailable = (what) => function () { throw new Error(what + " is not available in the playground (it needs Node)"); };`];
  for (const key of names) {
    let value: unknown;
    try {
      value = real[key];
    } catch {
      value = undefined;
    }
    const equivalent = BROWSER_EQUIVALENTS[name]?.[key];
    lines.push(`export const ${key} = ${equivalent ?? (typeof value !== "function" && isPlainData(value) ? JSON.stringify(value) : `unavailable(${JSON.stringify(`node:${name}'s ${key}`)})`)};`);
  }
  lines.push(`export default { ${names.join(", ")} };`);
  return lines.join("\n");
}

/** The runtime's boundary in the browser: Node built-ins as builtinForBrowser makes them, Node-only packages refused. */
function playgroundBoundary(): Plugin {
  const packages = new RegExp(`^(${NODE_ONLY_PACKAGES.map((p) => p.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")).join("|")})(/.*)?$`);
  return {
    name: "playground-boundary",
    setup(b) {
      b.onResolve({ filter: /^(node:)?[a-z0-9_/]+$/ }, (args) => {
        if (!isBuiltin(args.path)) return undefined;
        const name = args.path.replace(/^node:/, "");
        if (name === "path") return b.resolve("pathe", { kind: args.kind, resolveDir: args.resolveDir });
        return { path: name, namespace: "node-builtin" };
      });
      b.onLoad({ filter: /.*/, namespace: "node-builtin" }, async (args) => ({ contents: await builtinForBrowser(args.path), loader: "js" }));
      b.onResolve({ filter: packages }, (args) => ({ path: args.path, namespace: "node-only" }));
      b.onLoad({ filter: /.*/, namespace: "node-only" }, (args) => ({
        contents: `throw new Error(${JSON.stringify(`${args.path} is not available in the playground (it needs Node): this feature runs with kova run`)});`,
        loader: "js",
      }));
    },
  };
}

/**
 * app-runtime.js: the runtime's pipeline, the embedded store on SQLite WASM and the playground's
 * host, which compiled programs import by URL (app-worker.ts says why it is a module of its own).
 */
export async function bundleAppRuntime(outdir: string): Promise<BundleResult> {
  const result = await build({ ...browserBuildOptions(outdir), entryPoints: { "app-runtime": browserModule("app-runtime") }, plugins: [playgroundBoundary()] }).catch(bundleFailure);
  const outputs: Record<string, number> = {};
  for (const [file, output] of Object.entries(result.metafile.outputs)) outputs[file] = output.bytes;
  return { outputs, metafile: result.metafile };
}

/** esbuild's errors, one line each with the file and line, as the error a build reports. */
function bundleFailure(error: { errors?: { text: string; location?: { file: string; line: number } | null }[] }): never {
  const lines = (error.errors ?? []).map((e) => `${e.location ? `${e.location.file}:${e.location.line}: ` : ""}${e.text}`);
  throw new NodeBuiltinInBrowserBundle(lines.length > 0 ? lines.join("\n") : String(error));
}
