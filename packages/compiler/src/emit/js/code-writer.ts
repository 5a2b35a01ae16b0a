import { GenMapping, addMapping, setSourceContent, toEncodedMap } from "@jridgewell/gen-mapping";
import type { Span } from "../../ast/nodes.js";

/**
 * Builds generated JavaScript line by line, with indentation, and records a source-map mapping
 * from each line that begins a Kova statement back to that statement (so a stack trace through a
 * handler names the `.kova` file and line).
 */
export class CodeWriter {
  private readonly lines: string[] = [];
  private indentLevel = 0;
  private readonly map: GenMapping;

  constructor(readonly outputFile: string) {
    this.map = new GenMapping({ file: outputFile });
  }

  /** Adds a line; `origin` maps it back to Kova source. */
  line(text = "", origin?: Span, sourcePath?: string): void {
    // Mappings are per generated line, so multi-line text is written one line at a time.
    if (text.includes("\n")) {
      text.split("\n").forEach((part, i) => this.line(part, i === 0 ? origin : undefined, sourcePath));
      return;
    }
    const indent = "  ".repeat(this.indentLevel);
    if (origin && sourcePath !== undefined) {
      addMapping(this.map, {
        generated: { line: this.lines.length + 1, column: indent.length },
        source: sourcePath,
        original: { line: origin.start.line, column: origin.start.column - 1 },
      });
    }
    this.lines.push(text === "" ? "" : indent + text);
  }

  /** `head {`, then the body indented, then `}` (or `tail`). */
  block(head: string, body: () => void, tail = "}", origin?: Span, sourcePath?: string): void {
    this.line(`${head} {`, origin, sourcePath);
    this.indentLevel++;
    body();
    this.indentLevel--;
    this.line(tail);
  }

  indent(body: () => void): void {
    this.indentLevel++;
    body();
    this.indentLevel--;
  }

  /** The position of the next line, for `linesSince` and `rewriteLine`. */
  mark(): number {
    return this.lines.length;
  }

  linesSince(mark: number): readonly string[] {
    return this.lines.slice(mark);
  }

  /** Changes a written line (its source mapping, which points at its indentation, still holds). */
  rewriteLine(index: number, change: (line: string) => string): void {
    this.lines[index] = change(this.lines[index]);
  }

  addSource(sourcePath: string, content: string): void {
    setSourceContent(this.map, sourcePath, content);
  }

  toString(): string {
    return this.lines.join("\n") + "\n";
  }

  sourceMap(): string {
    return JSON.stringify(toEncodedMap(this.map));
  }
}

/** A JavaScript identifier that cannot clash with generated helpers or reserved words. */
export function jsName(prefix: string, name: string): string {
  return `${prefix}_${name.replace(/[^A-Za-z0-9_$]/g, "_")}`;
}
