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

/** Bundles browser modules (output name → source file) into `outdir`, minified, with source maps. */
export async function bundleBrowserModules(entries: Record<string, string>, outdir: string): Promise<BundleResult> {
  const result = await build({
    entryPoints: entries,
    outdir,
    bundle: true,
    format: "esm",
    platform: "browser",
    target: "es2022",
    minify: true,
    sourcemap: true,
    metafile: true,
    logLevel: "silent",
    plugins: [refuseNodeBuiltins(), grammarKeywordsModule()],
  }).catch((error: { errors?: { text: string; location?: { file: string; line: number } | null }[] }) => {
    const lines = (error.errors ?? []).map((e) => `${e.location ? `${e.location.file}:${e.location.line}: ` : ""}${e.text}`);
    throw new NodeBuiltinInBrowserBundle(lines.length > 0 ? lines.join("\n") : String(error));
  });
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
