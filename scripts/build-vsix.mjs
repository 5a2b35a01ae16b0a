#!/usr/bin/env node
// Builds the VS Code extension into editors/vscode/kova.vsix (`npm run vsix`; CI runs it):
//   1. bundles src/extension.ts (+ vscode-languageclient) into out/extension.js and the language
//      server (src/server.mts + @kova/lsp + the compiler) into out/server.mjs with esbuild, so the
//      extension ships two files of code instead of hundreds of node_modules files;
//   2. packages the folder with @vscode/vsce (--no-dependencies: everything needed is bundled).
// `--bundle-only` stops after step 1 (the extension's vscode:prepublish runs that).
// Needs `npm ci` in editors/vscode (its own dependencies) and a built repo (`npx tsc -b`).
import { build } from "esbuild";
import { execFileSync } from "node:child_process";
import { existsSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";

const root = new URL("..", import.meta.url).pathname;
const ext = join(root, "editors", "vscode");
if (!existsSync(join(ext, "node_modules", "vscode-languageclient"))) {
  console.error("build-vsix: editors/vscode has no node_modules; run: npm ci --prefix editors/vscode");
  process.exit(1);
}
if (!existsSync(join(root, "packages", "lsp", "dist", "src", "index.js"))) {
  console.error("build-vsix: the language server is not built; run: npx tsc -b");
  process.exit(1);
}
rmSync(join(ext, "out"), { recursive: true, force: true });
const common = { bundle: true, platform: "node", target: "node18", minify: true, legalComments: "none", logLevel: "warning" };
await build({ ...common, entryPoints: [join(ext, "src", "extension.ts")], outfile: join(ext, "out", "extension.js"), format: "cjs", external: ["vscode"] });
await build({
  ...common,
  entryPoints: [join(ext, "src", "server.mts")],
  outfile: join(ext, "out", "server.mjs"),
  format: "esm",
  // Some CommonJS dependencies call require(); give the ES module bundle one.
  banner: { js: 'import { createRequire as __kovaCreateRequire } from "node:module"; const require = __kovaCreateRequire(import.meta.url);' },
});
if (process.argv.includes("--bundle-only")) process.exit(0);

// The bundled server must start on its own (no node_modules next to it): answer `initialize`.
{
  const { spawn } = await import("node:child_process");
  const { mkdtempSync, copyFileSync } = await import("node:fs");
  const { tmpdir } = await import("node:os");
  const alone = mkdtempSync(join(tmpdir(), "kova-vsix-"));
  copyFileSync(join(ext, "out", "server.mjs"), join(alone, "server.mjs"));
  const server = spawn(process.execPath, [join(alone, "server.mjs")], { stdio: ["pipe", "pipe", "inherit"] });
  const body = JSON.stringify({ jsonrpc: "2.0", id: 1, method: "initialize", params: { processId: null, rootUri: null, capabilities: {} } });
  server.stdin.write(`Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
  const reply = await new Promise((resolve, reject) => {
    let text = "";
    const timer = setTimeout(() => reject(new Error(`no answer to initialize in 10 s: ${text}`)), 10_000);
    server.stdout.on("data", (d) => {
      text += d;
      if (text.includes('"capabilities"')) {
        clearTimeout(timer);
        resolve(text);
      }
    });
    server.once("exit", (code) => reject(new Error(`the bundled server exited ${code}: ${text}`)));
  }).catch((error) => {
    console.error(`build-vsix: ${error.message}`);
    process.exit(1);
  });
  server.kill();
  rmSync(alone, { recursive: true, force: true });
  console.log(`the bundled language server answers initialize (${/"hoverProvider":true/.test(reply) ? "hover, " : ""}standalone, no node_modules)`);
}
const out = join(ext, "kova.vsix");
rmSync(out, { force: true });
execFileSync(join(ext, "node_modules", ".bin", "vsce"), ["package", "--no-dependencies", "--allow-missing-repository", "--skip-license", "-o", out], { cwd: ext, stdio: "inherit" });
console.log(`wrote ${out} (${(statSync(out).size / 1024).toFixed(0)} KiB)`);
