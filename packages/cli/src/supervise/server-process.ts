import { spawn, type ChildProcess } from "node:child_process";
import { join } from "node:path";

/** A compiled app running as a child process (so the compiler is not in the server's memory). */
export class ServerProcess {
  private child: ChildProcess | undefined;

  constructor(
    private readonly outDir: string,
    private readonly appDir: string,
    private readonly port: number,
    private readonly host: string,
    private readonly workers = 1,
    /** Defaults for the server's environment; the caller's own environment wins over them. */
    private readonly envDefaults: Record<string, string> = {},
  ) {}

  start(): ChildProcess {
    const child = spawn(process.execPath, [join(this.outDir, "server.js")], {
      stdio: "inherit",
      env: { ...this.envDefaults, ...process.env, PORT: String(this.port), HOST: this.host, KOVA_APP_DIR: this.appDir, KOVA_WORKERS: String(this.workers) },
    });
    this.child = child;
    return child;
  }

  /** SIGTERM (the app drains in-flight requests), then wait for the exit. */
  async stop(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => child.kill("SIGKILL"), 15_000);
      child.once("exit", () => {
        clearTimeout(timer);
        resolve();
      });
      child.kill("SIGTERM");
    });
  }
}

export function portOption(value: unknown, env: Readonly<Record<string, string | undefined>>): number {
  const text = value === undefined ? env.PORT ?? "3000" : String(value);
  const port = Number(text);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new RangeError(`port must be a number from 0 to 65535, not '${text}'`);
  return port;
}
