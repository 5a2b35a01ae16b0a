/**
 * Locates the first syntax error in text that JSON.parse rejected. V8's messages only sometimes
 * carry a position (and sometimes quote the input instead), so on that rare path the text is
 * scanned again to tell the client exactly where the body is broken.
 */

export interface JsonSyntaxError {
  /** Zero-based character offset. */
  position: number;
  line: number;
  column: number;
  message: string;
}

class Stop {
  constructor(readonly position: number, readonly message: string) {}
}

export function locateJsonError(text: string): JsonSyntaxError {
  let stop: Stop;
  try {
    const scanner = new Scanner(text);
    scanner.document();
    stop = new Stop(0, "invalid JSON");
  } catch (error) {
    // A RangeError means nesting too deep to rescan; report the start rather than nothing.
    stop = error instanceof Stop ? error : new Stop(0, "JSON nested too deeply");
  }
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < stop.position && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return { position: stop.position, line, column: stop.position - lineStart + 1, message: stop.message };
}

class Scanner {
  private i = 0;
  constructor(private readonly s: string) {}

  document(): void {
    this.ws();
    this.value();
    this.ws();
    if (this.i < this.s.length) this.fail(`unexpected ${this.describe()} after the JSON value`);
  }

  private value(): void {
    const c = this.s[this.i];
    if (c === "{") return this.object();
    if (c === "[") return this.array();
    if (c === '"') return this.string();
    if (c === "-" || (c !== undefined && c >= "0" && c <= "9")) return this.number();
    for (const word of ["true", "false", "null"]) {
      if (this.s.startsWith(word, this.i)) {
        this.i += word.length;
        return;
      }
    }
    this.fail(`unexpected ${this.describe()}, expected a value`);
  }

  private object(): void {
    this.i++;
    this.ws();
    if (this.s[this.i] === "}") {
      this.i++;
      return;
    }
    for (;;) {
      if (this.s[this.i] !== '"') this.fail(`unexpected ${this.describe()}, expected a double-quoted property name`);
      this.string();
      this.ws();
      if (this.s[this.i] !== ":") this.fail(`unexpected ${this.describe()}, expected ':'`);
      this.i++;
      this.ws();
      this.value();
      this.ws();
      const c = this.s[this.i];
      if (c === "}") {
        this.i++;
        return;
      }
      if (c !== ",") this.fail(`unexpected ${this.describe()}, expected ',' or '}'`);
      this.i++;
      this.ws();
    }
  }

  private array(): void {
    this.i++;
    this.ws();
    if (this.s[this.i] === "]") {
      this.i++;
      return;
    }
    for (;;) {
      this.value();
      this.ws();
      const c = this.s[this.i];
      if (c === "]") {
        this.i++;
        return;
      }
      if (c !== ",") this.fail(`unexpected ${this.describe()}, expected ',' or ']'`);
      this.i++;
      this.ws();
    }
  }

  private string(): void {
    this.i++;
    for (;;) {
      const code = this.s.charCodeAt(this.i);
      if (Number.isNaN(code)) this.fail("unterminated string");
      if (code === 34) {
        this.i++;
        return;
      }
      if (code < 0x20) this.fail("control character in string (escape it)");
      if (code === 92) {
        const e = this.s[this.i + 1];
        if (e === "u") {
          if (!/^[0-9a-fA-F]{4}$/.test(this.s.slice(this.i + 2, this.i + 6))) this.fail("invalid \\u escape");
          this.i += 6;
          continue;
        }
        if (e === undefined || !'"\\/bfnrt'.includes(e)) this.fail("invalid escape in string");
        this.i += 2;
        continue;
      }
      this.i++;
    }
  }

  private number(): void {
    const match = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(this.s.slice(this.i, this.i + 400));
    if (match === null) this.fail("invalid number");
    this.i += match[0].length;
  }

  private ws(): void {
    for (;;) {
      const c = this.s.charCodeAt(this.i);
      if (c === 32 || c === 9 || c === 10 || c === 13) this.i++;
      else return;
    }
  }

  private describe(): string {
    if (this.i >= this.s.length) return "end of input";
    return `'${this.s[this.i]}'`;
  }

  private fail(message: string): never {
    throw new Stop(this.i, message);
  }
}
