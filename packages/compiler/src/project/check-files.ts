import { dirname, isAbsolute, join } from "node:path";
import type { ImportDecl, Program } from "../ast/nodes.js";
import { checkProgram } from "../checker/checker.js";
import type { SemanticModel } from "../checker/model.js";
import { diagnostic, DiagnosticBag, sortDiagnostics, type Diagnostic } from "../diagnostics/diagnostic.js";
import { parse } from "../parser/parser.js";
import type { SourceFile } from "../scanner/source-file.js";
import { closestName } from "../diagnostics/suggest.js";
import type { InvalidUtf8 } from "./decode.js";
import { readModuleExports, type ModuleExports } from "./js-exports.js";
import { readSource, type CompilerHost } from "./host.js";
import { isBareSpecifier, resolveLibraryImport, type LibraryResolution } from "./libraries.js";
import { isStdlibSpecifier, STDLIB_MODULES, stdlibPath, stdlibSource } from "../stdlib/index.js";

export interface CheckedFile {
  file: string;
  program: Program;
  source: SourceFile;
}

/** One server's worth of files: a root and everything it imports, with what the checker learned. */
export interface CheckedProgram {
  root: string;
  files: string[];
  model: SemanticModel;
}

export interface CheckResult {
  /** Every file read: the roots and what they import. */
  files: CheckedFile[];
  programs: CheckedProgram[];
  /** Sorted by file and position, without duplicates. */
  diagnostics: Diagnostic[];
}

// No Node built-ins reach this file except node:path (pure string work, which the playground's
// browser bundle maps to pathe); the host decides where files come from. check-project.ts adds the
// disk host as the default for Node callers.

/**
 * Parses and checks the given `.kova` files and everything they IMPORT. Files that no other
 * given file imports are roots: each root with its imports is one program (one server), which is
 * the unit in which names and routes must be unique.
 */
export function checkFiles(paths: readonly string[], host: CompilerHost): CheckResult {
  const loaded = new Map<string, CheckedFile>();
  const imports = new Map<string, string[]>();
  const diagnostics: Diagnostic[] = [];
  const importProblems = new DiagnosticBag();

  const moduleExports = new Map<string, ModuleExports>();
  const exportsOf = (module: string): ModuleExports => {
    let exports = moduleExports.get(module);
    if (exports === undefined) moduleExports.set(module, (exports = readModuleExports(host, module)));
    return exports;
  };

  const load = (file: string): void => {
    if (loaded.has(file)) return;
    const builtIn = isStdlibSpecifier(file) ? stdlibSource(file) : undefined;
    const read = builtIn !== undefined ? { text: builtIn } : readSource(host, file);
    const result = parse(read?.text ?? "", file);
    loaded.set(file, { file, program: result.program, source: result.source });
    diagnostics.push(...result.diagnostics);
    if (read?.invalidUtf8) diagnostics.push(invalidUtf8Diagnostic(result.source, read.invalidUtf8));
    const children: string[] = [];
    imports.set(file, children);
    for (const decl of result.program.declarations) {
      if (decl.kind !== "Import" || decl.source === "") continue;
      if (isStdlibSpecifier(decl.source)) {
        const path = stdlibImport(decl, importProblems);
        if (path !== undefined) {
          children.push(path);
          load(path);
        }
        continue;
      }
      const isKova = decl.source.endsWith(".kova");
      // An absolute path is taken as it is, for .kova files as for JavaScript modules.
      const target = isAbsolute(decl.source) ? decl.source : join(dirname(file), decl.source);
      if (isKova && decl.names.length > 0) {
        importProblems.report("Expected", decl.span, "a .kova file is imported whole", { suggestion: `write IMPORT "${decl.source}"` });
      }
      if (!isKova && decl.names.length === 0) {
        importProblems.report("Expected", decl.sourceSpan, "say which functions to import from a JavaScript module", {
          suggestion: `write IMPORT { name } FROM "${decl.source}"`,
        });
      }
      const relative = decl.source.startsWith("./") || decl.source.startsWith("../") || isAbsolute(decl.source);
      if (isKova && isBareSpecifier(decl.source)) {
        const found = resolveLibraryImport(host, file, decl.source);
        if (found.kind === "found") {
          children.push(found.path);
          load(found.path);
        } else {
          reportLibraryProblem(decl, found, host.readFile(target) !== undefined, importProblems);
        }
      } else if (isKova) {
        if (host.readFile(target) === undefined) {
          importProblems.report("ImportNotFound", decl.sourceSpan, `cannot find ${decl.source}${target === decl.source ? "" : ` (looked for ${target})`}`, {
            suggestion: "a relative path starts from the importing file's folder; an absolute path is used as it is",
          });
        } else {
          children.push(target);
          load(target);
        }
      } else if (relative) {
        const module = moduleCandidates(target).find((c) => host.readFile(c) !== undefined);
        if (module === undefined) {
          importProblems.report("ImportNotFound", decl.sourceSpan, `cannot find the module ${decl.source} (looked for ${target})`, {
            suggestion: "paths are relative to the importing file",
          });
        } else {
          checkImportedNames(decl, module, exportsOf(module), importProblems);
        }
      }
    }
  };
  for (const path of paths) load(path);

  const imported = new Set([...imports.values()].flat());
  const roots = paths.filter((p) => !imported.has(p));
  // Every file belongs to some program; a cycle with no outside root is checked from its first file.
  const covered = new Set<string>();
  const programs: CheckedProgram[] = [];
  const programOf = (root: string) => {
    const files: string[] = [];
    const visit = (f: string) => {
      if (files.includes(f)) return;
      files.push(f);
      for (const child of imports.get(f) ?? []) visit(child);
    };
    visit(root);
    return files;
  };
  for (const root of [...roots, ...paths]) {
    if (covered.has(root)) continue;
    const files = programOf(root);
    files.forEach((f) => covered.add(f));
    const output = checkProgram(files.map((f) => loaded.get(f)!.program));
    programs.push({ root, files, model: output.model });
    diagnostics.push(...output.diagnostics);
  }
  diagnostics.push(...importProblems.items);
  return { files: [...loaded.values()], programs, diagnostics: dedupe(sortDiagnostics(diagnostics)) };
}

