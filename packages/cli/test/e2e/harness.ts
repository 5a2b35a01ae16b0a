/**
 * End-to-end harness: copies a Kova app into a fresh temp folder, builds it, and runs the built
 * `dist/server.js` (or the `kova` CLI) as a child process on a free port, talking real HTTP to it.
 * Every test owns its folder and its processes; nothing is written into the repository.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, readdirSync, rmSync, symlinkSync, unlinkSync, writeFileSync, mkdirSync } from "node:fs";
import { createServer, connect } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { TestContext } from "node:test";
import { buildApp } from "../../src/build/build-app.js";

/** Compiled helpers live in packages/cli/dist/test/e2e/. */
export const REPO_ROOT = fileURLToPath(new URL("../../../../../", import.meta.url));
export const KOVA_BIN = join(REPO_ROOT, "packages/cli/bin/kova.js");
export const EXAMPLES = join(REPO_ROOT, "examples");
/** Fixture apps are read from the source tree (tsc does not copy .kova files). */
export const FIXTURES = join(REPO_ROOT, "packages/cli/test/e2e/fixtures");

/**
 * A fresh folder for one app. `source` is a folder to copy (its dist/ and .kova/ are skipped) or a
 * map of file name → text. The folder gets a `node_modules` link to the repository's, so the
 * built server resolves `@kova/runtime` and the driver as it would after `npm install`.
 */
export function tempApp(t: TestContext, source?: string | Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), "kova-e2e-"));
  if (typeof source === "string") {
    for (const name of readdirSync(source)) {
      if (name === "dist" || name === ".kova" || name === "node_modules") continue;
      cpSync(join(source, name), join(dir, name), { recursive: true });
    }
  } else if (source !== undefined) {
    for (const [name, text] of Object.entries(source)) {
      mkdirSync(dirname(join(dir, name)), { recursive: true });
      writeFileSync(join(dir, name), text);
    }
  }
  linkNodeModules(dir);
  t.after(() => removeTempApp(dir));
  return dir;
}

export function linkNodeModules(dir: string): void {
  const link = join(dir, "node_modules");
  if (!existsSync(link)) symlinkSync(join(REPO_ROOT, "node_modules"), link, "dir");
}

function removeTempApp(dir: string): void {
  // Unlink the node_modules link first, so removing the folder can never reach into the repo.
  try {
    unlinkSync(join(dir, "node_modules"));
  } catch {
    /* already gone */
  }
  rmSync(dir, { recursive: true, force: true });
}

/** Builds the app in `dir` with the same function `kova build` uses; fails the test on errors. */
export async function build(dir: string, options: { bundle?: boolean } = {}): Promise<void> {
  const result = await buildApp({ entry: dir, ...options });
  if (!result.ok) {
    const diagnostics = result.check.diagnostics.map((d: { code: string; message: string; span: { file: string; start: { line: number } } }) => `${d.code} ${d.message} (${d.span.file}:${d.span.start.line})`);
    throw new Error(`build of ${dir} failed:\n${[...diagnostics, ...result.errors].join("\n")}`);
  }
}

/** A port nothing listens on right now: the OS picks one, we release it and hand it on. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** A child process whose output is collected, with an exit promise that never rejects. */
export class Child {
  stdout = "";
  stderr = "";
  readonly exited: Promise<Exit>;
  private exitInfo: Exit | undefined;

  constructor(readonly process: ChildProcess) {
    process.stdout?.setEncoding("utf8").on("data", (s: string) => (this.stdout += s));
    process.stderr?.setEncoding("utf8").on("data", (s: string) => (this.stderr += s));
    this.exited = new Promise((resolve) => {
      process.once("exit", (code, signal) => {
        this.exitInfo = { code, signal };
        resolve(this.exitInfo);
      });
    });
  }

  get output(): string {
    return this.stdout + this.stderr;
  }

  get running(): boolean {
    return this.exitInfo === undefined;
  }

  signal(signal: NodeJS.Signals): void {
    if (this.running) this.process.kill(signal);
  }

  /** SIGTERM, then SIGKILL if it has not exited after `graceMs`. */
  async stop(graceMs = 5_000): Promise<Exit> {
    if (this.running) {
      this.signal("SIGTERM");
      const timer = setTimeout(() => this.signal("SIGKILL"), graceMs);
      await this.exited;
      clearTimeout(timer);
    }
    return this.exited;
  }

