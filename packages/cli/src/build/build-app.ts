import { createHash } from "node:crypto";
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { buildApp as compileApp, type BuildOptions, type BuildResult, type OpenApiOptions } from "@kova/compiler";
// The config reader alone: the runtime's index would load every feature into each build.
import { loadFileConfig } from "@kova/runtime/config";
import { DRIVER_PACKAGES } from "@kova/query";
import { distPackage, serverModule } from "../dist-files.js";
import { BUNDLE_DIR, bundleServer } from "./bundle-server.js";
import { GRAPHQL_SDL_FILE, graphqlSdl } from "./graphql-sdl.js";

export { DRIVER_PACKAGES };

/** What kova.config.json says the document must reflect: the error shape and validation status the app answers with. */
export function openapiSettings(appDir: string): OpenApiOptions {
  try {
    return { errors: loadFileConfig(appDir).errors };
  } catch {
    // A broken kova.config.json is the start's to report, with its reason.
    return {};
  }
}
export type { BuildOptions, BuildResult };

/**
 * `kova build`: the compiler's build (check → lower → compile queries per data source → emit
 * `dist/app.js` + source map, imported modules copied into dist), then the two files that say how
 * the app is started and packaged: `dist/server.js` and a `dist/package.json` listing only the
 * runtime and the drivers the program uses (see dist-files.ts), and the server's runtime bundled
 * into `dist/server/` (bundle-server.ts; `bundle: false` leaves it in node_modules). The output
 * starts with plain `node dist/server.js`; no compiler is loaded.
 */
export async function buildApp(options: BuildOptions & { bundle?: boolean }): Promise<BuildResult & { bytecodeHash?: string }> {
  const result: BuildResult & { bytecodeHash?: string } = await compileApp({ openapi: openapiSettings, ...options });
  if (!result.ok || options.irOnly) return result;
  const driverPackages = [...new Set(result.drivers.map((d) => DRIVER_PACKAGES[d]))];
  const vm = result.bytecode !== undefined;
  if (result.bytecode !== undefined) {
    // Signed with the app's key (KOVA_SIGNING_KEY, or .kova/keys/ made on first use); the public half
    // goes beside it as the key the server trusts by default.
    const { readKeyPair, signProgram } = await import("@kova/vm");
    const { key } = readKeyPair(result.appDir);
    const signed = signProgram(result.bytecode, key);
    writeFileSync(join(result.outDir, "app.kbc"), signed.file);
    writeFileSync(join(result.outDir, "app.kbc.pub.pem"), key.publicKey.export({ format: "pem", type: "spki" }));
    result.bytecodeHash = signed.hash;
  }
  // The server's runtime bundled (see bundle-server.ts); the VM tier loads the runtime unbundled.
  const bundled = options.bundle !== false && !vm;
  if (bundled) await bundleServer(result.outDir, driverPackages, bundleCache(result.appDir));
  else rmSync(join(result.outDir, BUNDLE_DIR), { recursive: true, force: true });
  writeFileSync(join(result.outDir, "server.js"), serverModule(driverPackages, { vm, bundled }));
  const openapiFile = join(result.outDir, "openapi.json");
  const openapi: unknown = existsSync(openapiFile) ? JSON.parse(readFileSync(openapiFile, "utf8")) : null;
  const sdl = result.ir === null ? null : await graphqlSdl(result.ir.entities, result.appDir, openapi);
  if (sdl !== null) writeFileSync(join(result.outDir, GRAPHQL_SDL_FILE), sdl);
  writeFileSync(join(result.outDir, "package.json"), JSON.stringify(distPackage(basename(result.appDir), driverPackages, { vm }), null, 2) + "\n");
  return result;
}

/**
 * Where the runtime bundle is kept between builds: a folder of the system's temporary directory
 * named after the app folder, so that a build writes nothing outside its output folder.
 */
export function bundleCache(appDir: string): string {
  return join(tmpdir(), "kova-server-bundle", createHash("sha256").update(appDir).digest("hex").slice(0, 16));
}
