#!/usr/bin/env node
// Writes the compiled app model (IR) of every Kova library in the workspace (a package whose
// package.json has a `kova` field with `ir`: { "file.kova": "file.ir.json" }), so the library ships
// its sources plus their IR (docs/libraries.md). Paths inside the IR are relative to the package.
//
//   node scripts/gen-library-ir.mjs          write each library's IR files
//   node scripts/gen-library-ir.mjs --check  exit 1 (with a message) when a committed IR file is stale
import { readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { workspaceDirs } from "./pack.mjs";

const root = resolve(new URL("..", import.meta.url).pathname);

/** [{ dir, name, source, irFile, text }] for every library source that names an IR file. */
export async function libraryIr(repoRoot = root) {
  const { checkFiles, lower } = await import(pathToFileURL(join(repoRoot, "packages/compiler/dist/src/index.js")).href);
  const out = [];
  for (const dir of workspaceDirs(repoRoot)) {
    const manifest = JSON.parse(readFileSync(join(dir, "package.json"), "utf8"));
    for (const [source, irFile] of Object.entries(manifest.kova?.ir ?? {})) {
      const path = join(dir, source);
      const check = checkFiles([path]);
      const errors = check.diagnostics.filter((d) => d.severity === "error");
      if (errors.length > 0) throw new Error(`${manifest.name}/${source} has errors: ${errors.map((d) => `${d.code} ${d.message}`).join("; ")}`);
      const ir = lower(check.programs[0].model, { name: manifest.name });
      const text = JSON.stringify(ir, null, 2).replaceAll(JSON.stringify(`${dir}/`).slice(1, -1), "") + "\n";
      out.push({ dir, name: manifest.name, source, irFile, text });
    }
  }
  return out;
}

async function main(args) {
  const stale = [];
  for (const lib of await libraryIr()) {
    const target = join(lib.dir, lib.irFile);
    let committed = "";
    try {
      committed = readFileSync(target, "utf8");
    } catch {
      // missing counts as stale
    }
    if (committed === lib.text) continue;
    if (args.includes("--check")) stale.push(`${lib.name}/${lib.irFile}`);
    else {
      writeFileSync(target, lib.text);
      console.log(`wrote ${lib.name}/${lib.irFile}`);
    }
  }
  if (stale.length > 0) {
    console.error(`stale library IR: ${stale.join(", ")}; run: npm run gen:library-ir`);
    process.exit(1);
  }
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(new URL(import.meta.url).pathname)) await main(process.argv.slice(2));
