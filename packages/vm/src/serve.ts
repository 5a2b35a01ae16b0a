import type { AppDefinition, RequestContext } from "@kova/runtime/serve";
import { Execution } from "./interpreter.js";
import type { ReadyProgram } from "./load.js";
import type { ExecutionPool } from "./pool.js";
import { DEFAULT_QUOTAS, type Quotas } from "./quotas.js";

/**
 * `kova run --vm`: the app the runtime serves, with every route's handler run by the VM from the
 * loaded bytecode. Routing, typed inputs, validation, auth, rate limits, caching and problem
 * responses stay the runtime's pipeline (from the same build); only the handler step changes tier.
 * A route the bytecode does not hold, or a bytecode route the app does not have, is refused.
 * With a pool, each execution runs on one of its worker threads (pool.ts); without, on this thread.
 */
export function onVm(app: AppDefinition, program: ReadyProgram, quotas: Partial<Quotas> = {}, pool?: ExecutionPool): AppDefinition {
  const limits: Quotas = { ...DEFAULT_QUOTAS, ...quotas };
  const ids = app.routes.map((r) => `${r.method} ${r.path}`);
  const missing = ids.filter((id) => !program.routes.has(id));
  if (missing.length > 0 || program.routes.size !== ids.length) {
    throw new Error(`the bytecode (${program.hash.slice(0, 12)}…) is not a build of this app: ${missing.length > 0 ? `it has no handler for ${missing.join(", ")}` : "it has routes the app does not"}`);
  }
  return {
    ...app,
    routes: app.routes.map((route) => {
      const fn = program.routes.get(`${route.method} ${route.path}`)!;
      const handler = pool === undefined ? (ctx: RequestContext) => new Execution(program, limits, ctx).runRoute(fn) : (ctx: RequestContext) => pool.run(program, fn, limits, ctx);
      return { ...route, handler };
    }),
  };
}
