/** How a route is named in the API description: its OpenAPI path, its operationId, its tag. */
import type { HttpRoute } from "../../ir/nodes.js";

/** `/todos/:id/as-of/:when` → `/todos/{id}/as-of/{when}`. */
export function openApiPath(path: string): string {
  return path.replace(/:([A-Za-z_][A-Za-z0-9_]*)/g, "{$1}");
}

/** `GET /todos/:id/history` → `getTodosByIdHistory`: unique per route, a valid identifier. */
export function operationId(route: HttpRoute): string {
  const words = route.path
    .split("/")
    .filter((s) => s !== "")
    .flatMap((s) => (s.startsWith(":") ? ["by", ...wordsOf(s.slice(1))] : wordsOf(s)));
  return route.method.toLowerCase() + words.map((w) => w.charAt(0).toUpperCase() + w.slice(1)).join("");
}

function wordsOf(segment: string): string[] {
  return segment.split(/[^A-Za-z0-9]+/).filter((w) => w !== "").map((w) => w.toLowerCase());
}

/** The first path segment that is not a parameter (`todos`), grouping routes in docs. */
export function tagOf(route: HttpRoute): string {
  // `/v2/todos` is tagged `todos`: the version has a document of its own.
  const segments = route.path.split("/").filter((s) => s !== "");
  if (route.version !== undefined) segments.shift();
  return segments.find((s) => !s.startsWith(":")) ?? "root";
}

/** A doc comment's first sentence or line as the summary, the whole text as the description. */
export function summaryOf(doc: string | undefined): { summary?: string; description?: string } {
  if (doc === undefined || doc.trim() === "") return {};
  const text = doc.trim();
  const firstLine = text.split("\n")[0];
  return { summary: firstLine.length > 120 ? `${firstLine.slice(0, 117)}…` : firstLine, ...(text !== firstLine ? { description: text } : {}) };
}
