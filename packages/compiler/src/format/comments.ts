import type { Comment } from "../scanner/scanner.js";
import { breakParent, type Doc } from "./doc.js";

/**
 * The comments of one file and which of them have been printed. The printer hands each comment
 * out exactly once: as a leading comment (own line, before the next item), a trailing one (end of
 * the item's line), one left at the end of a block, or — when it sat somewhere inside an
 * expression that has no place for it — hoisted to its own line before the enclosing item.
 */
export class CommentTracker {
  private readonly used: boolean[];
  /** Every comment before this index is used; a cheap start for the scans below. */
  private firstUnused = 0;

  constructor(
    readonly comments: readonly Comment[],
    readonly text: string,
  ) {
    this.used = comments.map(() => false);
  }

  /** Unused comments that end at or before `offset`, in order; they are marked used. */
  takeBefore(offset: number): Comment[] {
    return this.take((c) => c.end <= offset);
  }

  /** Unused comments lying within [start, end). */
  takeWithin(start: number, end: number): Comment[] {
    return this.take((c) => c.start >= start && c.end <= end);
  }

  hasWithin(start: number, end: number): boolean {
    for (let i = this.firstUnused; i < this.comments.length; i++) {
      const c = this.comments[i];
      if (c.start >= end) break;
      if (!this.used[i] && c.start >= start) return true;
    }
    return false;
  }

  /**
   * Unused comments after `offset` on the same line (nothing but spaces, `,` or `;` between), and
   * ending before `limit`: they trail the item that ends at `offset`.
   */
  takeTrailing(offset: number, limit: number): Comment[] {
    const taken: Comment[] = [];
    let from = offset;
    for (let i = this.firstUnused; i < this.comments.length; i++) {
      const c = this.comments[i];
      if (c.start < from) continue;
      if (this.used[i]) continue;
      if (c.end > limit || !/^[ \t,;]*$/.test(this.text.slice(from, c.start))) break;
      this.used[i] = true;
      taken.push(c);
      from = c.end;
      if (c.text.startsWith("//")) break;
    }
    this.advance();
    return taken;
  }

  /** Fails loudly if any comment was never printed (the caller turns this into an internal error). */
  unused(): Comment[] {
    return this.comments.filter((_, i) => !this.used[i]);
  }

  /** True when the source has a blank line between two offsets. */
  blankLineBetween(from: number, to: number): boolean {
    if (to <= from) return false;
    return /\r?\n[ \t\f\v]*\r?\n|\r[ \t\f\v]*\r/.test(this.text.slice(from, to));
  }

  private take(test: (c: Comment) => boolean): Comment[] {
    const taken: Comment[] = [];
    for (let i = this.firstUnused; i < this.comments.length; i++) {
      if (!this.used[i] && test(this.comments[i])) {
        this.used[i] = true;
        taken.push(this.comments[i]);
      }
    }
    this.advance();
    return taken;
  }

  private advance(): void {
    while (this.firstUnused < this.comments.length && this.used[this.firstUnused]) this.firstUnused++;
  }
}

/** A comment as printed: a line comment loses trailing spaces and ends the line. */
export function commentDoc(comment: Comment): Doc {
  if (comment.text.startsWith("//")) return [comment.text.trimEnd(), breakParent];
  return comment.text;
}

/** Trailing comments, each after a space. */
export function trailingDoc(comments: readonly Comment[]): Doc {
  return comments.map((c) => [" ", commentDoc(c)]);
}
