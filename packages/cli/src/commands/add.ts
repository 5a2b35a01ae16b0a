import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { createRequire } from "node:module";
import type semverModule from "semver";
import { UsageError } from "../args.js";
import { ExitCode } from "../command.js";
import { defineCommand } from "../define-command.js";
import { installedVersion } from "../installed.js";
import { cliVersion } from "../version.js";

type Manifest = {
  name?: string;
  version?: string;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  kova?: unknown;
};

function readManifest(path: string): Manifest | undefined {
  try {
    return JSON.parse(readFileSync(path, "utf8")) as Manifest;
  } catch {
    return undefined;
  }
}

function dependencies(manifest: Manifest | undefined): Record<string, string> {
  return { ...manifest?.devDependencies, ...manifest?.dependencies };
}

/** `some-lib`, `some-lib@^1`, `@scope/lib@1.2.3` → the package name; a path, URL or tarball → undefined. */
export function registryPackageName(spec: string): string | undefined {
  const match = /^(@[a-z0-9][\w.-]*\/[a-z0-9][\w.-]*|[a-z0-9][\w.-]*)(@.*)?$/i.exec(spec);
  if (!match || spec.endsWith(".tgz") || spec.endsWith(".tar.gz")) return undefined;
  return match[1];
}

/** The version of the Kova compiler this CLI runs with (the same as the CLI's: one version for all). */
export function kovaCompilerVersion(): string {
  const found = installedVersion("@kova/compiler");
  return found.found && found.version !== undefined ? found.version : cliVersion();
}

/**
 * Whether an installed package is a Kova library written for `kovaVersion`: undefined when it is,
 * else the one line that says why not and what to do.
 */
export function libraryProblem(name: string, manifest: Manifest | undefined, kovaVersion: string): string | undefined {
  // Required here, not with the CLI: semver's 47 modules are only needed by `kova add` and `kova build`'s library check.
  const semver = createRequire(import.meta.url)("semver") as typeof semverModule;
  if (manifest === undefined) return `${name} was not installed into node_modules (no node_modules/${name}/package.json)`;
  const field = manifest.kova;
  if (field === undefined || field === null || typeof field !== "object" || Array.isArray(field)) {
    return `${name} is not a Kova library (its package.json has no "kova" field); remove it with: npm uninstall ${name}`;
  }
  const range = (field as { version?: unknown }).version;
  if (typeof range !== "string" || semver.validRange(range) === null) {
    return `${name} does not say which Kova it is written for (its package.json needs "kova": { "version": "<semver range>" }, found ${JSON.stringify(range ?? null)})`;
  }
  if (!semver.satisfies(kovaVersion, range, { includePrerelease: true })) {
    return `${name}@${manifest.version ?? "?"} is written for Kova ${range}, but this is Kova ${kovaVersion}; install a version of ${name} that fits (npm install ${name}@<version>) or a Kova in ${range}`;
  }
  return undefined;
}

export const addCommand = defineCommand({
  name: "add",
  summary: "Install a Kova library with npm and check that it fits this Kova",
  usage: `Usage: kova add [options] PACKAGE...

Runs 'npm install PACKAGE...' in the app folder (so package.json and package-lock.json record it),
then checks that each package installed is a Kova library (its package.json has a "kova" field)
whose "kova.version" range includes this Kova's version. A PACKAGE is anything npm install takes:
a name (some-lib, @scope/lib@^1.2), a folder or a tarball (./some-lib-1.0.0.tgz).
Then: IMPORT "some-lib/file.kova" in a .kova file (see docs/libraries.md).

Options:
  --dir <DIR>  The app folder, which holds its package.json (default: the current folder)
  -h, --help   Show this help

Exit status: 0 installed and fits, 1 npm failed or a package is not a library for this Kova,
2 bad command line.
`,
  options: { dir: { type: "string" } },
  execute({ values, positionals }, context) {
    if (positionals.length === 0) throw new UsageError("name the library to add, e.g. kova add @kova/kit-accounts");
    const appDir = resolve(String(values.dir ?? "."));
    const shown = relative(process.cwd(), appDir) || ".";
    const manifestPath = join(appDir, "package.json");
    if (!existsSync(manifestPath)) {
      context.stderr.write(`kova add: ${shown} has no package.json, so npm has nowhere to record the library; run: ${shown === "." ? "" : `cd ${shown} && `}npm init -y (or kova init)\n`);
      return ExitCode.problems;
    }
    const before = dependencies(readManifest(manifestPath));

    const npm = process.platform === "win32" ? "npm.cmd" : "npm";
    const env = Object.fromEntries(Object.entries(context.env).filter((e): e is [string, string] => e[1] !== undefined));
    const run = spawnSync(npm, ["install", ...positionals], { cwd: appDir, env, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], shell: process.platform === "win32" });
    if (run.stdout) context.stdout.write(run.stdout);
    if (run.stderr) context.stderr.write(run.stderr);
    if (run.error) {
      context.stderr.write(`kova add: cannot run npm (${(run.error as NodeJS.ErrnoException).code ?? run.error.message}); install Node.js with npm, or run: npm install ${positionals.join(" ")}\n`);
      return ExitCode.problems;
    }
    if (run.status !== 0) {
      context.stderr.write(`kova add: npm install ${positionals.join(" ")} failed (exit ${run.status ?? run.signal}); see npm's output above\n`);
      return ExitCode.problems;
    }

    // Which packages this install added: the names given, and whatever npm recorded anew (a tarball's or folder's name).
    const after = dependencies(readManifest(manifestPath));
    const names = new Set<string>();
    for (const spec of positionals) {
      const name = registryPackageName(spec);
      if (name !== undefined && name in after) names.add(name);
    }
    for (const [name, range] of Object.entries(after)) if (before[name] !== range) names.add(name);
    if (names.size === 0) {
      context.stderr.write(`kova add: npm install ${positionals.join(" ")} recorded no new dependency in ${shown}/package.json, so there is nothing to check\n`);
      return ExitCode.problems;
    }

    const kovaVersion = kovaCompilerVersion();
    let failed = false;
    for (const name of [...names].sort()) {
      const manifest = readManifest(join(appDir, "node_modules", name, "package.json"));
      const problem = libraryProblem(name, manifest, kovaVersion);
      if (problem !== undefined) {
        context.stderr.write(`kova add: ${problem}\n`);
        failed = true;
        continue;
      }
      const sources = ((manifest!.kova as { sources?: unknown }).sources ?? []) as unknown[];
      const first = sources.find((s): s is string => typeof s === "string");
      const range = (manifest!.kova as { version: string }).version;
      context.stdout.write(`kova add: added ${name}@${manifest!.version ?? "?"} (a Kova library for ${range}; this is Kova ${kovaVersion})${first ? `; use it with: IMPORT "${name}/${first}"` : ""}\n`);
    }
    return failed ? ExitCode.problems : ExitCode.ok;
  },
});
