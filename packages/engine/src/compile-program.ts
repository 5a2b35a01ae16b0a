/**
 * A deploy's build: the tenant's `.kova` files are compiled by the compiler's own build (the same
 * checks as `kova build --target bytecode`: KV2900 refuses imported JavaScript, KV2901–2904 what
 * the VM tier does not run), the bytecode is signed with the engine's key, and the runtime's
 * pipeline module for the program is bound to that bytecode by a second signature (signing.ts).
 * Nothing the tenant sends is written outside a fresh temporary folder, removed afterwards.
 */
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative } from "node:path";
import { buildApp, formatDiagnostic, SourceFile, type Diagnostic } from "@kova/compiler";
import { signProgram, type SigningKey } from "@kova/vm";
import { EngineCodes, type EngineCode } from "./codes.js";
import { signPipeline } from "./signing.js";
import type { StoredProgram } from "./store/store.js";

/** Limits on what one deploy may send. */
export const BUNDLE_LIMITS = { files: 64, bytes: 1_000_000 } as const;

export interface BuildProblem {
  code: string;
  message: string;
  file: string;
  line: number;
  column: number;
  /** The compiler's report: the location, a code frame and the suggestion. */
  frame: string;
  suggestion?: string;
}

export type CompileOutcome =
  | { ok: true; program: StoredProgram; routes: string[] }
  | { ok: false; code: EngineCode; detail: string; problems: BuildProblem[]; field?: string };

/**
 * A file name a bundle may hold: relative, plain segments only (no `..`, no absolute path), `.kova`
 * — or `.js`/`.mjs`, which are only there to be refused: a program that IMPORTs one fails the build
 * with KV2900 (bytecode runs no JavaScript) instead of a "module not found".
 */
function validName(name: string): boolean {
  return /^(?:[A-Za-z0-9_-][A-Za-z0-9_.-]*\/)*[A-Za-z0-9_-][A-Za-z0-9_.-]*\.(?:kova|m?js)$/.test(name) && !name.split("/").some((s) => s === "." || s === "..");
}

/** Checks the bundle's shape; undefined when it is fine. */
export function bundleProblem(files: Record<string, string>): { detail: string; field: string } | undefined {
  const names = Object.keys(files);
  if (names.length === 0) return { detail: "the bundle holds no files", field: "files" };
  if (names.length > BUNDLE_LIMITS.files) return { detail: `a bundle holds at most ${BUNDLE_LIMITS.files} files`, field: "files" };
  let bytes = 0;
  for (const name of names) {
    if (!validName(name)) return { detail: `'${name}' is not a file name a bundle may hold: a relative path of plain segments ending in .kova`, field: `files.${name}` };
    if (typeof files[name] !== "string") return { detail: "each file's content is a string", field: `files.${name}` };
    bytes += Buffer.byteLength(files[name]);
  }
  if (bytes > BUNDLE_LIMITS.bytes) return { detail: `a bundle holds at most ${BUNDLE_LIMITS.bytes} bytes of source`, field: "files" };
  return undefined;
}

export interface CompileOptions {
  /** A CONNECT declaration the engine adds to the program (tenants' data on PostgreSQL); none: the embedded store. */
  dataSource?: string;
}

function buildFailure(result: Awaited<ReturnType<typeof buildApp>>, appDir: string, files: Record<string, string>, work: string): CompileOutcome | undefined {
  if (result.ok && result.ir !== null) return undefined;
  const problems = result.check.diagnostics.filter((d) => d.severity === "error").map((d) => buildProblem(d, appDir, files, work));
  const detail = problems.length > 0 ? `the program does not build: ${problems.length} error${problems.length === 1 ? "" : "s"}` : `the program does not build: ${result.errors.join("; ").replaceAll(work, "")}`;
  return { ok: false, code: EngineCodes.buildFailed, detail, problems };
}

export async function compileProgram(tenant: string, files: Record<string, string>, key: SigningKey, options: CompileOptions = {}): Promise<CompileOutcome> {
  const work = mkdtempSync(join(tmpdir(), "kova-engine-"));
  // The folder's name is the app's name (the compiler names the app after it).
  const appDir = join(work, tenant);
  try {
    for (const [name, text] of Object.entries(files)) {
      const path = join(appDir, name);
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, text);
    }
    // First the tenant's program as it is: its errors, and no CONNECT of its own. A tenant's data lives
    // where the engine keeps it; a CONNECT could reach any host the engine can, or (embedded, with
    // a path) another tenant's store file.
    const checked = await buildApp({ entry: appDir, outDir: join(work, "dist"), irOnly: true });
    const failed = buildFailure(checked, appDir, files, work);
    if (failed !== undefined) return failed;
    const connect = checked.ir!.dataSources.find((s) => s.span !== null);
    if (connect !== undefined) {
      const problem = buildProblem({ code: EngineCodes.connectRefused, severity: "error", message: `CONNECT ${connect.name} is refused on the engine: a tenant's data lives in the store the engine keeps for it`, span: connect.span!, suggestion: "remove the CONNECT; entities are stored in the tenant's own store" }, appDir, files, work);
      return { ok: false, code: EngineCodes.connectRefused, detail: problem.message, problems: [problem] };
    }
    if (options.dataSource !== undefined) {
      // The engine's own CONNECT, at the end of the root file (no line of the tenant's moves): the
      // program's default data source, so its entities live where the engine says.
      const root = relative(appDir, checked.check.programs[0].root);
      const text = files[root];
      writeFileSync(join(appDir, root), `${text}${text.endsWith("\n") ? "" : "\n"}\n${options.dataSource}\n`);
    }
    const result = await buildApp({ entry: appDir, outDir: join(work, "dist"), bytecode: true });
    const refused = buildFailure(result, appDir, files, work);
    if (refused !== undefined) return refused;
    if (result.bytecode === undefined) throw new Error("the build made no bytecode");
    const signed = signProgram(result.bytecode, key);
    const pipeline = readFileSync(join(result.outDir, "app.js"), "utf8");
    return {
      ok: true,
      routes: result.routes.map((r) => `${r.method} ${r.path}`),
      program: {
        hash: signed.hash,
        bytecode: signed.file,
        pipeline,
        pipelineSignature: signPipeline(signed.hash, pipeline, key),
        source: JSON.stringify(files),
        createdAt: new Date().toISOString(),
      },
    };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** A diagnostic as the deploy's problem lists it: the file as the tenant named it, never the engine's folders. */
function buildProblem(d: Diagnostic, appDir: string, files: Record<string, string>, work: string): BuildProblem {
  const file = relative(appDir, d.span.file);
  // Messages may name a path ("cannot find the module … (looked for /tmp/…)"): the tenant sees its own.
  const hide = (text: string): string => text.replaceAll(`${appDir}/`, "").replaceAll(work, "");
  d = { ...d, message: hide(d.message), ...(d.suggestion === undefined ? {} : { suggestion: hide(d.suggestion) }) };
  const source = files[file] === undefined ? undefined : new SourceFile(file, files[file]);
  const frame = formatDiagnostic({ ...d, span: { ...d.span, file } }, source, { color: false });
  return { code: d.code, message: d.message, file, line: d.span.start.line, column: d.span.start.column, frame, ...(d.suggestion === undefined ? {} : { suggestion: d.suggestion }) };
}
