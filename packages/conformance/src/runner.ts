import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { startApp } from "@kova/runtime";
import { buildApp, DRIVER_PACKAGES } from "kova/dist/src/build/build-app.js";
import { CASES, check, Mismatch, type Api, type Case } from "./cases.js";
import { FULL_PROGRAM, KEY_VALUE_PROGRAM } from "./programs.js";
import type { Target } from "./targets.js";

export type Outcome = { status: "pass" } | { status: "fail"; detail: string } | { status: "n/a"; detail: string } | { status: "skipped"; detail: string };

export interface TargetResult {
  driver: string;
  label: string;
  outcomes: Record<string, Outcome>;
}

const WORK = new URL("../../.work/", import.meta.url).pathname;

/** Runs every case against one target: build each program for it, serve it in-process, send the requests. */
export async function runTarget(target: Target, cases: Case[] = CASES): Promise<TargetResult> {
  const outcomes: Record<string, Outcome> = {};
  const runId = `${process.pid}_${Date.now().toString(36)}`;
  const prepared = await target.prepare(runId);
  if (!prepared.ok) {
    for (const c of cases) outcomes[c.name] = { status: "skipped", detail: prepared.reason };
    return { driver: target.driver, label: target.label, outcomes };
  }
  try {
    for (const program of ["full", "kv"] as const) {
      const mine = cases.filter((c) => c.program === program);
      if (mine.length === 0) continue;
      if (!target.programs.includes(program)) {
        for (const c of mine) outcomes[c.name] = { status: "n/a", detail: `${target.driver} serves key-value access only` };
        continue;
      }
      const dir = join(WORK, `${target.driver}-${program}-${runId}`);
      rmSync(dir, { recursive: true, force: true });
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, "app.kova"), `${prepared.connect ?? ""}\n${program === "full" ? FULL_PROGRAM : KEY_VALUE_PROGRAM}`);
      const built = await buildApp({ entry: dir });
      if (!built.ok) {
        const why = [...built.errors, ...built.check.diagnostics.filter((d) => d.severity === "error").map((d) => `${d.code} ${d.message}`)].join("; ");
        for (const c of mine) outcomes[c.name] = { status: "fail", detail: `build failed: ${why}` };
        continue;
      }
      let running: Awaited<ReturnType<typeof startApp>>;
      try {
        await import(DRIVER_PACKAGES[target.driver]);
        const { app } = (await import(pathToFileURL(join(dir, "dist", "app.js")).href)) as { app: Parameters<typeof startApp>[0] };
        running = await startApp(app, { port: 0, host: "127.0.0.1", appDir: dir, env: prepared.env, manageProcess: false, logLevel: "silent" });
      } catch (error) {
        for (const c of mine) outcomes[c.name] = { status: "fail", detail: `the app did not start: ${error instanceof Error ? error.message : String(error)}` };
        continue;
      }
      try {
        const api = httpApi(running.url);
        for (const c of mine) {
          const reason = c.unsupported?.[target.driver];
          outcomes[c.name] = reason ? { status: "n/a", detail: reason } : await runCase(c, api);
        }
      } finally {
        await running.close();
        rmSync(dir, { recursive: true, force: true });
      }
    }
  } finally {
    await prepared.cleanup();
  }
  return { driver: target.driver, label: target.label, outcomes };
}

async function runCase(c: Case, api: Api): Promise<Outcome> {
  try {
    await c.run(api, check);
    return { status: "pass" };
  } catch (error) {
    const detail = error instanceof Mismatch ? error.message : `threw ${error instanceof Error ? error.stack ?? error.message : String(error)}`;
    return { status: "fail", detail };
  }
}

function httpApi(base: string): Api {
  return {
    async request(method, path, body) {
      const response = await fetch(base + path, {
        method,
        headers: body === undefined ? {} : { "content-type": "application/json" },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await response.text();
      return { status: response.status, body: text === "" ? undefined : JSON.parse(text) };
    },
  };
}
