// The app the `kova db` benchmarks run, and helpers to build, seed and start it.
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

export const ROOT = fileURLToPath(new URL("../../", import.meta.url));
export const KOVA = join(ROOT, "packages/cli/bin/kova.js");

export function itemsApp(connect = "") {
  return `${connect}
ENTITY Item {
  name: text
  n: int
  price: decimal
  active: bool
  payload: text
}

VALIDATE ItemIn {
  name: string
  n: int
  price: number
  active: boolean
  payload: string
}

GET /items/:id {
  RESPOND SELECT * FROM Item WHERE id = $id
}

POST /items VALIDATE ItemIn {
  RESPOND 201 INSERT INTO Item $body
}
`;
}

export function item(i) {
  return { name: `item ${i}`, n: i, price: (i % 1000) + 0.5, active: i % 2 === 0, payload: "x".repeat(160) + i };
}

/** A built app in a temp folder (node_modules linked to the repository's). */
export function makeApp(connect = "") {
  const dir = mkdtempSync(join(tmpdir(), "kova-bench-db-"));
  writeFileSync(join(dir, "app.kova"), itemsApp(connect));
  symlinkSync(join(ROOT, "node_modules"), join(dir, "node_modules"), "dir");
  const built = spawnSync(process.execPath, [KOVA, "build", dir], { encoding: "utf8" });
  if (built.status !== 0) throw new Error(built.stderr);
  return dir;
}

/** The app's entities, from its build. */
export async function entitiesOf(dir) {
  const { app } = await import(pathToFileURL(join(dir, "dist", "app.js")).href);
  return app.dataSources[0].entities;
}

export function kova(args, env = {}) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [KOVA, ...args], { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (out += d));
    child.once("close", (status) => resolve({ status, out }));
  });
}

/** Starts dist/server.js on `port`; resolves once it answers. */
export async function startServer(dir, port, env = {}) {
  const child = spawn(process.execPath, [join(dir, "dist", "server.js")], { env: { ...process.env, PORT: String(port), KOVA_LOG_LEVEL: "warn", ...env }, stdio: "inherit" });
  for (let i = 0; i < 200; i++) {
    try {
      if ((await fetch(`http://127.0.0.1:${port}/_kova/health`)).status === 200) return child;
    } catch {}
    await new Promise((r) => setTimeout(r, 50));
  }
  child.kill();
  throw new Error("the app did not start");
}
