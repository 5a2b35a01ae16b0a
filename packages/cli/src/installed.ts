/**
 * Which Kova packages are installed next to this CLI, and at which version. `kova build`, `run` and
 * `dev` check this first, so a project with a missing or mismatched runtime or driver gets one line
 * naming the package and the npm command that fixes it, not a module-resolution stack trace later.
 */
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { join, relative } from "node:path";
import { pathToFileURL } from "node:url";
import { DRIVER_PACKAGES } from "@kova/query";
import { cliVersion } from "./version.js";

/** What every app needs; the CLI depends on these, so they are missing only in a broken install. */
const REQUIRED = ["@kova/runtime", "@kova/compiler", "@kova/query", "@kova/driver-embedded"];

export type InstalledVersion = { found: false } | { found: true; version: string | undefined };

export function installedVersion(name: string, from: string | URL = import.meta.url): InstalledVersion {
  const require = createRequire(from);
  try {
    return { found: true, version: (require(`${name}/package.json`) as { version?: string }).version };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "MODULE_NOT_FOUND") return { found: false };
    return { found: true, version: undefined }; // installed, but its package.json is not exported
  }
}

/** One line per problem (empty when all is well). Optional drivers count only when installed. */
export function kovaInstallProblems(version = cliVersion(), lookup: (name: string) => InstalledVersion = installedVersion): string[] {
  const problems: string[] = [];
  const drivers = [...new Set(Object.values(DRIVER_PACKAGES))].filter((p) => !REQUIRED.includes(p));
  for (const name of [...REQUIRED, ...drivers]) {
    const found = lookup(name);
    if (!found.found) {
      if (REQUIRED.includes(name)) problems.push(`${name} is not installed (it comes with @kova/cli); run: npm install @kova/cli@${version}`);
    } else if (found.version !== undefined && found.version !== version) {
      problems.push(`${name} ${found.version} is installed, but kova ${version} needs ${name}@${version}; run: npm install ${name}@${version}`);
    }
  }
  return problems;
}

/** Writes the install problems (one line each) and says whether there were any. */
export function reportInstallProblems(command: string, out: { write(text: string): unknown }): boolean {
  const problems = kovaInstallProblems();
  for (const p of problems) out.write(`kova ${command}: ${p}\n`);
  return problems.length > 0;
}

/** Adds the npm command to a build's "no installed driver package provides …" error. */
export function withInstallHint(error: string, version = cliVersion()): string {
  if (!error.startsWith("no installed driver package provides")) return error;
  const packages = [...error.matchAll(/\((@kova\/[a-z0-9-]+)\)/g)].map((m) => `${m[1]}@${version}`);
  return packages.length > 0 ? `${error}; run: npm install ${[...new Set(packages)].join(" ")}` : error;
}

/**
 * `kova run` with a kova from elsewhere (npx's cache, a global install) on an app whose own
 * packages are not installed yet: the built server could not load the runtime. Says so in one line.
 */
export function appInstallProblem(appDir: string, outDir: string): string | undefined {
  const found = installedVersion("@kova/runtime", pathToFileURL(join(outDir, "server.js")));
  if (found.found) return undefined;
  const shown = relative(process.cwd(), appDir) || ".";
  const hasManifest = existsSync(join(appDir, "package.json"));
  return hasManifest
    ? `the app's packages are not installed (no @kova/runtime for ${shown}); run: ${shown === "." ? "" : `cd ${shown} && `}npm install`
    : `${shown} has no package.json, so nothing installs the Kova runtime for it; run: ${shown === "." ? "" : `cd ${shown} && `}npm init -y && npm install @kova/cli@${cliVersion()}`;
}