  /** Resolves once `pattern` appears in stdout+stderr (or rejects after `timeoutMs`). */
  async waitForOutput(pattern: RegExp, timeoutMs = 10_000): Promise<RegExpMatchArray> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const match = this.output.match(pattern);
      if (match) return match;
      if (!this.running) throw new Error(`process exited before printing ${pattern}; output:\n${this.output}`);
      if (Date.now() > deadline) throw new Error(`no ${pattern} within ${timeoutMs} ms; output:\n${this.output}`);
      await delay(25);
    }
  }
}

/** Spawns `node <args>` with output piped; the child is stopped when the test ends, whatever happens. */
export function spawnNode(t: TestContext, args: string[], options: { cwd?: string; env?: Record<string, string> } = {}): Child {
  const child = new Child(
    spawn(process.execPath, args, {
      cwd: options.cwd,
      env: { ...process.env, NO_COLOR: "1", ...options.env },
      stdio: ["ignore", "pipe", "pipe"],
    }),
  );
  // SIGTERM first, so a `kova run`/`kova dev` child can stop the server it started (no orphans).
  t.after(() => child.stop(3_000));
  return child;
}

/** Runs `kova ARGS…` to completion (build, init). */
export function kovaSync(args: string[], cwd?: string): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [KOVA_BIN, ...args], { cwd, encoding: "utf8", env: { ...process.env, NO_COLOR: "1" } });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

export interface RunningServer extends Child {
  readonly port: number;
  readonly url: string;
}

/**
 * Starts `node <appDir>/dist/server.js` on `port` (default: a free one) and waits until
 * GET /_kova/health answers 200.
 */
export async function startServer(t: TestContext, appDir: string, options: { port?: number; env?: Record<string, string> } = {}): Promise<RunningServer> {
  const port = options.port ?? (await freePort());
  const child = spawnNode(t, [join(appDir, "dist", "server.js")], { env: { PORT: String(port), HOST: "127.0.0.1", ...options.env } });
  const url = `http://127.0.0.1:${port}`;
  await waitForHealth(url, child);
  return Object.assign(child, { port, url });
}

/** Polls GET /_kova/health every 50 ms until it is 200, the process exits, or 10 s pass. */
export async function waitForHealth(url: string, child?: Child, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child !== undefined && !child.running) throw new Error(`the server exited before it answered; output:\n${child.output}`);
    try {
      const response = await fetch(`${url}/_kova/health`, { signal: AbortSignal.timeout(1_000) });
      await response.arrayBuffer();
      if (response.status === 200) return;
    } catch {
      /* not listening yet */
    }
    if (Date.now() > deadline) throw new Error(`${url} did not answer /_kova/health within ${timeoutMs} ms; output:\n${child?.output ?? ""}`);
    await delay(50);
  }
}

/** Resolves true when a TCP connection to the port is refused. */
export function connectionRefused(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1");
    socket.once("connect", () => {
      socket.destroy();
      resolve(false);
    });
    socket.once("error", (error: NodeJS.ErrnoException) => resolve(error.code === "ECONNREFUSED"));
  });
}

export const delay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Reads until `done` holds or the time is up (then the last value, for the test's assertion to show). */
export async function until<T>(read: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 15_000, everyMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let value = await read();
  while (!done(value) && Date.now() < deadline) {
    await delay(everyMs);
    value = await read();
  }
  return value;
}

export interface JsonResponse {
  status: number;
  headers: Headers;
  /** Parsed JSON, or undefined for an empty body. */
  body: any;
  text: string;
}

/** One HTTP request; `json` is sent as application/json. */
export async function request(
  url: string,
  init: { method?: string; json?: unknown; body?: string; headers?: Record<string, string> } = {},
): Promise<JsonResponse> {
  const headers: Record<string, string> = { ...init.headers };
  let body = init.body;
  if (init.json !== undefined) {
    body = JSON.stringify(init.json);
    headers["content-type"] ??= "application/json";
  }
  const response = await fetch(url, { method: init.method ?? "GET", headers, body, signal: AbortSignal.timeout(10_000) });
  const text = await response.text();
  let parsed: unknown;
  if (text.length > 0 && /json/.test(response.headers.get("content-type") ?? "")) parsed = JSON.parse(text);
  return { status: response.status, headers: response.headers, body: parsed, text };
}
