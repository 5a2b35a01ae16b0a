/** Completion for RATE_LIMIT (the window after PER, the key after BY) and the settings of a CORS block. */
import type { Node } from "@kova/compiler";
import { CompletionItemKind } from "vscode-languageserver";
import type { KovaCompletion } from "./completion.js";

const WINDOWS = [["1s", "per second"], ["1m", "per minute"], ["1h", "per hour"], ["1d", "per day"]] as const;

const CORS_SETTINGS: ReadonlyArray<readonly [string, string, string]> = [
  ["origins", 'origins: ["https://app.example.com"]', "exact origins whose pages may call the app (or env(\"NAME\"), comma-separated)"],
  ["methods", 'methods: ["GET", "POST"]', "methods a preflight allows (default: the route's)"],
  ["headers", 'headers: ["content-type"]', "request headers a preflight allows"],
  ["expose", 'expose: ["x-request-id"]', "response headers scripts may read"],
  ["credentials", "credentials: true", "let browsers send cookies and Authorization (exact origins only)"],
  ["max_age", "max_age: 10m", "how long a browser caches a preflight"],
];

/** Completions for the security syntax at the cursor, or undefined when the cursor is elsewhere. */
export function securityCompletions(prefix: string, offset: number, nodes: readonly Node[]): KovaCompletion[] | undefined {
  const by = /\bRATE_LIMIT\s+\S+\s+PER\s+\S+\s+BY\s+(\$?[A-Za-z_]*)$/.exec(prefix);
  if (by) {
    const from = offset - by[1].length;
    return [
      { label: "ip", kind: CompletionItemKind.Keyword, detail: "each client address (X-Forwarded-For only behind trustProxy)", replaceFrom: from },
      { label: 'header("…")', kind: CompletionItemKind.Function, detail: "each value of a request header", insertText: 'header("x-api-key")', replaceFrom: from },
      { label: "$auth.sub", kind: CompletionItemKind.Variable, detail: "each signed-in caller (needs AUTH)", replaceFrom: from },
    ];
  }
  const per = /\bRATE_LIMIT\s+\S+\s+PER\s+([0-9a-z]*)$/.exec(prefix);
  if (per) return WINDOWS.map(([label, detail]) => ({ label, kind: CompletionItemKind.Value, detail, replaceFrom: offset - per[1].length }));
  if (nodes.some((n) => n.kind === "Cors") && /^\s*[a-z_]*$/.test(prefix)) {
    return CORS_SETTINGS.map(([label, insertText, detail]) => ({ label, kind: CompletionItemKind.Property, detail, insertText }));
  }
  return undefined;
}
