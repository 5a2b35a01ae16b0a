/**
 * The app's error shape (kova.config.json `"errors"`; docs/language.md, "Error responses"): every
 * error answer is an RFC 9457 problem (the default), or `{ "errors": { field: [messages] } }` for
 * clients written against that convention; and the status of a body that fails its VALIDATE
 * shape, 400 (the default) or 422. One function shapes every problem the app sends, on node:http
 * and in the Fastify plugin alike.
 */
import { StartupError } from "./data-sources.js";
import { PROBLEM_CONTENT_TYPE, type Problem } from "./problem.js";

export interface ErrorFormat {
  /** `problem`: RFC 9457 (application/problem+json). `fields`: `{ message, errors: { field: [messages] }, requestId }`. */
  shape: "problem" | "fields";
  /** The status of a request body that fails its VALIDATE shape. */
  validationStatus: 400 | 422;
}

export const DEFAULT_ERROR_FORMAT: ErrorFormat = Object.freeze({ shape: "problem", validationStatus: 400 });

const PROBLEM_HEADERS: Readonly<Record<string, string>> = Object.freeze({ "content-type": PROBLEM_CONTENT_TYPE });
const JSON_HEADERS: Readonly<Record<string, string>> = Object.freeze({ "content-type": "application/json; charset=utf-8" });

/**
 * The body and content type of a problem in the app's shape. In the `fields` shape, a problem's
 * per-field issues become `errors[field]` (a list of messages; `""` is the body as a whole), and a
 * problem about no field (a 404, a 500) has `errors: {}` and its detail as `message`.
 */
export function shapedProblem(problem: Problem, format: ErrorFormat): { body: unknown; headers: Readonly<Record<string, string>> } {
  if (format.shape === "problem") return { body: problem, headers: PROBLEM_HEADERS };
  const errors: Record<string, string[]> = {};
  for (const issue of problem.errors ?? []) (errors[issue.field] ??= []).push(issue.message);
  return { body: { message: problem.detail, errors, requestId: problem.requestId }, headers: JSON_HEADERS };
}

/** Reads kova.config.json's `"errors"` setting; anything else is a StartupError naming what is wrong. */
export function parseErrorFormat(value: unknown, where: string): ErrorFormat {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new StartupError(`${where} must be an object such as { "shape": "fields", "validationStatus": 422 }`);
  }
  const format: { shape: ErrorFormat["shape"]; validationStatus: ErrorFormat["validationStatus"] } = { ...DEFAULT_ERROR_FORMAT };
  for (const [key, v] of Object.entries(value)) {
    if (key === "shape") {
      if (v !== "problem" && v !== "fields") throw new StartupError(`${where}.shape must be "problem" (RFC 9457) or "fields" ({ errors: { field: [messages] } }), got ${JSON.stringify(v)}`);
      format.shape = v;
    } else if (key === "validationStatus") {
      if (v !== 400 && v !== 422) throw new StartupError(`${where}.validationStatus must be 400 or 422, got ${JSON.stringify(v)}`);
      format.validationStatus = v;
    } else {
      throw new StartupError(`${where}: unknown setting "${key}"; known: shape, validationStatus`);
    }
  }
  return Object.freeze(format);
}
