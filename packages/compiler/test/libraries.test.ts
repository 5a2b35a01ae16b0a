/** Issue 11 item 5: `IMPORT "some-lib/models.kova"` resolves a Kova library from node_modules. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { checkFiles, memoryHost, nodeModulesFolders, resolveLibraryImport, splitBareSpecifier, type Diagnostic } from "../src/index.js";

const LIB_MANIFEST = JSON.stringify({ name: "acme-models", version: "1.0.0", kova: { version: "^0.1.0", sources: ["models.kova"] } });
const MODELS = "ENTITY Widget {\n  name: text UNIQUE\n}\n";
const APP = (spec: string) => `IMPORT "${spec}"\n\nGET /widgets {\n  RESPOND SELECT * FROM Widget\n}\n`;

function check(files: Record<string, string>, root = "/proj/app.kova"): { diagnostics: Diagnostic[]; files: string[] } {
  const result = checkFiles([root], memoryHost(files));
  return { diagnostics: result.diagnostics, files: result.files.map((f) => f.file) };
}

test("found: a bare .kova import loads the file from node_modules, and its entities are in scope", () => {
  const { diagnostics, files } = check({
    "/proj/app.kova": APP("acme-models/models.kova"),
    "/proj/node_modules/acme-models/package.json": LIB_MANIFEST,
    "/proj/node_modules/acme-models/models.kova": MODELS,
  });
  assert.deepEqual(diagnostics, []);
  assert.deepEqual(files, ["/proj/app.kova", "/proj/node_modules/acme-models/models.kova"]);
});

test("found: a scoped package, from a file in a subfolder, in a node_modules two folders up", () => {
  const { diagnostics, files } = check(
    {
      "/proj/src/api/app.kova": APP("@acme/models/lib/models.kova"),
      "/proj/node_modules/@acme/models/package.json": LIB_MANIFEST,
      "/proj/node_modules/@acme/models/lib/models.kova": MODELS,
    },
    "/proj/src/api/app.kova",
  );
  assert.deepEqual(diagnostics, []);
  assert.ok(files.includes("/proj/node_modules/@acme/models/lib/models.kova"));
});

test("nested node_modules: the nearest one wins, as in Node", () => {
  const { diagnostics, files } = check(
    {
      "/proj/sub/app.kova": APP("acme-models/models.kova"),
      "/proj/sub/node_modules/acme-models/package.json": LIB_MANIFEST,
      "/proj/sub/node_modules/acme-models/models.kova": MODELS,
      "/proj/node_modules/acme-models/package.json": LIB_MANIFEST,
      "/proj/node_modules/acme-models/models.kova": "ENTITY Other {\n  x: int\n}\n",
    },
    "/proj/sub/app.kova",
  );
  assert.deepEqual(diagnostics, []);
  assert.ok(files.includes("/proj/sub/node_modules/acme-models/models.kova"));
  assert.ok(!files.includes("/proj/node_modules/acme-models/models.kova"));
});

test("nested node_modules: a library's own IMPORT of another library resolves from the library's folder", () => {
  const { diagnostics, files } = check({
    "/proj/app.kova": APP("acme-models/models.kova"),
    "/proj/node_modules/acme-models/package.json": LIB_MANIFEST,
    "/proj/node_modules/acme-models/models.kova": `IMPORT "base-kit/base.kova"\n${MODELS}`,
    "/proj/node_modules/acme-models/node_modules/base-kit/package.json": JSON.stringify({ name: "base-kit", kova: { version: "^0.1.0" } }),
    "/proj/node_modules/acme-models/node_modules/base-kit/base.kova": "ENTITY Base {\n  x: int\n}\n",
  });
  assert.deepEqual(diagnostics, []);
  assert.ok(files.includes("/proj/node_modules/acme-models/node_modules/base-kit/base.kova"));
});

test("missing package: KV2011 at the import's string, naming the package and the npm install", () => {
  const { diagnostics } = check({ "/proj/app.kova": APP("acme-models/models.kova") });
  const d = diagnostics.find((x) => x.code === "KV2011")!;
  assert.ok(d, JSON.stringify(diagnostics));
  assert.match(d.message, /cannot find the Kova library acme-models/);
  assert.match(d.suggestion ?? "", /npm install acme-models/);
  assert.deepEqual([d.span.start.line, d.span.start.column], [1, 8]);
});

test("missing package but a file of that name next to the importer: the hint says to write ./", () => {
  const { diagnostics } = check({ "/proj/app.kova": APP("models.kova"), "/proj/models.kova": MODELS });
  const d = diagnostics.find((x) => x.code === "KV2011")!;
  assert.ok(d);
  assert.match(d.suggestion ?? "", /did you mean IMPORT "\.\/models\.kova"/);
});

test("a folder of your own written without ./ (shared/models.kova): KV2011 suggests ./shared/models.kova", () => {
  const { diagnostics } = check({ "/proj/app.kova": APP("shared/models.kova"), "/proj/shared/models.kova": MODELS });
  const d = diagnostics.find((x) => x.code === "KV2011")!;
  assert.match(d.message, /cannot find the Kova library shared/);
  assert.equal(d.suggestion, 'did you mean IMPORT "./shared/models.kova"? (that file exists; a path without ./ or ../ names a library)');
});

test("missing file: KV2011 naming the library, the path looked at and the files it provides", () => {
  const { diagnostics } = check({
    "/proj/app.kova": APP("acme-models/modles.kova"),
    "/proj/node_modules/acme-models/package.json": LIB_MANIFEST,
    "/proj/node_modules/acme-models/models.kova": MODELS,
  });
  const d = diagnostics.find((x) => x.code === "KV2011")!;
  assert.equal(d.message, "the Kova library acme-models has no file modles.kova (looked for /proj/node_modules/acme-models/modles.kova)");
  assert.equal(d.suggestion, 'it provides "acme-models/models.kova"');
});

test("no kova field: KV2022, the package is refused", () => {
  const { diagnostics, files } = check({
    "/proj/app.kova": APP("left-pad/models.kova"),
    "/proj/node_modules/left-pad/package.json": JSON.stringify({ name: "left-pad", version: "1.3.0" }),
    "/proj/node_modules/left-pad/models.kova": MODELS,
  });
  const d = diagnostics.find((x) => x.code === "KV2022")!;
  assert.ok(d, JSON.stringify(diagnostics));
  assert.match(d.message, /^left-pad is not a Kova library: its package.json has no "kova" field/);
  assert.ok(!files.includes("/proj/node_modules/left-pad/models.kova"), "the file is not loaded");
});

test("a kova field that is not an object, and a package.json that is not JSON, are refused too", () => {
  const host = memoryHost({
    "/p/node_modules/a/package.json": JSON.stringify({ kova: "yes" }),
    "/p/node_modules/b/package.json": "{ nope",
  });
  assert.equal(resolveLibraryImport(host, "/p/app.kova", "a/x.kova").kind, "not-a-library");
  assert.equal(resolveLibraryImport(host, "/p/app.kova", "b/x.kova").kind, "not-a-library");
});

test("a specifier that names no file in a package is KV2011 saying how to write it", () => {
  assert.deepEqual(splitBareSpecifier("@acme/models/x.kova"), { packageName: "@acme/models", file: "x.kova" });
  assert.match((splitBareSpecifier("@acme/models.kova") as { error: string }).error, /names a package but no file/);
  assert.match((splitBareSpecifier("lib/../x.kova") as { error: string }).error, /inside the package/);
  const { diagnostics } = check({ "/proj/app.kova": APP("models.kova") });
  const [d, ...rest] = diagnostics.filter((x) => x.code === "KV2011");
  assert.equal(rest.length, 0);
  assert.equal(d.message, 'cannot import models.kova: a path without ./ or ../ names a Kova library (IMPORT "package/file.kova"), and "models.kova" has no file after a package name');
  assert.equal(d.suggestion, 'for a file of your own, start the path with ./ or ../ (IMPORT "./models.kova")');
});

test("relative paths keep their form while walking up (docs/ → . → .. …)", () => {
  const folders = nodeModulesFolders("docs");
  assert.deepEqual(folders.slice(0, 3), ["docs/node_modules", "node_modules", "../node_modules"]);
  assert.deepEqual(nodeModulesFolders("/a/b"), ["/a/b/node_modules", "/a/node_modules", "/node_modules"]);
});

test("relative imports are unchanged: ./ and ../ never look in node_modules", () => {
  const { diagnostics } = check({
    "/proj/app.kova": APP("./models.kova"),
    "/proj/node_modules/models.kova/package.json": LIB_MANIFEST,
  });
  assert.equal(diagnostics.find((d) => d.code === "KV2011")?.message, "cannot find ./models.kova (looked for /proj/models.kova)");
});
