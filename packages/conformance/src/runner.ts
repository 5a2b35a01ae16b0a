import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { startApp } from "@kova/runtime";
import { buildApp } from "@kova/compiler";
import { DRIVER_PACKAGES, type EntitySchema } from "@kova/query";
import { CASES, check, Mismatch, type Api, type Case } from "./cases.js";
import { EVOLVE_AFTER, EVOLVE_BEFORE, FULL_PROGRAM, KEY_VALUE_PROGRAM } from "./programs.js";
import { RELATIONS_PROGRAM } from "./relations-program.js";
import type { Target } from "./targets.js";
import { CONFORMANCE_DATA_KEY, secretsApi } from "./secrets-api.js";

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
    // The shared programs, then the cases' own: a `source` of their own (run like `full`) or a case
    // file's named program, each built once.
    const sources = [...new Set(cases.flatMap((c) => (c.source === undefined ? [] : [c.source])))];
    const named = [...new Map(cases.flatMap((c) => (typeof c.program === "object" ? [[c.program.name, c.program] as const] : []))).values()];
    const groups = [
      ...(["full", "kv", "evolve", "relations"] as const).map((program) => ({ program, name: program as string, source: undefined as string | undefined })),
      ...sources.map((source) => ({ program: "full" as const, name: "full", source })),
      ...named.map((program) => ({ program, name: program.name, source: program.source })),
    ];
    for (const [group, { program, name, source: ownSource }] of groups.entries()) {
      const mine = cases.filter((c) => (typeof c.program === "object" ? c.program.name : c.program) === name && (typeof c.program === "object" || c.source === ownSource));
      if (mine.length === 0) continue;
      // A case the driver cannot do (its build would refuse the program) is n/a, with its reason.
      for (const c of mine) {
        const reason = c.unsupported?.[target.driver];
        if (reason) outcomes[c.name] = { status: "n/a", detail: reason };
      }
      // An evolve case reads and writes by id only, as a key-value program does; relations and a case file's own need filters, as `full` does.
      if (!target.programs.includes(program === "evolve" || program === "kv" ? "kv" : "full")) {
        for (const c of mine) outcomes[c.name] ??= { status: "n/a", detail: `${target.driver} serves key-value access only` };
        continue;
      }
      // A program the driver refuses at build time for every one of its cases is not built.
      if (mine.every((c) => c.unsupported?.[target.driver] !== undefined)) {
        for (const c of mine) outcomes[c.name] = { status: "n/a", detail: c.unsupported![target.driver] };
        continue;
      }
      const dir = join(WORK, `${target.driver}-${name}${group}-${runId}`);
      rmSync(dir, { recursive: true, force: true });
      mkdirSync(dir, { recursive: true });
      const stages = typeof program === "object" && program.before !== undefined ? [program.before, program.source]
        : ownSource !== undefined ? [ownSource]
        : program === "evolve" ? [EVOLVE_BEFORE, EVOLVE_AFTER]
        : [program === "full" ? FULL_PROGRAM : program === "relations" ? RELATIONS_PROGRAM : KEY_VALUE_PROGRAM];
      const carried = new Map<string, unknown>();
      try {
        for (const [stage, source] of stages.entries()) {
          const last = stage === stages.length - 1;
          const pending = mine.filter((c) => outcomes[c.name] === undefined);
          if (pending.length === 0) break;
          writeFileSync(join(dir, "app.kova"), `${prepared.connect ?? ""}\n${source}`);
          // A throw-away JWT signing key, for programs with AUTH jwt (cases-audit.ts).
          // A throw-away master key, for programs with ENCRYPTED fields (cases-encrypted.ts).
          const started = await startProgram(target, dir, { KOVA_CONFORMANCE_JWT_KEY: "conformance-only-key-conformance-only-key-0123", KOVA_DATA_KEY: CONFORMANCE_DATA_KEY, ...prepared.env }, stage);
          if (typeof started === "string") {
            for (const c of pending) outcomes[c.name] = c.unsupported?.[target.driver] ? { status: "n/a", detail: c.unsupported[target.driver] } : { status: "fail", detail: started };
            break;
          }
          try {
            const api = httpApi(started);
            for (const c of pending) {
              const reason = c.unsupported?.[target.driver];
              if (reason) outcomes[c.name] = { status: "n/a", detail: reason };
              else if (!last) {
                const before = await runCase({ ...c, run: async (a) => void carried.set(c.name, await c.before?.(a)) }, api);
                if (before.status !== "pass") outcomes[c.name] = before;
              } else outcomes[c.name] = await runCase({ ...c, run: (a, k) => c.run(a, k, carried.get(c.name)) }, api);
            }
          } finally {
            await started.close();
          }
        }
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }
  } finally {
    await prepared.cleanup();
  }
  return { driver: target.driver, label: target.label, outcomes };
}

/** Builds the program in `dir` for the target and serves it in-process; a string says why it could not. */
/** A program served in-process, with its entities (cases of ENCRYPTED fields read its store with them). */
type Started = Awaited<ReturnType<typeof startApp>> & { entities: EntitySchema[] };

async function startProgram(target: Target, dir: string, env: Record<string, string>, stage: number): Promise<Started | string> {
  const built = await buildApp({ entry: dir });
  if (!built.ok) {
    const why = [...built.errors, ...built.check.diagnostics.filter((d) => d.severity === "error").map((d) => `${d.code} ${d.message}`)].join("; ");
    return `build failed: ${why}`;
  }
  try {
    await import(DRIVER_PACKAGES[target.driver]);
    // A second stage rewrites dist/app.js: a fresh URL, so the new program is the one imported.
    const { app } = (await import(`${pathToFileURL(join(dir, "dist", "app.js")).href}?stage=${stage}`)) as { app: Parameters<typeof startApp>[0] };
    const running = await startApp(app, { port: 0, host: "127.0.0.1", appDir: dir, env, manageProcess: false, logLevel: "silent" });
    return Object.assign(running, { entities: app.dataSources.flatMap((s) => s.entities) });
  } catch (error) {
    return `the app did not start: ${error instanceof Error ? error.message : String(error)}`;
  }
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

function httpApi(started: Started): Api {
  const base = started.url;
  return {
    secrets: secretsApi(started, started.entities),
    async request(method, path, body, headers = {}) {
      const response = await fetch(base + path, {
        method,
        headers: body === undefined ? headers : { ...headers, "content-type": "application/json" },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await response.text();
      return { status: response.status, body: text === "" ? undefined : JSON.parse(text) };
    },
  };
}
