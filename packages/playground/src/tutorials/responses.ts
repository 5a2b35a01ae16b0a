/**
 * The running app's answers, as tutorial steps see them. Whatever sends requests to the program in
 * the page (the request panel) tells the tutorials about each answer with one window event:
 *
 *   window.dispatchEvent(new CustomEvent("kova:response", {
 *     detail: { method: "GET", path: "/prices/1/history", status: 200, body: [ … ] },
 *   }));
 *
 * `path` is the path requested (a query string is allowed and ignored), `body` the parsed JSON
 * answer (absent when there is none). A step that asks the reader to try something passes on such
 * an answer, or on what the program itself shows, so no step depends on the request panel.
 */
export const RESPONSE_EVENT = "kova:response";

export interface ObservedResponse {
  method: string;
  path: string;
  status: number;
  body?: unknown;
}

/** The event's detail as an ObservedResponse, or what is wrong with it (said once on the console). */
export function readResponse(detail: unknown): ObservedResponse | { problem: string } {
  if (detail === null || typeof detail !== "object") return { problem: `${RESPONSE_EVENT}: detail must be an object { method, path, status, body }` };
  const { method, path, status, body } = detail as Record<string, unknown>;
  if (typeof method !== "string" || method === "") return { problem: `${RESPONSE_EVENT}: detail.method must be the request's method, e.g. "GET"` };
  if (typeof path !== "string" || !path.startsWith("/")) return { problem: `${RESPONSE_EVENT}: detail.path must be the path requested, starting with "/"` };
  if (typeof status !== "number" || !Number.isInteger(status)) return { problem: `${RESPONSE_EVENT}: detail.status must be the answer's HTTP status, a whole number` };
  return { method: method.toUpperCase(), path, status, ...(body !== undefined ? { body } : {}) };
}

/** Whether a requested path is one of a route's (`/todos/:id` matches `/todos/7?x=1`). */
export function routeMatches(route: string, path: string): boolean {
  const wanted = route.split("/");
  const got = path.split("?")[0].split("/");
  return wanted.length === got.length && wanted.every((part, i) => (part.startsWith(":") ? got[i] !== "" : part === decoded(got[i])));
}

function decoded(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    return part;
  }
}
