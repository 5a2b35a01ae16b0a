/**
 * `kova test`'s work: find the *.test.kova files, build each (with the app it IMPORTs) into
 * `.kova/test/`, and run them in a child Node process under Node's test runner with the chosen
 * reporter. A build failure is reported like `kova build`'s, and no test runs.
 */
import { spawn } from "node:child_process";
import { existsSync, statSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { findKovaFiles } from "@kova/compiler";
import { buildApp } from "../build/build-app.js";
import { reportBuildFailure } from "../build/report.js";
import type { OutputStream } from "../command.js";

export const REPORTERS = ["spec", "tap"] as const;
export type Reporter = (typeof REPORTERS)[number];

export interface TestRunOptions {
  entry: string;
  reporter: Reporter;
  /** Only tests whose name matches (Node's --test-name-pattern). */
  filter?: string;
  /** `--db`: the app's server databases, each test in a rolled-back transaction. */
  db?: boolean;
  color: boolean;
  stdout: OutputStream;
  stderr: OutputStream;
}

export const TEST_SUFFIX = ".test.kova";

/** The app folder and its test files (PATH is the folder, or one test file). */
export function findTests(entry: string): { appDir: string; files: string[] } {
  const path = resolve(entry);
  const isDir = existsSync(path) && statSync(path).isDirectory();
  const appDir = isDir ? path : dirname(path);
  const files = isDir ? findKovaFiles([path], () => {}).files.filter((f) => f.endsWith(TEST_SUFFIX)) : [path];
  return { appDir, files };
}

/** Builds and runs once; resolves to the exit code (0 all passed, 1 a failure or a build error). */
export async function runTestsOnce(options: TestRunOptions): Promise<number> {
  const { appDir, files } = findTests(options.entry);
  if (files.length === 0) {
    options.stderr.write(`kova test: no *${TEST_SUFFIX} files in ${appDir}; write one beside the app (IMPORT "./app.kova", then TEST "name" { … })\n`);
    return 1;
  }
  const modules: string[] = [];
  for (const file of files) {
    if (!file.endsWith(TEST_SUFFIX)) {
      options.stderr.write(`kova test: ${file} is not a *${TEST_SUFFIX} file\n`);
      return 2;
    }
    const outDir = join(appDir, ".kova", "test", basename(file, TEST_SUFFIX));
    const result = await buildApp({ entry: file, outDir });
    if (!result.ok) {
      reportBuildFailure(result, options.stderr, options.color);
      return 1;
    }
    modules.push(join(outDir, "app.js"));
  }
  const child = fileURLToPath(new URL("./child.js", import.meta.url));
  const args = [`--test-reporter=${options.reporter}`, "--test-reporter-destination=stdout"];
  if (options.filter !== undefined) args.push(`--test-name-pattern=${options.filter}`);
  return new Promise((resolveExit) => {
    const proc = spawn(process.execPath, [...args, child, options.db ? "--db" : "--fresh", appDir, ...modules], {
      cwd: appDir,
      stdio: ["ignore", "pipe", "pipe"],
      env: childEnv(options.color),
    });
    proc.stdout.on("data", (chunk: Buffer) => options.stdout.write(chunk.toString()));
    proc.stderr.on("data", (chunk: Buffer) => options.stderr.write(chunk.toString()));
    proc.on("close", (code) => resolveExit(code ?? 1));
  });
}

function childEnv(color: boolean): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, ...(color ? { FORCE_COLOR: "1" } : { NO_COLOR: "1", FORCE_COLOR: "0" }) };
  // Set when kova test itself runs under `node --test`: the child would then report in the
  // runner's internal protocol instead of the chosen reporter.
  delete env.NODE_TEST_CONTEXT;
  return env;
}
