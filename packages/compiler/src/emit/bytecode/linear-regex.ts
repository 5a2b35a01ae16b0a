/**
 * A regular-expression engine without backtracking, for programs on the VM tier: the pattern is
 * parsed (JavaScript syntax, Unicode mode) into a Thompson NFA and run as a Pike VM — every
 * position of the text is visited once with at most one thread per NFA state, so matching takes
 * O(text × pattern) time whatever the pattern (no catastrophic backtracking). What needs
 * backtracking (backreferences, lookaround) is refused with a reason. (`re2` would need a native
 * build that this machine cannot fetch: see docs/bytecode.md.)
 */

type Node =
  | { t: "char"; test: (cp: number) => boolean }
  | { t: "seq"; items: Node[] }
  | { t: "alt"; options: Node[] }
  | { t: "repeat"; node: Node; min: number; max: number }
  | { t: "assert"; kind: "start" | "end" | "word" | "nonword" };

/** Larger counted repeats would make the NFA big; a pattern with one is refused. */
const MAX_REPEAT = 1000;
const MAX_STATES = 20000;

export class RegexRefusal extends Error {}

/** Why the pattern cannot run on the linear engine, or null when it can. */
export function regexRefusal(pattern: string): string | null {
  try {
    compileRegex(pattern);
    return null;
  } catch (error) {
    if (error instanceof RegexRefusal) return error.message;
    throw error;
  }
}

type State = { t: "char"; test: (cp: number) => boolean; next: number } | { t: "split"; a: number; b: number } | { t: "assert"; kind: "start" | "end" | "word" | "nonword"; next: number } | { t: "match" };

export class LinearRegex {
  constructor(private readonly states: State[], private readonly start: number) {}

  get size(): number {
    return this.states.length;
  }

  /**
   * Does the text contain a match? `step` is called once per character with the number of threads
   * alive (the caller charges fuel for them and may stop the search).
   */
  test(text: string, step?: (threads: number) => void): boolean {
    const cps = Array.from(text, (c) => c.codePointAt(0)!);
    const n = this.states.length;
    let current: number[] = [];
    let next: number[] = [];
    const mark = new Int32Array(n).fill(-1);
    let generation = 0;
    const add = (list: number[], s: number, pos: number): boolean => {
      // Iterative closure over splits and assertions; true when the match state is reached.
      const stack = [s];
      while (stack.length > 0) {
        const i = stack.pop()!;
        if (mark[i] === generation) continue;
        mark[i] = generation;
        const st = this.states[i];
        if (st.t === "match") return true;
        if (st.t === "split") {
          stack.push(st.b, st.a);
        } else if (st.t === "assert") {
          if (holds(st.kind, cps, pos)) stack.push(st.next);
        } else list.push(i);
      }
      return false;
    };
    for (let pos = 0; pos <= cps.length; pos++) {
      generation++;
      // Re-mark the threads carried over, then start a new thread here (an unanchored search).
      const carried = current;
      current = [];
      for (const s of carried) {
        if (mark[s] !== generation) {
          mark[s] = generation;
          current.push(s);
        }
      }
      if (add(current, this.start, pos)) return true;
      if (pos === cps.length) break;
      step?.(current.length);
      next = [];
      generation++;
      const cp = cps[pos];
      for (const s of current) {
        const st = this.states[s] as { t: "char"; test: (cp: number) => boolean; next: number };
        if (st.test(cp) && add(next, st.next, pos + 1)) return true;
      }
      current = next;
    }
    return false;
  }
}

function isWord(cp: number | undefined): boolean {
  return cp !== undefined && ((cp >= 48 && cp <= 57) || (cp >= 65 && cp <= 90) || (cp >= 97 && cp <= 122) || cp === 95);
}

function holds(kind: "start" | "end" | "word" | "nonword", cps: number[], pos: number): boolean {
  if (kind === "start") return pos === 0;
  if (kind === "end") return pos === cps.length;
  const boundary = isWord(cps[pos - 1]) !== isWord(cps[pos]);
  return kind === "word" ? boundary : !boundary;
}

