/**
 * A small pretty-printing document algebra (after Wadler's "prettier printer", as Prettier uses it):
 * the printer describes *where* a line may break, and the layout below decides *whether* it
 * breaks, by trying each group flat and breaking it only when it does not fit the width.
 */

export type Doc = string | Doc[] | IndentDoc | LineDoc | GroupDoc | IfBreakDoc | BreakParentDoc;

interface IndentDoc {
  kind: "indent";
  contents: Doc;
}
interface LineDoc {
  kind: "line";
  /** A hard line always breaks; a soft one is nothing when flat, a plain one a space. */
  mode: "plain" | "soft" | "hard";
}
interface GroupDoc {
  kind: "group";
  contents: Doc;
  /** Set when the group holds a hard line (or is forced): it can never be flat. */
  broken: boolean;
  /**
   * Fit the whole rest of the line, not just up to the next place a later group could break:
   * a long query breaks into clauses before an object after it is spread over lines.
   */
  wholeLine: boolean;
}
interface IfBreakDoc {
  kind: "ifBreak";
  broken: Doc;
  flat: Doc;
}
interface BreakParentDoc {
  kind: "breakParent";
}

export const line: Doc = { kind: "line", mode: "plain" };
export const softline: Doc = { kind: "line", mode: "soft" };
export const hardline: Doc = { kind: "line", mode: "hard" };
/** Forces every enclosing group to break (after a `//` comment nothing may follow on the line). */
export const breakParent: Doc = { kind: "breakParent" };

export function indent(contents: Doc): Doc {
  return { kind: "indent", contents };
}

export function group(contents: Doc, broken = false, wholeLine = false): Doc {
  return { kind: "group", contents, broken, wholeLine };
}

export function ifBreak(broken: Doc, flat: Doc): Doc {
  return { kind: "ifBreak", broken, flat };
}

export function join(separator: Doc, docs: readonly Doc[]): Doc[] {
  const out: Doc[] = [];
  docs.forEach((doc, i) => {
    if (i > 0) out.push(separator);
    out.push(doc);
  });
  return out;
}

/** Marks every group that contains a hard line or breakParent as broken; returns whether `doc` does. */
function propagateBreaks(doc: Doc): boolean {
  if (typeof doc === "string") return doc.includes("\n");
  if (Array.isArray(doc)) {
    let found = false;
    for (const part of doc) if (propagateBreaks(part)) found = true;
    return found;
  }
  switch (doc.kind) {
    case "indent":
      return propagateBreaks(doc.contents);
    case "line":
      return doc.mode === "hard";
    case "breakParent":
      return true;
    case "group":
      if (propagateBreaks(doc.contents)) doc.broken = true;
      return doc.broken;
    case "ifBreak":
      return propagateBreaks(doc.broken) || propagateBreaks(doc.flat);
  }
}

type Mode = "flat" | "break";
interface Command {
  indent: number;
  mode: Mode;
  doc: Doc;
}

/** Lays `doc` out in `width` columns. Trailing spaces are never left at the end of a line. */
export function layout(doc: Doc, width: number): string {
  propagateBreaks(doc);
  const out: string[] = [];
  let column = 0;
  const stack: Command[] = [{ indent: 0, mode: "break", doc }];
  const newline = (indentation: number) => {
    // Only whole pieces are trimmed, so the inside of a multi-line block comment is never touched.
    while (out.length > 0 && /^[ ]*$/.test(out[out.length - 1])) out.pop();
    if (out.length > 0 && !out[out.length - 1].includes("\n")) out[out.length - 1] = out[out.length - 1].replace(/[ ]+$/, "");
    out.push("\n", " ".repeat(indentation));
    column = indentation;
  };
  while (stack.length > 0) {
    const { indent: ind, mode, doc: d } = stack.pop()!;
    if (typeof d === "string") {
      out.push(d);
      const lastBreak = d.lastIndexOf("\n");
      column = lastBreak === -1 ? column + d.length : d.length - lastBreak - 1;
      continue;
    }
    if (Array.isArray(d)) {
      for (let i = d.length - 1; i >= 0; i--) stack.push({ indent: ind, mode, doc: d[i] });
      continue;
    }
    switch (d.kind) {
      case "indent":
        stack.push({ indent: ind + 2, mode, doc: d.contents });
        break;
      case "line":
        if (mode === "flat" && d.mode !== "hard") {
          if (d.mode === "plain") {
            out.push(" ");
            column++;
          }
        } else {
          newline(ind);
        }
        break;
      case "group": {
        const flat: Command = { indent: ind, mode: "flat", doc: d.contents };
        if (!d.broken && (mode === "flat" || fits(flat, stack, width - column, d.wholeLine))) stack.push(flat);
        else stack.push({ indent: ind, mode: "break", doc: d.contents });
        break;
      }
      case "ifBreak":
        stack.push({ indent: ind, mode, doc: mode === "break" ? d.broken : d.flat });
        break;
      case "breakParent":
        break;
    }
  }
  return out.join("");
}

/** Does `next`, laid out flat, plus what follows it up to the next possible line break, fit in `room`? */
function fits(next: Command, rest: readonly Command[], room: number, wholeLine: boolean): boolean {
  const pending: Command[] = [next];
  let restIndex = rest.length;
  while (room >= 0) {
    if (pending.length === 0) {
      if (restIndex === 0) return true;
      const following = rest[--restIndex];
      pending.push(wholeLine ? { ...following, mode: "flat" } : following);
      continue;
    }
    const { mode, doc } = pending.pop()!;
    if (typeof doc === "string") {
      if (doc.includes("\n")) return true;
      room -= doc.length;
      continue;
    }
    if (Array.isArray(doc)) {
      for (let i = doc.length - 1; i >= 0; i--) pending.push({ indent: 0, mode, doc: doc[i] });
      continue;
    }
    switch (doc.kind) {
      case "indent":
        pending.push({ indent: 0, mode, doc: doc.contents });
        break;
      case "line":
        if (mode === "break" || doc.mode === "hard") return true;
        if (doc.mode === "plain") room--;
        break;
      case "group":
        pending.push({ indent: 0, mode: doc.broken ? "break" : mode, doc: doc.contents });
        break;
      case "ifBreak":
        pending.push({ indent: 0, mode, doc: mode === "break" ? doc.broken : doc.flat });
        break;
      case "breakParent":
        break;
    }
  }
  return false;
}
