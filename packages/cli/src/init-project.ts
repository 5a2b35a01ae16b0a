/**
 * What `kova init` and `npm create kova` both do: write a new app folder that runs on its own —
 * the app's .kova files, a README, a .gitignore and a package.json that depends on Kova — without
 * overwriting anything. Only node:fs and the scaffold are imported, so create-kova can bundle this
 * file and stay a package with no dependencies.
 */
import { accessSync, constants, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { SCAFFOLD } from "./scaffold/scaffold.js";

/** The templates: "notes" is written from the scaffold; the others are copies of examples/<name>. */
export const TEMPLATES = ["notes", "todo", "blog"] as const;

export interface InitOptions {
  dir: string;
  template?: string;
  /** The Kova version the app's package.json depends on (`^version`). */
  kovaVersion: string;
  /** Folders that may hold the example templates (`<root>/<template>/app.kova`), first found wins. */
  templateRoots: string[];
}

export type InitResult = { ok: true; dir: string; files: string[]; wrotePackageJson: boolean } | { ok: false; message: string; usage?: boolean };

/** An npm package name from a folder name: lower case, only the characters npm accepts. */
export function packageName(dir: string): string {
  const name = basename(resolve(dir))
    .toLowerCase()
    .replace(/[^a-z0-9._~-]+/g, "-")
    .replace(/^[._-]+|-+$/g, "");
  return name || "kova-app";
}

export function projectPackageJson(name: string, kovaVersion: string): string {
  const manifest = {
    name,
    version: "0.1.0",
    private: true,
    type: "module",
    scripts: { dev: "kova dev .", start: "kova run .", build: "kova build .", check: "kova check .", test: "kova test ." },
    dependencies: { "@kova/cli": `^${kovaVersion}` },
    engines: { node: ">=20" },
    // npm asks packages' install scripts to be allowed; the embedded store's SQLite binding has one.
    allowScripts: { "better-sqlite3": true },
  };
  return JSON.stringify(manifest, null, 2) + "\n";
}

const GITIGNORE = "dist/\n.kova/\nnode_modules/\n";

/** The files of a template, as name → text (binary-safe enough: templates are text). */
function templateFiles(template: string, roots: string[]): Record<string, string> | string {
  if (template === "notes") return { ...SCAFFOLD, ".gitignore": GITIGNORE };
  if (!(TEMPLATES as readonly string[]).includes(template)) return `unknown template '${template}'; choose one of: ${TEMPLATES.join(", ")}`;
  const root = roots.map((r) => join(r, template)).find((dir) => existsSync(join(dir, "app.kova")));
  if (root === undefined) return `the '${template}' template is not installed with this copy of Kova (looked in ${roots.join(", ")})`;
  const files: Record<string, string> = {};
  const walk = (dir: string, prefix: string) => {
    for (const name of readdirSync(dir).sort()) {
      if (name === "dist" || name === ".kova" || name === "node_modules") continue;
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path, `${prefix}${name}/`);
      else files[`${prefix}${name}`] = readFileSync(path, "utf8");
    }
  };
  walk(root, "");
  // The examples' READMEs say `npx kova run examples/todo`; in an app of its own that is `.`.
  if (files["README.md"] !== undefined) {
    files["README.md"] = files["README.md"].replace(new RegExp(`examples/${template}(/app\\.kova)?`, "g"), ".");
  }
  files[".gitignore"] ??= GITIGNORE;
  return files;
}

export function initProject(options: InitOptions): InitResult {
  const dir = resolve(options.dir);
  const files = templateFiles(options.template ?? "notes", options.templateRoots);
  if (typeof files === "string") return { ok: false, message: files, usage: true };
  const clashes = Object.keys(files).filter((name) => existsSync(join(dir, name)));
  if (clashes.length > 0) return { ok: false, message: `${dir} already has ${clashes.join(", ")}; choose an empty folder` };
  try {
    mkdirSync(dir, { recursive: true });
    accessSync(dir, constants.W_OK);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return { ok: false, message: `cannot create files in ${dir} (${code ?? (error as Error).message}); choose a folder you can write to` };
  }
  const written: string[] = [];
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), text);
    written.push(name);
  }
  // An existing package.json (`npm init -y && npm i @kova/cli && npx kova init .`) is left as it is.
  const wrotePackageJson = !existsSync(join(dir, "package.json"));
  if (wrotePackageJson) {
    writeFileSync(join(dir, "package.json"), projectPackageJson(packageName(dir), options.kovaVersion));
    written.push("package.json");
  }
  return { ok: true, dir, files: written, wrotePackageJson };
}

/** Is the `@kova/cli` package installed where node would find it from `dir` (the app, or a folder above)? */
export function kovaInstalledFor(dir: string): boolean {
  for (let at = resolve(dir); ; at = dirname(at)) {
    if (existsSync(join(at, "node_modules", "@kova", "cli", "package.json"))) return true;
    if (dirname(at) === at) return false;
  }
}

/** What to type next, as shell lines. */
export function nextSteps(shown: string, dir: string): string[] {
  const steps: string[] = [];
  const cd = shown !== ".";
  if (kovaInstalledFor(dir)) {
    steps.push(`npx kova run ${shown}`);
  } else {
    if (cd) steps.push(`cd ${shown}`);
    steps.push("npm install", "npx kova run");
  }
  return steps;
}
