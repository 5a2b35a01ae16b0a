#!/usr/bin/env node
// `npm run pack [-- --out DIR]`: writes every publishable workspace package as a tarball into one
// folder (default: ./packed), in dependency order, all with one version.
//
// Packages are discovered from the root package.json's `workspaces` (so a new package under
// packages/ is picked up with no change here); `private` ones (the conformance suite) are skipped.
// The script refuses to pack when the versions differ, or when a package depends on another Kova
// package at a version other than the shared one, so what it writes always installs together.
// It prints one line per tarball and writes DIR/packed.json: [{ name, version, file }] in order.
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";

const root = resolve(new URL("..", import.meta.url).pathname);

/** The workspace folders named by the root package.json (supports "dir/*" and plain paths). */
export function workspaceDirs(repoRoot = root) {
  const manifest = JSON.parse(readFileSync(join(repoRoot, "package.json"), "utf8"));
  const patterns = Array.isArray(manifest.workspaces) ? manifest.workspaces : (manifest.workspaces?.packages ?? []);
  const dirs = [];
  for (const pattern of patterns) {
    if (pattern.endsWith("/*")) {
      const parent = join(repoRoot, pattern.slice(0, -2));
      if (!existsSync(parent)) continue;
      for (const name of readdirSync(parent).sort()) {
        const dir = join(parent, name);
        if (statSync(dir).isDirectory() && existsSync(join(dir, "package.json"))) dirs.push(dir);
      }
    } else if (existsSync(join(repoRoot, pattern, "package.json"))) {
      dirs.push(join(repoRoot, pattern));
    }
  }
  return dirs;
}

/** The publishable packages, each before every package that depends on it. */
export function publishablePackages(repoRoot = root) {
  const all = workspaceDirs(repoRoot).map((dir) => ({ dir, manifest: JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) }));
  const packages = all.filter((p) => !p.manifest.private);
  const byName = new Map(packages.map((p) => [p.manifest.name, p]));
  const problems = [];
  const versions = new Set(packages.map((p) => p.manifest.version));
  if (versions.size !== 1) {
    problems.push(`the packages have different versions (${packages.map((p) => `${p.manifest.name}@${p.manifest.version}`).join(", ")}); give them one`);
  }
  const version = packages[0]?.manifest.version;
  const deps = (m) => ({ ...m.dependencies, ...m.peerDependencies, ...m.optionalDependencies });
  for (const p of packages) {
    for (const [dep, range] of Object.entries(deps(p.manifest))) {
      if (byName.has(dep) && range !== version) problems.push(`${p.manifest.name} depends on ${dep}@${range}, not the shared version ${version}`);
    }
    for (const dep of Object.keys(p.manifest.dependencies ?? {})) {
      const target = all.find((a) => a.manifest.name === dep);
      if (target?.manifest.private) problems.push(`${p.manifest.name} depends on the private package ${dep}`);
    }
  }
  if (problems.length > 0) throw new Error(problems.join("\n"));
  const ordered = [];
  const state = new Map();
  const visit = (p, path) => {
    const name = p.manifest.name;
    if (state.get(name) === "done") return;
    if (state.get(name) === "visiting") throw new Error(`dependency cycle: ${[...path, name].join(" -> ")}`);
    state.set(name, "visiting");
    for (const dep of Object.keys(deps(p.manifest)).sort()) {
      const target = byName.get(dep);
      if (target) visit(target, [...path, name]);
    }
    state.set(name, "done");
    ordered.push(p);
  };
  for (const p of packages) visit(p, []);
  return { version, packages: ordered };
}

function main() {
  const args = process.argv.slice(2);
  const outIndex = args.indexOf("--out");
  const out = resolve(outIndex >= 0 ? args[outIndex + 1] : join(root, "packed"));
  let plan;
  try {
    plan = publishablePackages();
  } catch (error) {
    console.error(`pack: ${error.message}`);
    process.exit(1);
  }
  for (const p of plan.packages) {
    // A package with a prepack script (create-kova bundles itself) makes its entry points while packing.
    if (p.manifest.scripts?.prepack) continue;
    for (const entry of [p.manifest.main, ...(Object.values(p.manifest.bin ?? {}))]) {
      if (entry && !existsSync(join(p.dir, entry))) {
        console.error(`pack: ${p.manifest.name} is not built (${entry} is missing); run \`npx tsc -b\` first`);
        process.exit(1);
      }
    }
  }
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  const written = [];
  for (const p of plan.packages) {
    const json = execFileSync("npm", ["pack", "--json", "--pack-destination", out], { cwd: p.dir, encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] });
    const [info] = JSON.parse(json);
    written.push({ name: info.name, version: info.version, file: info.filename });
    console.log(`${info.filename}  (${info.entryCount} files, ${(info.size / 1024).toFixed(0)} KiB)`);
  }
  writeFileSync(join(out, "packed.json"), JSON.stringify(written, null, 2) + "\n");
  console.log(`packed ${written.length} packages at ${plan.version} into ${out}`);
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(new URL(import.meta.url).pathname)) main();
