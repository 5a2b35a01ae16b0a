/**
 * The compiler in the browser: the bundle the playground ships is built here (esbuild, platform
 * browser) and must pull in no Node built-in; then it checks every example app and every ```kova
 * block of the docs, and its diagnostics must equal, field for field, what `kova check --json`
 * prints (the examples) and what the API `kova check` runs returns (the docs' blocks).
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { isAbsolute, join, relative } from "node:path";
import { after, before, describe, test } from "node:test";
import { fileURLToPath, pathToFileURL } from "node:url";
import { gzipSync } from "node:zlib";
import { checkWithDrivers, findKovaFiles, nodeHost, type CheckResult, type CompilerHost } from "@kova/compiler";
import { browserModule, bundleBrowserModules, NodeBuiltinInBrowserBundle } from "../src/build/bundle.js";

const root = fileURLToPath(new URL("../../../../", import.meta.url));
const cli = join(root, "packages/cli/dist/src/main.js");
const outdir = mkdtempSync(join(tmpdir(), "kova-playground-bundle-"));

interface BrowserCompiler {
  checkProject(roots: readonly string[], files: Record<string, string>): Promise<CheckResult>;
  checkWithHost(roots: readonly string[], host: CompilerHost): Promise<CheckResult>;
}
let compiler: BrowserCompiler;

before(async () => {
  await bundleBrowserModules({ compiler: browserModule("compiler") }, outdir);
  compiler = (await import(pathToFileURL(join(outdir, "compiler.js")).href)) as BrowserCompiler;
});
after(() => rmSync(outdir, { recursive: true, force: true }));

/** Every file under `dir` as text, keyed by its path as the CLI names it (relative to the repo root). */
function filesUnder(dir: string): Record<string, string> {
  const files: Record<string, string> = {};
  const walk = (at: string) => {
    for (const name of readdirSync(join(root, at))) {
      if (name === "node_modules" || name === ".kova" || name === "dist") continue;
      const path = join(at, name);
      if (statSync(join(root, path)).isDirectory()) walk(path);
      else files[path] = readFileSync(join(root, path), "utf8");
    }
  };
  walk(dir);
  return files;
}

test("the compiler bundle imports no Node built-in and is under 1 MB gzipped", () => {
  const bytes = readFileSync(join(outdir, "compiler.js"));
  const gzipped = gzipSync(bytes, { level: 9 }).length;
  assert.doesNotMatch(bytes.toString("utf8"), /from\s*"node:|require\("(node:)?(fs|path|crypto|module|async_hooks)"\)/);
  assert.ok(gzipped < 1024 * 1024, `the compiler bundle is ${gzipped} bytes gzipped, over 1 MB`);
  console.log(`compiler bundle: ${bytes.length} bytes minified, ${gzipped} bytes gzipped`);
});

test("a browser module that reaches a Node built-in fails the bundle, naming the module", async () => {
  const dir = mkdtempSync(join(tmpdir(), "kova-playground-builtin-"));
  try {
    const entry = join(dir, "uses-fs.ts");
    writeFileSync(entry, `import { readFileSync } from "node:fs";\nexport const read = (p: string) => readFileSync(p, "utf8");\n`);
    await assert.rejects(bundleBrowserModules({ bad: entry }, join(dir, "out")), (error: Error) => {
      assert.ok(error instanceof NodeBuiltinInBrowserBundle);
      assert.match(error.message, /node:fs is a Node built-in, imported by .*uses-fs\.ts/);
      return true;
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

describe("every example: the bundle's diagnostics equal kova check --json's", () => {
  const examples = readdirSync(join(root, "examples")).filter((n) => statSync(join(root, "examples", n)).isDirectory());
  assert.ok(examples.length >= 3);
  for (const name of examples) {
    test(`examples/${name}`, async () => {
      const dir = `examples/${name}`;
      const run = spawnSync(process.execPath, [cli, "check", "--format", "json", dir], { cwd: root, encoding: "utf8" });
      assert.ok(run.stdout.trim().startsWith("{"), `kova check printed no JSON: ${run.stderr}`);
      const expected = JSON.parse(run.stdout) as { diagnostics: unknown[]; summary: { files: number } };
      const roots = findKovaFiles([join(root, dir)], () => {}).files.map((f) => relative(root, f));
      const result = await compiler.checkProject(roots, filesUnder(dir));
      assert.deepEqual(JSON.parse(JSON.stringify(result.diagnostics)), expected.diagnostics);
      assert.equal(result.files.length, expected.summary.files);
    });
  }
});

/** Every ```kova block of docs/*.md, with its 1-based first line. */
function docBlocks(): { file: string; code: string }[] {
  const blocks: { file: string; code: string }[] = [];
  for (const name of readdirSync(join(root, "docs")).filter((n) => n.endsWith(".md")).sort()) {
    const lines = readFileSync(join(root, "docs", name), "utf8").split(/\r?\n/);
    let open: { info: string; line: number; body: string[]; marker: string } | null = null;
    lines.forEach((text, index) => {
      if (open === null) {
        const m = /^ {0,3}(`{3,}|~{3,})\s*(.*)$/.exec(text);
        if (m) open = { marker: m[1], info: m[2].trim(), line: index + 2, body: [] };
        return;
      }
      const close = /^ {0,3}(`{3,}|~{3,})\s*$/.exec(text);
      if (close && close[1][0] === open.marker[0] && close[1].length >= open.marker.length) {
        const words = open.info.split(/\s+/);
        if (words[0] === "kova") blocks.push({ file: `docs/${name}:${open.line}${words.includes("test") ? ".test" : ""}.kova`, code: open.body.join("\n") });
        open = null;
      } else open.body.push(text);
    });
  }
  return blocks;
}

/** Drivers whose dialects the browser does not bundle yet (see src/browser/compiler.ts). */
const UNBUNDLED_DRIVER = /\bUSING\s+(postgres|cockroach|mysql|mariadb)\b/;

test("every kova block in the docs: the bundle's diagnostics equal kova check's", async () => {
  const all = docBlocks();
  assert.ok(all.length > 100, `found only ${all.length} kova blocks in docs/`);
  const blocks = all.filter((b) => !UNBUNDLED_DRIVER.test(b.code));
  const differing: string[] = [];
  let withDiagnostics = 0;
  for (const block of blocks) {
    // Imports (IMPORT "../examples/…") are read from the repository, as the docs test reads them.
    const read = (p: string) => (p === block.file ? block.code : nodeHost.readFile(isAbsolute(p) ? p : join(root, p)));
    const host: CompilerHost = { readFile: read };
    const [cliResult, bundleResult] = await Promise.all([checkWithDrivers([block.file], host), compiler.checkWithHost([block.file], host)]);
    const expected = JSON.stringify(cliResult.diagnostics);
    const actual = JSON.stringify(bundleResult.diagnostics);
    if (cliResult.diagnostics.length > 0) withDiagnostics++;
    if (expected !== actual) differing.push(`${block.file}: kova check ${cliResult.diagnostics.map((d) => d.code).join(",") || "clean"}, bundle ${bundleResult.diagnostics.map((d) => d.code).join(",") || "clean"}`);
  }
  console.log(`${blocks.length} docs blocks compared, ${withDiagnostics} with diagnostics; ${all.length - blocks.length} left out (they name PostgreSQL, CockroachDB or MySQL)`);
  assert.deepEqual(differing, []);
});

