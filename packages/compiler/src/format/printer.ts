import type { Span } from "../ast/nodes.js";
import { commentDoc, trailingDoc, type CommentTracker } from "./comments.js";
import { hardline, indent, join, type Doc } from "./doc.js";

export interface ItemsOptions {
  /** Offset of the container's closing bracket (or the end of the file): comments before it stay inside. */
  end: number;
  /** `always`: exactly one blank line between items (declarations); `keep`: at most one, where the user had one. */
  blankLines: "always" | "keep";
  /** Printed after each item, before its trailing comment (`,` in a broken object). */
  separator?: Doc;
  /** With `always`: pairs of items that may stay on adjacent lines (consecutive IMPORTs). */
  together?: (previous: { span: Span }, next: { span: Span }) => boolean;
}

/** What every print function shares: the source text and the comments still to print. */
export class Printer {
  /** Inside a Condition (WHERE or IF), comparisons print `=`; elsewhere `==`. */
  inCondition = false;

  constructor(
    readonly text: string,
    readonly comments: CommentTracker,
  ) {}

  /** The source text of a node, for what must print exactly as written (strings, templates). */
  source(span: Span): string {
    return this.text.slice(span.start.offset, span.end.offset);
  }

  /** The offset just past the first `{` at or after `from`, stepping over spaces and comments. */
  afterOpenBrace(from: number): number {
    let at = from;
    while (at < this.text.length) {
      const rest = this.text.slice(at, at + 2);
      if (rest.startsWith("{")) return at + 1;
      if (rest === "//" || rest === "/*") {
        const comment = this.comments.comments.find((c) => c.start === at);
        if (comment === undefined) return -1;
        at = comment.end;
      } else if (/\s/.test(rest[0] ?? "")) {
        at++;
      } else {
        return -1;
      }
    }
    return -1;
  }

  /**
   * A list of items, one per line, with their comments: the lines to put between brackets
   * (joined by hard lines). Comments hoisted out of an item's inside go on lines just before it.
   */
  items<T extends { span: Span }>(list: readonly T[], print: (item: T) => Doc, options: ItemsOptions): Doc[] {
    const lines: Doc[] = [];
    let previousEnd = -1;
    const blankIf = (wanted: boolean) => {
      if (wanted && lines.length > 0 && lines[lines.length - 1] !== "") lines.push("");
    };
    const keptBlank = (at: number) => previousEnd >= 0 && this.comments.blankLineBetween(previousEnd, at);
    let previous: T | undefined;
    for (const item of list) {
      const start = item.span.start.offset;
      const end = item.span.end.offset;
      const always = options.blankLines === "always" && !(previous !== undefined && options.together?.(previous, item));
      previous = item;
      let first = true;
      for (const comment of this.comments.takeBefore(start)) {
        blankIf(first && always ? true : keptBlank(comment.start));
        lines.push(commentDoc(comment));
        previousEnd = comment.end;
        first = false;
      }
      blankIf(first && always ? true : keptBlank(start));
      const body = print(item);
      for (const comment of this.comments.takeWithin(start, end)) lines.push(commentDoc(comment));
      const trailing = this.comments.takeTrailing(end, options.end);
      lines.push([body, options.separator ?? "", trailingDoc(trailing)]);
      previousEnd = trailing.length > 0 ? trailing[trailing.length - 1].end : end;
    }
    for (const comment of this.comments.takeBefore(options.end)) {
      blankIf(keptBlank(comment.start));
      lines.push(commentDoc(comment));
      previousEnd = comment.end;
    }
    return lines;
  }

  /**
   * `open` items `close`, always one item per line (blocks, entity fields, a broken object).
   * `openEnd` is the offset just after the opening bracket: a comment on that line stays there.
   */
  bracketed<T extends { span: Span }>(
    open: string,
    close: string,
    openEnd: number,
    list: readonly T[],
    print: (item: T) => Doc,
    options: ItemsOptions,
  ): Doc {
    const afterOpen = openEnd >= 0 ? this.comments.takeTrailing(openEnd, options.end) : [];
    const lines = this.items(list, print, options);
    if (lines.length === 0) return afterOpen.length === 0 ? open + close : [open, trailingDoc(afterOpen), hardline, close];
    return [open, trailingDoc(afterOpen), indent([hardline, join(hardline, lines)]), hardline, close];
  }
}