/**
 * `IMPORT { nothere } FROM "h.js"` used to pass check and build and fail at start with a
 * SyntaxError: each imported name must be one of the module's exports (KV2019). A module whose
 * exports cannot be read is said so once (KV2020), and its names are then not checked.
 */
function checkImportedNames(decl: ImportDecl, module: string, exports: ModuleExports, problems: DiagnosticBag): void {
  if (exports.kind === "unchecked") return;
  if (exports.kind === "unreadable") {
    problems.report("UnreadableModule", decl.sourceSpan, `cannot read the exports of ${decl.source}: ${exports.reason}${exports.file === module ? "" : ` (in ${exports.file})`}`, {
      suggestion: "fix the module so that Node can load it; until then the imported names are not checked",
    });
    return;
  }
  const available = [...exports.names].sort();
  for (const name of decl.names) {
    const imported = name.imported;
    if (imported.name === "" || exports.names.has(imported.name)) continue;
    const guess = closestName(imported.name, available);
    const listing = available.length === 0 ? "it exports nothing" : `it exports ${available.slice(0, 8).join(", ")}${available.length > 8 ? ", …" : ""}`;
    problems.report("UnknownExport", imported.span, `${decl.source} has no export named '${imported.name}'`, guess !== undefined
      ? { suggestion: `did you mean '${guess}'? (${listing})`, replacement: guess }
      : { suggestion: `${listing}; export the function from the module, or import one of those` });
  }
}

/**
 * `IMPORT "kova:entities"` or `IMPORT { Address } FROM "kova:entities"`: the virtual file to load,
 * or undefined when the module is not one the standard library has (KV2984, did you mean). A name
 * the module does not declare is KV2984 too, and the other names are still imported.
 */
