/**
 * The running app's control socket, `<appDir>/.kova/control.sock`: how `kova db backup` asks a
 * running app for an online backup. The app holds its embedded store exclusively (locking
 * "exclusive"), so another process cannot read the file; the app copies it itself instead.
 *
 * A Unix socket readable by the app's user only (mode 0600), never a network port: whoever can use
 * it can already read the store file. One JSON line in, one JSON line out:
 *   {"op": "backup", "output": "/abs/file", "source": "db"}  →  {"ok": true, "file": …, "bytes": …}
 */
import { chmodSync, mkdirSync, rmSync } from "node:fs";
import { createConnection, createServer, type Server } from "node:net";
import { dirname, isAbsolute, join } from "node:path";
import type { BackupDriver } from "./schedule.js";

export function controlSocketPath(appDir: string): string {
  return join(appDir, ".kova", "control.sock");
}

interface Request {
  op?: unknown;
  output?: unknown;
  source?: unknown;
}

async function answer(request: Request, drivers: ReadonlyMap<string, BackupDriver>): Promise<object> {
  if (request.op !== "backup") return { ok: false, error: `unknown operation ${JSON.stringify(request.op)}` };
  if (typeof request.output !== "string" || !isAbsolute(request.output)) return { ok: false, error: "output must be an absolute path" };
  const name = typeof request.source === "string" ? request.source : drivers.keys().next().value;
  const driver = name === undefined ? undefined : drivers.get(name);
  if (driver === undefined) return { ok: false, error: `no embedded data source named "${String(name)}" (the app has: ${[...drivers.keys()].join(", ")})` };
  const summary = await driver.backup(request.output);
  return { ok: true, file: summary.file, bytes: summary.bytes, source: name };
}

/** Whether something answers on `path` (a live app), as opposed to a socket file left by a crash. */
function answers(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection(path);
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

export async function openControlSocket(appDir: string, drivers: ReadonlyMap<string, BackupDriver>): Promise<Server | undefined> {
  const path = controlSocketPath(appDir);
  mkdirSync(dirname(path), { recursive: true });
  if (await answers(path)) return undefined; // another process of this app owns it (it holds the store too)
  rmSync(path, { force: true });
  const server = createServer((socket) => {
    let buffered = "";
    socket.setEncoding("utf8");
    socket.on("data", (chunk: string) => {
      buffered += chunk;
      const end = buffered.indexOf("\n");
      if (end === -1) return;
      let request: Request;
      try {
        request = JSON.parse(buffered.slice(0, end)) as Request;
      } catch {
        socket.end(JSON.stringify({ ok: false, error: "the request is not JSON" }) + "\n");
        return;
      }
      answer(request, drivers).then(
        (reply) => socket.end(JSON.stringify(reply) + "\n"),
        (error: unknown) => socket.end(JSON.stringify({ ok: false, error: error instanceof Error ? error.message : String(error) }) + "\n"),
      );
    });
    socket.on("error", () => socket.destroy());
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(path, () => resolve());
  });
  chmodSync(path, 0o600);
  server.unref();
  return server;
}

export async function closeControlSocket(server: Server | undefined, appDir: string): Promise<void> {
  if (server === undefined) return;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  rmSync(controlSocketPath(appDir), { force: true });
}
