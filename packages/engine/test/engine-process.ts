/**
 * Real engine processes for the tests: `node dist/src/cli.js` with its settings in the
 * environment, on a free port, stopped with SIGTERM (the graceful drain) at the end.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export const ADMIN_KEY = "test-admin-key-0123456789abcdef";
export const PG_URL = process.env.KOVA_TEST_POSTGRES_URL ?? "postgres://postgres@127.0.0.1:5432/test";
export const REDIS_URL = process.env.KOVA_TEST_REDIS_URL ?? "redis://127.0.0.1:6379/0";
const CLI = fileURLToPath(new URL("../src/cli.js", import.meta.url));

export function tempDir(): string {
  return mkdtempSync(join(tmpdir(), "kova-engine-test-"));
}

export class EngineProcess {
  readonly logs: string[] = [];
  private constructor(
    readonly child: ChildProcess,
    readonly url: string,
  ) {}

  static async start(env: Record<string, string>): Promise<EngineProcess> {
    const child = spawn(process.execPath, [CLI], {
      env: { ...process.env, KOVA_ENGINE_ADMIN_KEY: ADMIN_KEY, KOVA_ENGINE_PORT: "0", KOVA_LOG_LEVEL: "info", ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    const logs: string[] = [];
    let stderr = "";
    child.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
    const url = await new Promise<string>((resolve, reject) => {
      let buffered = "";
      child.stdout!.on("data", (d: Buffer) => {
        buffered += d.toString();
        let nl: number;
        while ((nl = buffered.indexOf("\n")) !== -1) {
          const line = buffered.slice(0, nl);
          buffered = buffered.slice(nl + 1);
          logs.push(line);
          try {
            const entry = JSON.parse(line) as { msg?: string; port?: number };
            if (entry.msg === "kova engine listening") resolve(`http://127.0.0.1:${entry.port}`);
          } catch {
            // not JSON: kept in logs
          }
        }
      });
      child.once("exit", (code) => reject(new Error(`the engine exited (${code}) before listening: ${stderr}${logs.join("\n")}`)));
    });
    const engine = new EngineProcess(child, url);
    engine.logs.push(...logs);
    child.stdout!.on("data", (d: Buffer) => engine.logs.push(...d.toString().split("\n").filter((l) => l !== "")));
    return engine;
  }

  /** SIGTERM; resolves with the exit code. */
  stop(): Promise<number | null> {
    if (this.child.exitCode !== null) return Promise.resolve(this.child.exitCode);
    const exited = new Promise<number | null>((resolve) => this.child.once("exit", (code) => resolve(code)));
    this.child.kill("SIGTERM");
    return exited;
  }

  async call(method: string, path: string, options: { key?: string; body?: unknown; headers?: Record<string, string> } = {}): Promise<{ status: number; body: any; headers: Headers }> {
    const headers: Record<string, string> = { ...options.headers };
    if (options.key !== undefined) headers.authorization = `Bearer ${options.key}`;
    if (options.body !== undefined) headers["content-type"] = "application/json";
    const res = await fetch(`${this.url}${path}`, { method, headers, body: options.body === undefined ? undefined : JSON.stringify(options.body) });
    const text = await res.text();
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      // not JSON
    }
    return { status: res.status, body, headers: res.headers };
  }

  async createTenant(name: string, extra: Record<string, unknown> = {}): Promise<string> {
    const res = await this.call("POST", "/_engine/tenants", { key: ADMIN_KEY, body: { name, ...extra } });
    if (res.status !== 201) throw new Error(`cannot create tenant ${name}: ${JSON.stringify(res.body)}`);
    return res.body.apiKey as string;
  }

  async deploy(key: string, source: string): Promise<{ status: number; body: any }> {
    return this.call("POST", "/_engine/deploy", { key, body: { source } });
  }
}
