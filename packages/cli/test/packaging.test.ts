// Every workspace package is publishable and installs together (scripts/pack.mjs is what
// `npm run pack` runs; the newcomer e2e in .ci/run installs its tarballs outside the repo).
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../../../../", import.meta.url));

interface Manifest {
  name: string;
  version: string;
  private?: boolean;
  files?: string[];
  exports?: Record<string, unknown>;
  types?: string;
  bin?: Record<string, string>;
  engines?: Record<string, string>;
  dependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
  kova?: { version?: string; sources?: string[]; ir?: Record<string, string> };
}
interface Plan {
  version: string;
  packages: Array<{ dir: string; manifest: Manifest }>;
}

const packScript = join(ROOT, "scripts", "pack.mjs");
const { publishablePackages, workspaceDirs } = (await import(packScript)) as { publishablePackages: () => Plan; workspaceDirs: () => string[] };
const { libraryIr } = (await import(join(ROOT, "scripts", "gen-library-ir.mjs"))) as {
  libraryIr: () => Promise<Array<{ dir: string; name: string; source: string; irFile: string; text: string }>>;
};

test("pack: every workspace package but the private ones, each after the packages it depends on", () => {
  const plan = publishablePackages();
  const names = plan.packages.map((p) => p.manifest.name);
  const all = workspaceDirs().map((dir) => JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as Manifest);
  assert.deepEqual(new Set(names), new Set(all.filter((m) => !m.private).map((m) => m.name)), "discovered from the workspace, not a list");
  assert.ok(names.includes("@kova/cli") && names.includes("create-kova") && names.includes("@kova/runtime"));
  assert.ok(!names.includes("@kova/conformance"));
  assert.ok(names.includes("@kova/kit-accounts"), "the Kova library is packed too");
  for (const [i, p] of plan.packages.entries()) {
    for (const dep of Object.keys({ ...p.manifest.dependencies, ...p.manifest.peerDependencies })) {
      const at = names.indexOf(dep);
      if (at >= 0) assert.ok(at < i, `${dep} is packed before ${p.manifest.name}`);
    }
  }
});

test("pack: one version, every Kova dependency pinned to it, and each package publishable", () => {
  const plan = publishablePackages();
  for (const { dir, manifest } of plan.packages) {
    const name = manifest.name;
    assert.equal(manifest.version, plan.version, name);
    assert.ok(manifest.files && manifest.files.length > 0, `${name} lists its files`);
    assert.ok(!manifest.files!.some((f) => f.includes("test")), `${name} does not publish its tests`);
    // dist/server.js and `kova build` read the installed version of the runtime and the drivers.
    if (name === "@kova/cli" || name === "@kova/runtime" || name.startsWith("@kova/driver-")) {
      assert.ok(manifest.exports?.["./package.json"], `${name} exports its package.json`);
    }
    if (manifest.kova) {
      // A Kova library (docs/libraries.md) ships .kova sources, no JavaScript.
      assert.ok(manifest.kova.version && manifest.kova.sources && manifest.kova.sources.length > 0, `${name}: its kova field has a version and sources`);
      for (const source of manifest.kova.sources!) {
        assert.ok(existsSync(join(dir, source)), `${name}: ${source} exists`);
        assert.ok(manifest.files!.includes(source), `${name}: ${source} is in files`);
      }
      for (const ir of Object.values(manifest.kova.ir ?? {})) assert.ok(manifest.files!.includes(ir), `${name}: ${ir} is in files`);
    } else if (name !== "create-kova") {
      const entry = manifest.exports?.["."] as string | { types?: string; default: string };
      const js = typeof entry === "string" ? entry : entry.default;
      assert.ok(existsSync(join(dir, js)), `${name}: ${js} is built`);
      assert.ok(manifest.types && existsSync(join(dir, manifest.types)), `${name}: its types are built`);
    }
    for (const [dep, range] of Object.entries({ ...manifest.dependencies, ...manifest.peerDependencies })) {
      if (dep.startsWith("@kova/")) assert.equal(range, plan.version, `${name} -> ${dep}`);
    }
  }
});

