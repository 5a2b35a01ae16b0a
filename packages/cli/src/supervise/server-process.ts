import { spawn, type ChildProcess } from "node:child_process";
import { join } from "node:path";

export interface ServerSettings {
  /** The folder holding the built `server.js`. */
  outDir: string;
  appDir: string;
  /**
   * Only what a flag said. Left out, the app resolves its own port and host exactly as
   * `node dist/server.js` does: environment, then `.env`, then kova.config.json, then the default.
   */
  port?: number;
  host?: string;
  workers?: number;
  /** KOVA_ROLE: `web` (HTTP, enqueue only), `worker` (jobs only, no port) or `all` (default). */
  role?: string;
  /** Defaults for the server's environment (e.g. KOVA_ACCESS_LOG under `kova dev`); the caller's own environment wins over them. */
  envDefaults?: Readonly<Record<string, string>>;
  /** Set in the server's environment over everything (flags such as --tls-cert). */
  envOverrides?: Readonly<Record<string, string>>;
}

/**
 * A compiled app running as a child process (so the compiler is not in the server's memory).
 * `listening` settles with the URL the app listens on (the real port, even for port 0) once it
 * accepts connections, or with undefined if it exits first (it has printed why). `address`
 * settles earlier, as the app starts listening, when its port is not 0 (for printing the URL).
 */
export class ServerProcess {
  private child: ChildProcess | undefined;
  listening: Promise<string | undefined> = Promise.resolve(undefined);
  address: Promise<string | undefined> = Promise.resolve(undefined);

  constructor(private readonly settings: ServerSettings) {}

  start(): ChildProcess {
    const { outDir, appDir, port, host, workers, envDefaults, role, envOverrides } = this.settings;
    const env: NodeJS.ProcessEnv = { ...envDefaults, ...process.env, ...envOverrides, KOVA_APP_DIR: appDir, KOVA_WORKERS: String(workers ?? 1), KOVA_NOTIFY_LISTENING: "1" };
    if (port !== undefined) env.PORT = String(port);
    if (host !== undefined) env.HOST = host;
    if (role !== undefined) env.KOVA_ROLE = role;
    const child = spawn(process.execPath, [join(outDir, "server.js")], { stdio: ["inherit", "inherit", "inherit", "ipc"], env });
    this.child = child;
    const notice = (kinds: string[]) =>
      new Promise<string | undefined>((resolve) => {
        child.on("message", (message: { kova?: string; url?: string }) => {
          if (kinds.includes(message?.kova ?? "")) resolve(message.url);
        });
        child.once("exit", () => resolve(undefined));
      });
    this.listening = notice(["listening"]);
    this.address = notice(["address", "listening"]);
    return child;
  }

  get running(): boolean {
    const child = this.child;
    return child !== undefined && child.exitCode === null && child.signalCode === null;
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
