/**
 * The PL/pgSQL back end: every `ACTION … IN DATABASE` of the app as one function of the
 * PostgreSQL data source it uses (routine.ts), or the build's refusal, naming the action or the
 * step and saying to remove IN DATABASE:
 *   - KV2915: the action's data source is not PostgreSQL (only PostgreSQL runs PL/pgSQL here);
 *   - KV2916: a step does something the function cannot (imported JS, a built-in, RESPOND, …);
 *   - KV2917: the action uses more than one data source (one function runs in one database).
 */
import type { CompiledQuery } from "@kova/query";
import { diagnostic, type Diagnostic } from "../../diagnostics/diagnostic.js";
import type { AppModel, KovaFunction } from "../../ir/nodes.js";
import { forEachNode } from "../../ir/writes.js";
import { compileRoutine, Unsupported, type Routine } from "./routine.js";

export type { Routine } from "./routine.js";

export interface CompiledRoutines {
  /** By action name. */
  routines: Map<string, Routine>;
  diagnostics: Diagnostic[];
}

const REMOVE = "remove IN DATABASE to run the action in JavaScript";

export function compileRoutines(app: AppModel, compiled: ReadonlyMap<string, CompiledQuery>): CompiledRoutines {
  const routines = new Map<string, Routine>();
  const diagnostics: Diagnostic[] = [];
  for (const fn of app.functions) {
    if (fn.action?.inDatabase !== true) continue;
    const sources = actionSources(app, fn);
    if (sources.length > 1) {
      diagnostics.push(diagnostic("ActionInDatabaseSources", fn.span, `ACTION ${fn.name} IN DATABASE uses ${sources.map((s) => `'${s}'`).join(" and ")}, and one PL/pgSQL function runs in one database`, { suggestion: REMOVE }));
      continue;
    }
    const source = app.dataSources.find((s) => s.name === (sources[0] ?? app.dataSources[0]?.name));
    if (source === undefined || source.driver !== "postgres") {
      const where = source === undefined ? "no data source" : `data source '${source.name}' (${source.driver})`;
      diagnostics.push(diagnostic("ActionInDatabaseNotPostgres", fn.span, `ACTION ${fn.name} IN DATABASE runs as a PL/pgSQL function, and it would run on ${where}: only PostgreSQL has one`, { suggestion: REMOVE }));
      continue;
    }
    // A query its dialect did not compile is reported already (or its driver is not installed).
    if (actionQueries(fn).some((id) => !compiled.has(id))) continue;
    try {
      routines.set(fn.name, compileRoutine(app, fn, source.name, compiled, (i) => `line ${fn.body[i].span.start.line}`));
    } catch (error) {
      if (!(error instanceof Unsupported)) throw error;
      const step = (error as Unsupported & { step?: number }).step ?? 0;
      const statement = fn.body[step];
      diagnostics.push(
        diagnostic("StepNotInDatabase", statement?.span ?? fn.span, `step ${step + 1} of ACTION ${fn.name} IN DATABASE uses ${error.message}, which its PL/pgSQL function cannot run`, { suggestion: REMOVE }),
      );
    }
  }
  return { routines, diagnostics };
}

/** The data sources the action's queries and EMITs run on, in first-use order. */
function actionSources(app: AppModel, fn: KovaFunction): string[] {
  const bySource = new Map(app.queries.map((q) => [q.id, q.source]));
  const sources: string[] = [];
  const add = (source: string | undefined) => {
    if (source !== undefined && !sources.includes(source)) sources.push(source);
  };
  forEachNode(fn.body, (node) => {
    if (node.kind === "query") add(bySource.get(node.query as string));
    if (node.kind === "emit") add(node.source as string);
  });
  return sources;
}

function actionQueries(fn: KovaFunction): string[] {
  const ids: string[] = [];
  forEachNode(fn.body, (node) => {
    if (node.kind === "query") ids.push(node.query as string);
  });
  return ids;
}
