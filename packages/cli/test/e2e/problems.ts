import assert from "node:assert/strict";
import type { JsonResponse } from "./harness.js";

/**
 * Asserts an RFC 9457 problem response: the content type, the status echoed in the body, a
 * requestId equal to the x-request-id header, and (when given) the problem type.
 * Returns the problem body.
 */
export function assertProblem(response: JsonResponse, status: number, type?: string): any {
  assert.equal(response.status, status, `expected ${status}, got ${response.status}: ${response.text}`);
  assert.match(response.headers.get("content-type") ?? "", /^application\/problem\+json/);
  const problem = response.body;
  assert.equal(problem.status, status);
  assert.equal(typeof problem.requestId, "string");
  assert.ok(problem.requestId.length > 0);
  assert.equal(problem.requestId, response.headers.get("x-request-id"));
  if (type !== undefined) assert.equal(problem.type, type);
  return problem;
}

/** The fields named in a problem's errors[], sorted. */
export function errorFields(problem: { errors?: Array<{ field: string }> }): string[] {
  return (problem.errors ?? []).map((e) => e.field).sort();
}