export function compileRegex(pattern: string): LinearRegex {
  const ast = new Parser(pattern).parse();
  const states: State[] = [];
  const emit = (s: State) => (states.push(s), states.length - 1);
  // Builds the NFA back to front: each node gets the state to continue at.
  const build = (node: Node, next: number): number => {
    if (states.length > MAX_STATES) throw new RegexRefusal("is too large");
    switch (node.t) {
      case "char": return emit({ t: "char", test: node.test, next });
      case "assert": return emit({ t: "assert", kind: node.kind, next });
      case "seq": {
        let at = next;
        for (let i = node.items.length - 1; i >= 0; i--) at = build(node.items[i], at);
        return at;
      }
      case "alt": {
        const starts = node.options.map((o) => build(o, next));
        let at = starts[starts.length - 1];
        for (let i = starts.length - 2; i >= 0; i--) at = emit({ t: "split", a: starts[i], b: at });
        return at;
      }
      case "repeat": {
        let at = next;
        if (node.max === Infinity) {
          // A loop: split → (body → split) | next.
          const loop = emit({ t: "split", a: -1, b: next });
          const body = build(node.node, loop);
          (states[loop] as { a: number }).a = body;
          at = loop;
        } else {
          for (let i = node.max; i > node.min; i--) {
            const body = build(node.node, at);
            at = emit({ t: "split", a: body, b: next });
            next = at;
          }
        }
        for (let i = 0; i < node.min; i++) at = build(node.node, at);
        return at;
      }
    }
  };
  const match = emit({ t: "match" });
  const start = build(ast, match);
  return new LinearRegex(states, start);
}

const DIGIT = (c: number) => c >= 48 && c <= 57;
const SPACE = (c: number) => c === 32 || (c >= 9 && c <= 13) || c === 0xa0 || c === 0x1680 || (c >= 0x2000 && c <= 0x200a) || c === 0x2028 || c === 0x2029 || c === 0x202f || c === 0x205f || c === 0x3000 || c === 0xfeff;

class Parser {
  private i = 0;
  private readonly cps: number[];

  constructor(private readonly source: string) {
    this.cps = Array.from(source, (c) => c.codePointAt(0)!);
  }

  parse(): Node {
    const node = this.alternation();
    if (this.i < this.cps.length) throw new RegexRefusal(`has an unmatched ')' at ${this.i}`);
    return node;
  }

  private peek(): number | undefined {
    return this.cps[this.i];
  }

  private alternation(): Node {
    const options = [this.sequence()];
    while (this.peek() === 0x7c /* | */) {
      this.i++;
      options.push(this.sequence());
    }
    return options.length === 1 ? options[0] : { t: "alt", options };
  }

  private sequence(): Node {
    const items: Node[] = [];
    while (this.i < this.cps.length && this.peek() !== 0x7c && this.peek() !== 0x29) items.push(this.quantified());
    return { t: "seq", items };
  }

  private quantified(): Node {
    const atom = this.atom();
    const c = this.peek();
    let min = -1;
    let max = -1;
    if (c === 0x2a) [min, max] = [0, Infinity];
    else if (c === 0x2b) [min, max] = [1, Infinity];
    else if (c === 0x3f) [min, max] = [0, 1];
    else if (c === 0x7b) {
      const m = /^\{(\d+)(,(\d*))?\}/.exec(this.source.slice(this.offset()));
      if (m === null) throw new RegexRefusal("has a lone '{'");
      min = Number(m[1]);
      max = m[2] === undefined ? min : m[3] === "" ? Infinity : Number(m[3]);
      if (min > MAX_REPEAT || (max !== Infinity && max > MAX_REPEAT)) throw new RegexRefusal(`repeats more than ${MAX_REPEAT} times`);
      if (max < min) throw new RegexRefusal("has a repeat whose numbers are out of order");
      this.i += m[0].length - 1;
    }
    if (min === -1) return atom;
    if (atom.t === "assert") throw new RegexRefusal("repeats an anchor");
    this.i++;
    if (this.peek() === 0x3f) this.i++; // lazy: the same set of matches for a yes/no test
    return { t: "repeat", node: atom, min, max };
  }

  /** The source offset (in UTF-16 units) of the current code point. */
  private offset(): number {
    return String.fromCodePoint(...this.cps.slice(0, this.i)).length;
  }

  private atom(): Node {
    const c = this.cps[this.i++];
    switch (c) {
      case 0x28: { // (
        if (this.peek() === 0x3f /* ? */) {
          const rest = this.source.slice(this.offset());
          if (rest.startsWith("?:")) this.i += 2;
          else if (/^\?<[A-Za-z_$][\w$]*>/.test(rest)) this.i += /^\?<[A-Za-z_$][\w$]*>/.exec(rest)![0].length;
          else if (/^\?(=|!|<=|<!)/.test(rest)) throw new RegexRefusal("uses lookaround (?=, ?!, ?<=, ?<!)");
          else throw new RegexRefusal("has an unknown group");
        }
        const inner = this.alternation();
        if (this.cps[this.i++] !== 0x29) throw new RegexRefusal("has an unclosed '('");
        return inner;
      }
      case 0x5b: return this.charClass();
      case 0x2e: return { t: "char", test: (cp) => cp !== 10 && cp !== 13 && cp !== 0x2028 && cp !== 0x2029 };
      case 0x5e: return { t: "assert", kind: "start" };
      case 0x24: return { t: "assert", kind: "end" };
      case 0x5c: return this.escape(false);
      case 0x2a: case 0x2b: case 0x3f: throw new RegexRefusal("has nothing to repeat");
      case 0x29: throw new RegexRefusal("has an unmatched ')'");
      case undefined: throw new RegexRefusal("ends too early");
      default: return { t: "char", test: (cp) => cp === c };
    }
  }

