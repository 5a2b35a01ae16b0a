/**
 * The server `kova dev` keeps running, and how it hands over to a new build without ever leaving
 * the user with nothing when the new build cannot start.
 *
 * Two processes cannot serve the port at once here: Node 20 has no SO_REUSEPORT, and the embedded
 * store is opened exclusively by one process. So the handover is:
 *
 * 1. probe, in this process, what the new app checks first at start (its env() variables), so a
 *    missing one never stops the working server;
 * 2. stop the old server and start the new one on the same port;
 * 3. if the new one exits before it listens (a type change refused over stored data, a bad
 *    kova.config.json…), start the last good build again, which is still on disk: every build
 *    goes to its own folder `.kova/dev/<n>` and is removed only once its successor listens.
 *
 * Source maps stay right because each build is emitted for the folder it runs from.
 */
import { rmSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { loadEnv, resolveAppEnv, type AppDefinition } from "@kova/runtime";
import { ServerProcess } from "../supervise/server-process.js";

export interface Generation {
  outDir: string;
  server: ServerProcess;
}

export type SwapResult =
  | { kind: "started"; url: string }
  /** The new build did not start (it printed why); `url` is the last good server's, if any. */
  | { kind: "kept"; reason: string; url?: string };

/** Development shows every request (one line each); `kova run` leaves that off by default. */
const DEV_ENV_DEFAULTS: Readonly<Record<string, string>> = { KOVA_ACCESS_LOG: "on" };

export class DevServer {
  private current: Generation | undefined;
  private builds = 0;
  /** After the first start, every restart uses its port and host (port 0 stays one port). */
  private port: number | undefined;
  private host: string | undefined;
  private lastUrl: string | undefined;

  constructor(
    private readonly appDir: string,
    flags: { port?: number; host?: string },
  ) {
    this.port = flags.port;
    this.host = flags.host;
    rmSync(this.buildsDir(), { recursive: true, force: true });
  }

  /** Where the next build goes. */
  nextOutDir(): string {
    return join(this.buildsDir(), String(++this.builds));
  }

  async swapTo(outDir: string): Promise<SwapResult> {
    const previous = this.current;
    if (previous !== undefined) {
      const problem = await this.probe(outDir);
      if (problem !== undefined) {
        rmSync(outDir, { recursive: true, force: true });
        return { kind: "kept", reason: problem, url: this.url(previous) };
      }
      await previous.server.stop();
    }
    const next = await this.launch(outDir);
    if (next.url !== undefined) {
      this.current = next.generation;
      if (previous !== undefined && previous.outDir !== outDir) rmSync(previous.outDir, { recursive: true, force: true });
      return { kind: "started", url: next.url };
    }
    rmSync(outDir, { recursive: true, force: true });
    if (previous === undefined) return { kind: "kept", reason: "it exited before listening (the cause is above)" };
    const again = await this.launch(previous.outDir);
    this.current = again.generation;
    return { kind: "kept", reason: "it exited before listening (the cause is above)", url: again.url };
  }

  async stop(): Promise<void> {
    await this.current?.server.stop();
    rmSync(this.buildsDir(), { recursive: true, force: true });
  }

  private buildsDir(): string {
    return join(this.appDir, ".kova", "dev");
  }

  private async launch(outDir: string): Promise<{ generation: Generation; url: string | undefined }> {
    const server = new ServerProcess({ outDir, appDir: this.appDir, port: this.port, host: this.host, envDefaults: DEV_ENV_DEFAULTS });
    server.start();
    const url = await server.listening;
    if (url !== undefined) {
      const address = new URL(url);
      this.port = Number(address.port);
      this.host ??= address.hostname.replace(/^\[|\]$/g, "");
      this.lastUrl = url;
    }
    return { generation: { outDir, server }, url };
  }

  private url(generation: Generation): string | undefined {
    return generation.server.running ? this.lastUrl : undefined;
  }

  /**
   * What the new app would refuse first at start-up, checked without stopping the old one: its
   * env() variables (environment, then `.env`). Undefined when they resolve.
   */
  private async probe(outDir: string): Promise<string | undefined> {
    try {
      const { app } = (await import(pathToFileURL(join(outDir, "app.js")).href)) as { app: AppDefinition };
      resolveAppEnv(app.env, loadEnv(this.appDir, process.env, false), this.appDir);
      return undefined;
    } catch (error) {
      return error instanceof Error ? error.message : String(error);
    }
  }
}