function stdlibImport(decl: ImportDecl, problems: DiagnosticBag): string | undefined {
  const module = STDLIB_MODULES.get(decl.source);
  if (module === undefined) {
    const modules = [...STDLIB_MODULES.keys()];
    const guess = closestName(decl.source, modules);
    problems.report("UnknownStdlibEntity", decl.sourceSpan, `the standard library has no module ${decl.source}`, guess !== undefined
      ? { suggestion: `did you mean "${guess}"? (it has ${modules.join(", ")})`, replacement: guess }
      : { suggestion: `it has ${modules.map((m) => `"${m}"`).join(", ")}` });
    return undefined;
  }
  const available = [...module.keys()];
  const names = decl.names.filter((n) => {
    if (n.imported.name === "" || module.has(n.imported.name)) return true;
    const guess = closestName(n.imported.name, available);
    problems.report("UnknownStdlibEntity", n.imported.span, `${decl.source} has no entity named '${n.imported.name}'`, guess !== undefined
      ? { suggestion: `did you mean '${guess}'? (it has ${available.join(", ")})`, replacement: guess }
      : { suggestion: `it has ${available.join(", ")}` });
    return false;
  });
  if (decl.names.length > 0 && names.length === 0) return undefined;
  return stdlibPath(decl.source, names.map((n) => ({ imported: n.imported.name, local: n.local.name })));
}

/**
 * A library import that did not resolve: KV2011 for a package or file that is not there (naming the
 * npm command that installs it), KV2022 for a package that is not a Kova library.
 */
function reportLibraryProblem(decl: ImportDecl, found: Exclude<LibraryResolution, { kind: "found" }>, relativeExists: boolean, problems: DiagnosticBag): void {
  const span = decl.sourceSpan;
  switch (found.kind) {
    case "bad-specifier":
      problems.report("ImportNotFound", span, `cannot import ${decl.source}: ${found.reason}`, {
        suggestion: relativeExists ? `did you mean IMPORT "./${decl.source}"? (that file exists)` : `for a file of your own, start the path with ./ or ../ (IMPORT "./${decl.source}")`,
      });
      return;
    case "no-package":
      problems.report("ImportNotFound", span, `cannot find the Kova library ${found.packageName} (no node_modules/${found.packageName} in this folder or any above it)`, {
        suggestion: relativeExists
          ? `did you mean IMPORT "./${decl.source}"? (that file exists; a path without ./ or ../ names a library)`
          : `install it: npm install ${found.packageName} (or kova add ${found.packageName})`,
      });
      return;
    case "no-file":
      problems.report("ImportNotFound", span, `the Kova library ${found.packageName} has no file ${found.file} (looked for ${found.path})`, {
        suggestion: found.sources.length > 0 ? `it provides ${found.sources.map((s) => `"${found.packageName}/${s}"`).join(", ")}` : `check the file's name in ${found.packageDir}`,
      });
      return;
    case "not-a-library":
      problems.report("NotAKovaLibrary", span, `${found.packageName} is not a Kova library: ${found.reason} (in ${found.packageDir})`, {
        suggestion: `a Kova library's package.json says { "kova": { "version": "^0.1.0", "sources": ["models.kova"] } }; import .kova files only from such a package`,
      });
      return;
  }
}

/** KV1008 at the first byte that is not UTF-8 (the text holds U+FFFD there). */
export function invalidUtf8Diagnostic(source: SourceFile, invalid: InvalidUtf8): Diagnostic {
  const hex = `0x${invalid.byte.toString(16).toUpperCase().padStart(2, "0")}`;
  return diagnostic("InvalidEncoding", source.span(invalid.offset, invalid.offset + 1), `this file is not valid UTF-8: byte ${hex} at byte offset ${invalid.byteOffset} is not part of a UTF-8 character`, {
    suggestion: "save the file as UTF-8 (Kova reads source files as UTF-8 only; Latin-1 or Windows-1252 text must be converted)",
  });
}

/** `./util.js` may be written in TypeScript or as an .mjs file. */
function moduleCandidates(path: string): string[] {
  const base = path.replace(/\.(c|m)?js$/, "");
  return [path, `${base}.ts`, `${base}.mts`, `${base}.mjs`, `${base}.js`];
}

/** A file imported by two roots is checked twice; report its problems once. */
function dedupe(list: Diagnostic[]): Diagnostic[] {
  const seen = new Set<string>();
  return list.filter((d) => {
    const key = `${d.code}\u0000${d.span.file}\u0000${d.span.start.offset}\u0000${d.span.end.offset}\u0000${d.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** Checks one file's text (imports are read through the host). */
export function checkText(text: string, file: string, host: CompilerHost): CheckResult {
  const overlay: CompilerHost = {
    readFile: (path) => (path === file ? text : host.readFile(path)),
    readSource: (path) => (path === file ? { text } : readSource(host, path)),
  };
  return checkFiles([file], overlay);
}
