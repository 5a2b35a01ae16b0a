import { bytecode, checkText, compilePlans, loadDialects, lower } from "@kova/compiler";
import { createEmbeddedDriver } from "@kova/driver-embedded";
import type { Driver } from "@kova/query";
import { Execution, generateSigningKey, loadBytecode, signProgram, type Quotas, type ReadyProgram, type SigningKey, DEFAULT_QUOTAS } from "../src/index.js";

export const KEY: SigningKey = generateSigningKey();

/** A Kova program, checked, lowered, compiled to bytecode, signed and loaded as `kova run --vm` would. */
export async function compileProgram(source: string): Promise<{ ready: ReadyProgram; file: Uint8Array; driver: Driver | null; close: () => Promise<void> }> {
  const check = checkText(source, "/tmp/vm-test/app.kova");
  const errors = check.diagnostics.filter((d) => d.severity === "error");
  if (errors.length > 0) throw new Error(`the test program has errors: ${errors.map((d) => `${d.code} ${d.message}`).join("; ")}`);
  const ir = lower(check.programs[0].model, { name: "t" });
  const { dialects } = await loadDialects(ir.dataSources.map((s) => s.driver));
  const plans = compilePlans(ir, dialects);
  const result = bytecode.compileBytecode(ir, plans.compiled);
  if (result.program === null) throw new Error(result.diagnostics.map((d) => `${d.code} ${d.message}`).join("; "));
  const { file } = signProgram(result.program, KEY);
  const ready = loadBytecode(file, [KEY.publicKey]);
  let driver: Driver | null = null;
  if (ir.entities.length > 0) {
    driver = createEmbeddedDriver({ name: "default", appDir: "/tmp/vm-test", options: { path: ":memory:" } });
    await driver.connect();
    await driver.migrate(ir.entities);
  }
  return { ready, file, driver, close: async () => void (await driver?.close()) };
}

export interface Run {
  status: number;
  body: unknown;
  problem?: { status: number; detail: string; quota?: string; type?: string };
  ms: number;
}

/** Runs one route's handler on the VM with a request's values, as the runtime would hand them. */
export async function execute(ready: ReadyProgram, route: string, request: { params?: Record<string, unknown>; query?: Record<string, unknown>; body?: unknown; driver?: Driver | null } = {}, quotas: Partial<Quotas> = {}): Promise<Run> {
  const fn = ready.routes.get(route);
  if (fn === undefined) throw new Error(`no route ${route}`);
  const ctx = {
    params: request.params ?? {}, query: request.query ?? {}, headers: {}, cookies: {}, body: request.body, auth: null, env: {},
    db: () => {
      if (!request.driver) throw new Error("no data source in this test");
      return request.driver;
    },
  };
  const started = performance.now();
  try {
    const reply = await new Execution(ready, { ...DEFAULT_QUOTAS, ...quotas }, ctx as never).runRoute(fn);
    // As the client would read it: JSON (objects without prototypes compare as plain ones).
    return { status: reply.status ?? 200, body: reply.body === undefined ? undefined : JSON.parse(reply.serialize ? reply.serialize(reply.body) : JSON.stringify(reply.body)), ms: performance.now() - started };
  } catch (error) {
    const e = error as { status?: number; detail?: string; extra?: { quota?: string; type?: string }; message: string };
    if (typeof e.status !== "number") return { status: 500, body: undefined, problem: { status: 500, detail: e.message }, ms: performance.now() - started };
    return { status: e.status, body: undefined, problem: { status: e.status, detail: e.detail ?? e.message, quota: e.extra?.quota, type: e.extra?.type }, ms: performance.now() - started };
  }
}
