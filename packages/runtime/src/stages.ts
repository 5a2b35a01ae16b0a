/**
 * The built-in pipeline stages. Each is a plain object with a name and a `run` that reads and
 * writes the exchange; none allocates unless it has something to report.
 */
import type { Reply, ValidationIssue } from "./app.js";
import { authStage } from "./auth/stage.js";
import type { Exchange, StageOutcome } from "./exchange.js";
import { typeQuery } from "./params.js";
import type { PipelineStage } from "./pipeline.js";
import { runHandler } from "./atomic.js";
import { ProblemType } from "./problem.js";
import { cacheStage } from "./cache/cache-stage.js";

/** Path params and declared query params, typed in place by their declared ParamType. */
export const typeInputsStage: PipelineStage = {
  name: "typeInputs",
  run(ex: Exchange): StageOutcome {
    const route = ex.route;
    const paramIssues = route.typeParams(ex.params);
    if (paramIssues !== undefined) return invalid(ex, paramIssues, "path parameter");
    const declared = route.definition.query;
    if (declared !== undefined) {
      const issues = typeQuery(ex.query, declared);
      if (issues.length > 0) return invalid(ex, issues, "query parameter");
    }
    return undefined;
  },
};

/** The JSON body: read, checked (size, type, UTF-8, Unicode) and parsed by the server's exchange. */
export const readBodyStage: PipelineStage = {
  name: "readBody",
  run: (ex: Exchange) => ex.readBody(),
};

/** The route's compiled VALIDATE shape, if any: every issue is reported. */
export const validateStage: PipelineStage = {
  name: "validate",
  run(ex: Exchange): StageOutcome | Promise<StageOutcome> {
    const validateBody = ex.route.definition.validateBody;
    if (validateBody === undefined) return undefined;
    const issues = validateBody(ex.body);
    if (issues.length === 0) return undefined;
    const reply = invalid(ex, issues, "body");
    // A refused body keeps none of the files it uploaded.
    return ex.uploads === undefined ? reply : ex.discardUploads().then(() => reply);
  },
};

/**
 * The compiled handler; its Reply (or undefined, a 204) answers the request. A handler that writes
 * runs in its data sources' transactions (atomic.ts): all its writes commit, or none.
 */
export const handlerStage: PipelineStage = {
  name: "handler",
  run(ex: Exchange) {
    if (ex.uploads === undefined) return runHandler(ex);
    return discardUploadsOnFailure(ex);
  },
};

/** The handler rolled back (ERROR, a conflict, an exception, the client gone): its uploads go too. */
async function discardUploadsOnFailure(ex: Exchange): Promise<StageOutcome> {
  try {
    return await runHandler(ex);
  } catch (error) {
    await ex.discardUploads();
    throw error;
  }
}

// `cache` answers cached routes (CACHE) before their handler; other routes pass straight through.
export const coreStages: readonly PipelineStage[] = [typeInputsStage, authStage, readBodyStage, validateStage, cacheStage, handlerStage];

function invalid(ex: Exchange, issues: ValidationIssue[], what: string): Reply {
  const detail = issues.length === 1
    ? `invalid ${what} ${issues[0].field || "(whole body)"}: ${issues[0].message}`
    : `${issues.length} invalid ${what} values`;
  // A body that fails its VALIDATE shape answers with the app's validation status (400 or 422).
  const status = what === "body" ? (ex.serving.errors?.validationStatus ?? 400) : 400;
  return ex.problem(status, detail, what === "body" ? ProblemType.validation : ProblemType.invalidParameter, issues);
}
