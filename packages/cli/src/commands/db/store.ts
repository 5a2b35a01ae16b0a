/**
 * What every `kova db` store subcommand needs: where the app's embedded store is, its key, and a
 * way to ask the running app (through its control socket) to do what only it can do while it holds
 * the store.
 */
import { existsSync } from "node:fs";
import { createConnection } from "node:net";
import { isAbsolute, join, resolve } from "node:path";
import { storeKey } from "@kova/driver-embedded";
import { controlSocketPath } from "@kova/runtime";
import { UsageError, type ParsedArgs } from "../../args.js";
import type { CliContext } from "../../command.js";

export interface StoreLocation {
  appDir: string;
  /** The store file: --store, else <APP>/.kova/data.db. */
  path: string;
}

export function storeLocation(values: ParsedArgs["values"], app: string | undefined): StoreLocation {
  const appDir = resolve(app ?? ".");
  const store = values.store === undefined ? join(appDir, ".kova", "data.db") : String(values.store);
  return { appDir, path: isAbsolute(store) ? store : resolve(store) };
}

/** The key from KOVA_DB_KEY / KOVA_DB_KEY_FILE / KOVA_DB_KEY_COMMAND as the command sees them. */
export function keyFrom(context: CliContext): string | undefined {
  return storeKey(context.env);
}

export function requireFile(path: string, what: string): void {
  if (!existsSync(path)) throw new UsageError(`${what} ${path} does not exist`);
}

export interface AppReply {
  ok: boolean;
  error?: string;
  file?: string;
  bytes?: number;
  source?: string;
}

/**
 * Sends one request to the app running in `appDir`; undefined when no app answers (it is not
 * running, or runs in a mode where the CLI opens the store itself).
 */
export function askRunningApp(appDir: string, request: object): Promise<AppReply | undefined> {
  const path = controlSocketPath(appDir);
  if (!existsSync(path)) return Promise.resolve(undefined);
  return new Promise((done) => {
    const socket = createConnection(path);
    let reply = "";
    let connected = false;
    socket.setEncoding("utf8");
    socket.once("connect", () => {
      connected = true;
      socket.write(JSON.stringify(request) + "\n");
    });
    socket.on("data", (chunk: string) => (reply += chunk));
    socket.once("end", () => {
      try {
        done(JSON.parse(reply) as AppReply);
      } catch {
        done({ ok: false, error: `the running app gave an unreadable answer: ${reply.slice(0, 200)}` });
      }
    });
    socket.once("error", (error) => done(connected ? { ok: false, error: error.message } : undefined));
  });
}

/** Whether an app answers on the control socket of `appDir`. */
export async function appIsRunning(appDir: string): Promise<boolean> {
  const path = controlSocketPath(appDir);
  if (!existsSync(path)) return false;
  return new Promise((done) => {
    const socket = createConnection(path);
    socket.once("connect", () => {
      socket.destroy();
      done(true);
    });
    socket.once("error", () => done(false));
  });
}

/** "SQLITE_BUSY" and friends: the file is held by a process the CLI could not ask. */
export function isBusy(error: unknown): boolean {
  const code = (error as { code?: unknown }).code;
  const message = error instanceof Error ? error.message : String(error);
  return (typeof code === "string" && /^SQLITE_(BUSY|LOCKED)/.test(code)) || /database is locked/i.test(message);
}

export function fail(context: CliContext, command: string, message: string): number {
  context.stderr.write(`kova db ${command}: ${message}\n`);
  return 1;
}