test("pack: an app on the embedded store installs no PostgreSQL, MySQL, MongoDB or Redis client", () => {
  const plan = publishablePackages();
  const byName = new Map(plan.packages.map((p) => [p.manifest.name, p.manifest]));
  const installed = new Set<string>();
  const visit = (name: string) => {
    if (installed.has(name)) return;
    installed.add(name);
    // npm installs dependencies, and peer dependencies unless they are optional.
    const m = byName.get(name);
    if (!m) return;
    for (const dep of Object.keys(m.dependencies ?? {})) visit(dep);
    for (const dep of Object.keys(m.peerDependencies ?? {})) if (!m.peerDependenciesMeta?.[dep]?.optional) visit(dep);
  };
  visit("@kova/cli"); // what `kova init`'s package.json depends on
  for (const client of ["pg", "mysql2", "mongodb", "ioredis", "@kova/driver-postgres", "@kova/driver-mysql", "@kova/driver-mongodb", "@kova/driver-redis", "@kova/driver-cockroach"]) {
    assert.ok(!installed.has(client), `${client} is not installed with @kova/cli`);
  }
  assert.ok(installed.has("@kova/driver-embedded") && installed.has("better-sqlite3"));
  const cli = byName.get("@kova/cli")!;
  assert.deepEqual(cli.bin, { kova: "./bin/kova.js" });
  assert.ok(cli.files!.includes("bin") && cli.files!.includes("templates"));
  for (const driver of ["@kova/driver-postgres", "@kova/driver-mysql"]) assert.equal(cli.peerDependenciesMeta?.[driver]?.optional, true, `${driver} is an optional peer of @kova/cli`);
  const create = byName.get("create-kova")!;
  assert.deepEqual(create.dependencies ?? {}, {}, "npm create kova installs nothing but create-kova");
  assert.deepEqual(create.bin, { "create-kova": "./index.js" });
});

// On the public registry the name `kova` belongs to an unrelated package: nothing of ours may be
// named so or depend on it, and no doc may tell a user outside a project to run `npx kova …`
// (npx would fetch that package); there it is `npx @kova/cli …` or `npm create kova@latest`.
test("pack: no package is named `kova` or depends on it; the docs start projects with npx @kova/cli", () => {
  for (const { manifest } of publishablePackages().packages) {
    assert.notEqual(manifest.name, "kova");
    const deps = { ...manifest.dependencies, ...manifest.peerDependencies, ...(manifest as { devDependencies?: object }).devDependencies };
    assert.ok(!("kova" in deps), `${manifest.name} depends on the npm package named kova`);
  }
  const readme = readFileSync(join(ROOT, "README.md"), "utf8");
  const ownProject = /^## Use Kova in your own project\n([\s\S]*?)(?=^## )/m.exec(readme)?.[1] ?? "";
  const docs: Array<[string, string]> = [
    ["README.md (Use Kova in your own project)", ownProject],
    ["packages/cli/README.md", readFileSync(join(ROOT, "packages/cli/README.md"), "utf8")],
    ["packages/create-kova/README.md", readFileSync(join(ROOT, "packages/create-kova/README.md"), "utf8")],
  ];
  for (const [name, text] of docs) {
    assert.doesNotMatch(text, /npx kova init/, `${name}: outside a project that is \`npx @kova/cli init\``);
    assert.match(text, /npx @kova\/cli init|npm create kova@latest/, name);
  }
});

test("pack: a Kova library's shipped IR is what its sources compile to now (npm run gen:library-ir)", async () => {
  const libraries = await libraryIr();
  assert.ok(libraries.some((l) => l.name === "@kova/kit-accounts"), "@kova/kit-accounts ships its IR");
  for (const lib of libraries) {
    const committed = readFileSync(join(lib.dir, lib.irFile), "utf8");
    assert.equal(committed, lib.text, `${lib.name}/${lib.irFile} is stale; run: npm run gen:library-ir`);
    assert.ok(!committed.includes(ROOT), `${lib.name}/${lib.irFile} holds no path of this checkout`);
  }
});