  private escape(inClass: boolean): Node & { t: "char" } | Node {
    const c = this.cps[this.i++];
    if (c === undefined) throw new RegexRefusal("ends with '\\'");
    const ch = String.fromCodePoint(c);
    if (/[1-9]/.test(ch) || (ch === "k" && !inClass)) throw new RegexRefusal("uses a backreference");
    if (ch === "b" && !inClass) return { t: "assert", kind: "word" };
    if (ch === "B" && !inClass) return { t: "assert", kind: "nonword" };
    const classes: Record<string, (cp: number) => boolean> = {
      d: DIGIT, D: (cp) => !DIGIT(cp), w: isWord, W: (cp) => !isWord(cp), s: SPACE, S: (cp) => !SPACE(cp),
    };
    if (classes[ch]) return { t: "char", test: classes[ch] };
    const simple: Record<string, number> = { n: 10, r: 13, t: 9, v: 11, f: 12, "0": 0 };
    if (ch in simple) return literal(simple[ch]);
    if (ch === "b") return literal(8);
    if (ch === "u" || ch === "x") {
      const rest = this.source.slice(this.offset());
      const m = ch === "u" ? /^(\{([0-9a-fA-F]{1,6})\}|[0-9a-fA-F]{4})/.exec(rest) : /^[0-9a-fA-F]{2}/.exec(rest);
      if (m === null) throw new RegexRefusal(`has a bad \\${ch} escape`);
      this.i += m[0].length;
      return literal(parseInt(m[2] ?? m[0], 16));
    }
    if (ch === "p" || ch === "P") {
      const m = /^\{([^}]+)\}/.exec(this.source.slice(this.offset()));
      if (m === null) throw new RegexRefusal("has a bad \\p escape");
      this.i += m[0].length;
      let re: RegExp;
      try {
        re = new RegExp(`^\\${ch}{${m[1]}}$`, "u");
      } catch {
        throw new RegexRefusal(`names an unknown Unicode property ${m[1]}`);
      }
      // One code point against a fixed class: constant time, no backtracking.
      return { t: "char", test: (cp) => re.test(String.fromCodePoint(cp)) };
    }
    if (/[\^$\\.*+?()[\]{}|/\-]/.test(ch)) return literal(c);
    throw new RegexRefusal(`has an unknown escape \\${ch}`);
  }

  private charClass(): Node {
    let negated = false;
    if (this.peek() === 0x5e) {
      negated = true;
      this.i++;
    }
    const tests: Array<(cp: number) => boolean> = [];
    let first = true;
    while (this.peek() !== 0x5d || (first && false)) {
      first = false;
      if (this.i >= this.cps.length) throw new RegexRefusal("has an unclosed '['");
      const low = this.classAtom();
      if (this.peek() === 0x2d && this.cps[this.i + 1] !== 0x5d && this.cps[this.i + 1] !== undefined && typeof low === "number") {
        this.i++;
        const high = this.classAtom();
        if (typeof high !== "number" || high < low) throw new RegexRefusal("has a bad range in a class");
        tests.push((cp) => cp >= low && cp <= high);
      } else tests.push(typeof low === "number" ? (cp) => cp === low : low);
    }
    this.i++;
    return { t: "char", test: (cp) => tests.some((t) => t(cp)) !== negated };
  }

  private classAtom(): number | ((cp: number) => boolean) {
    const c = this.cps[this.i++];
    if (c !== 0x5c) return c;
    const node = this.escape(true);
    if (node.t !== "char") throw new RegexRefusal("has an anchor inside a class");
    const probe = (node as { test: (cp: number) => boolean }).test;
    const single = (node as { literal?: number }).literal;
    return single !== undefined ? single : probe;
  }
}

function literal(cp: number): Node {
  const node = { t: "char" as const, test: (c: number) => c === cp, literal: cp };
  return node;
}
