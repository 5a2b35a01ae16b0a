import type { SourceFile } from "../scanner/source-file.js";
import type { Severity } from "./codes.js";
import type { Diagnostic } from "./diagnostic.js";

/**
 * Human-readable diagnostics in the style of rustc and TypeScript:
 *
 *   error[KV2002]: unknown field 'nmae' on entity User
 *     --> app.kova:12:34
 *      |
 *   12 |   users = SELECT * FROM User WHERE nmae = $id
 *      |                                    ^^^^
 *      = help: did you mean 'name'?
 */
export interface FormatOptions {
  /** Plain ANSI colour codes; callers decide (TTY, NO_COLOR, --color). */
  color: boolean;
}

/** Tab stops every 4 columns, as rustc does; tabs are expanded so the carets line up under the text. */
const TAB_WIDTH = 4;

const ANSI = {
  reset: "\x1b[0m",
  bold: "\x1b[1m",
  error: "\x1b[1;31m",
  warning: "\x1b[1;33m",
  gutter: "\x1b[1;34m",
  help: "\x1b[1;36m",
} as const;

export function formatDiagnostic(d: Diagnostic, source: SourceFile | undefined, options: FormatOptions): string {
  const paint = (style: keyof typeof ANSI, text: string) => (options.color ? ANSI[style] + text + ANSI.reset : text);
  const severityStyle: keyof typeof ANSI = d.severity === "error" ? "error" : "warning";
  const { start, end } = d.span;

  const gutterWidth = String(start.line).length;
  const pad = " ".repeat(gutterWidth);
  const lines: string[] = [];
  lines.push(`${paint(severityStyle, `${d.severity}[${d.code}]`)}${paint("bold", `: ${d.message}`)}`);
  lines.push(`${pad}${paint("gutter", "-->")} ${d.span.file}:${start.line}:${start.column}`);

  if (source !== undefined) {
    const line = source.lineText(start.line);
    // Columns are 1-based code-unit offsets into the line; clamp in case the span points past its end.
    const spanFrom = Math.min(Math.max(start.column - 1, 0), line.length);
    // A span over several lines is underlined to the end of its first line.
    const spanTo = end.line === start.line ? Math.min(Math.max(end.column - 1, spanFrom), line.length) : line.length;
    const { text, from, to } = frameWindow(line, spanFrom, spanTo);
    const expandedBefore = expandTabs(text.slice(0, from)).length;
    const expandedUnderlined = expandTabs(text.slice(0, to)).length - expandedBefore;
    // An empty span (e.g. "expected '}'" at end of line) still gets one caret so the eye finds it.
    const carets = "^".repeat(Math.max(1, expandedUnderlined));
    lines.push(`${pad} ${paint("gutter", "|")}`);
    lines.push(`${paint("gutter", `${start.line} |`)} ${expandTabs(text)}`.trimEnd());
    lines.push(`${pad} ${paint("gutter", "|")} ${" ".repeat(expandedBefore)}${paint(severityStyle, carets)}`);
  }

  if (d.suggestion !== undefined) {
    lines.push(`${pad} ${paint("gutter", "=")} ${paint("help", "help")}: ${d.suggestion}`);
  }
  return lines.join("\n");
}

/** "2 errors, 1 warning" — both counts, always, so scripts and eyes read the same shape. */
export function formatSummary(diagnostics: readonly Diagnostic[]): string {
  const count = (severity: Severity) => diagnostics.filter((d) => d.severity === severity).length;
  return `${plural(count("error"), "error")}, ${plural(count("warning"), "warning")}`;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}

/** How much of a line a code frame shows at most, so a minified or generated line stays readable. */
export const FRAME_WIDTH = 120;
/** Context kept before the span when the line is cut. */
const FRAME_LEAD = 40;

/**
 * The part of a long line worth showing: a window of at most FRAME_WIDTH characters around the
 * span (the span itself cut to fit), with "…" where text was left out. `from` and `to` are the
 * span's offsets inside the returned text.
 */
export function frameWindow(line: string, from: number, to: number): { text: string; from: number; to: number } {
  if (line.length <= FRAME_WIDTH) return { text: line, from, to };
  const start = Math.max(0, from - FRAME_LEAD);
  const stop = Math.min(line.length, start + FRAME_WIDTH);
  const head = start > 0 ? "…" : "";
  const tail = stop < line.length ? "…" : "";
  const clip = (offset: number) => Math.min(Math.max(offset, start), stop) - start + head.length;
  return { text: head + line.slice(start, stop) + tail, from: clip(from), to: clip(to) };
}

function expandTabs(text: string): string {
  if (!text.includes("\t")) return text;
  let out = "";
  for (const ch of text) {
    if (ch === "\t") out += " ".repeat(TAB_WIDTH - (out.length % TAB_WIDTH));
    else out += ch;
  }
  return out;
}
