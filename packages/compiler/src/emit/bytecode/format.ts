import { BYTECODE_VERSION, type BytecodeFunction, type BytecodeProgram } from "./program.js";

/**
 * The .kbc file (docs/bytecode.md): a header (magic, format version, body length), the body
 * (constants, views, queries, functions, routes), then the trailer — the SHA-256 of header and body
 * (the program's identity), the signing key's id and an Ed25519 signature (written by @kova/vm).
 * This module writes and reads header and body; it never trusts a length it reads.
 */
export const MAGIC = Uint8Array.from([0x4b, 0x4f, 0x56, 0x41, 0x42, 0x43, 0x0d, 0x0a]); // "KOVABC\r\n": a text-mode copy breaks it
export const HEADER_BYTES = 16;
/** SHA-256 (32) + key id (32) + Ed25519 signature (64). */
export const TRAILER_BYTES = 128;

export class BytecodeFormatError extends Error {}

const enum Tag {
  Null = 0,
  False = 1,
  True = 2,
  Number = 3,
  Text = 4,
  Json = 5,
}

class Writer {
  private chunks: Uint8Array[] = [];
  private size = 0;

  u8(n: number): void {
    this.push(Uint8Array.of(n));
  }
  u16(n: number): void {
    const b = new Uint8Array(2);
    new DataView(b.buffer).setUint16(0, n, true);
    this.push(b);
  }
  u32(n: number): void {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setUint32(0, n, true);
    this.push(b);
  }
  f64(n: number): void {
    const b = new Uint8Array(8);
    new DataView(b.buffer).setFloat64(0, n, true);
    this.push(b);
  }
  text(s: string): void {
    const b = new TextEncoder().encode(s);
    this.u32(b.length);
    this.push(b);
  }
  bytes(b: Uint8Array): void {
    this.u32(b.length);
    this.push(b);
  }
  push(b: Uint8Array): void {
    this.chunks.push(b);
    this.size += b.length;
  }
  finish(): Uint8Array {
    const out = new Uint8Array(this.size);
    let at = 0;
    for (const c of this.chunks) {
      out.set(c, at);
      at += c.length;
    }
    return out;
  }
}

class Reader {
  private at: number;
  private readonly view: DataView;
  constructor(private readonly b: Uint8Array, start: number, private readonly end: number) {
    this.at = start;
    this.view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  }
  private need(n: number): void {
    if (this.at + n > this.end) throw new BytecodeFormatError(`the body ends early (at byte ${this.at}, ${n} more needed)`);
  }
  u8(): number {
    this.need(1);
    return this.b[this.at++];
  }
  u32(): number {
    this.need(4);
    const n = this.view.getUint32(this.at, true);
    this.at += 4;
    return n;
  }
  f64(): number {
    this.need(8);
    const n = this.view.getFloat64(this.at, true);
    this.at += 8;
    return n;
  }
  bytes(): Uint8Array {
    const n = this.u32();
    this.need(n);
    const out = this.b.slice(this.at, this.at + n);
    this.at += n;
    return out;
  }
  text(): string {
    try {
      return new TextDecoder("utf-8", { fatal: true }).decode(this.bytes());
    } catch (error) {
      if (error instanceof BytecodeFormatError) throw error;
      throw new BytecodeFormatError("a text in the body is not valid UTF-8");
    }
  }
  count(what: string, max: number): number {
    const n = this.u32();
    if (n > max) throw new BytecodeFormatError(`${n} ${what} is more than the file can hold`);
    return n;
  }
  done(): boolean {
    return this.at === this.end;
  }
}

/** Header and body of a program: what its SHA-256 is taken of. */
export function encodeProgram(program: BytecodeProgram): Uint8Array {
  const body = new Writer();
  body.text(program.app);
  body.u32(program.constants.length);
  for (const c of program.constants) {
    if (c === null) body.u8(Tag.Null);
    else if (c === false) body.u8(Tag.False);
    else if (c === true) body.u8(Tag.True);
    else if (typeof c === "number") {
      body.u8(Tag.Number);
      body.f64(c);
    } else if (typeof c === "string") {
      body.u8(Tag.Text);
      body.text(c);
    } else {
      body.u8(Tag.Json);
      body.text(JSON.stringify(c));
    }
  }
  body.u32(program.views.length);
  for (const v of program.views) {
    body.text(v.name);
    body.u32(v.fields.length);
    for (const f of v.fields) body.text(f);
  }
  body.u32(program.queries.length);
  for (const q of program.queries) {
    body.text(q.id);
    body.text(q.source);
    body.text(JSON.stringify(q.statement));
  }
  body.u32(program.functions.length);
  for (const f of program.functions) {
    body.text(f.name);
    body.u8(f.kind === "route" ? 1 : 0);
    body.u32(f.params);
    body.u32(f.locals);
    body.u32(f.localNames.length);
    for (const n of f.localNames) body.text(n);
    body.bytes(f.code);
  }
  body.u32(program.routes.length);
  for (const r of program.routes) {
    body.text(r.id);
    body.u32(r.fn);
  }
  const bodyBytes = body.finish();
  const out = new Writer();
  out.push(MAGIC);
  out.u16(program.version);
  out.u16(0);
  out.u32(bodyBytes.length);
  out.push(bodyBytes);
  return out.finish();
}

/** The format version a file declares (read before anything else, so a newer file is refused by name). */
export function readHeader(file: Uint8Array): { version: number; bodyBytes: number } {
  if (file.length < HEADER_BYTES) throw new BytecodeFormatError("the file is too short to be Kova bytecode");
  for (let i = 0; i < MAGIC.length; i++) if (file[i] !== MAGIC[i]) throw new BytecodeFormatError("the file is not Kova bytecode (its magic number is wrong)");
  const view = new DataView(file.buffer, file.byteOffset, file.byteLength);
  return { version: view.getUint16(8, true), bodyBytes: view.getUint32(12, true) };
}

/** Reads header + body (the trailer is the loader's). */
export function decodeProgram(signed: Uint8Array): BytecodeProgram {
  const { version, bodyBytes } = readHeader(signed);
  if (version !== BYTECODE_VERSION) throw new BytecodeFormatError(`the file is bytecode format version ${version}; this VM reads version ${BYTECODE_VERSION}`);
  const end = HEADER_BYTES + bodyBytes;
  if (end > signed.length) throw new BytecodeFormatError("the body is shorter than its header says");
  const r = new Reader(signed, HEADER_BYTES, end);
  const limit = bodyBytes;
  const app = r.text();
  const constants: unknown[] = [];
  for (let i = r.count("constants", limit); i > 0; i--) {
    const tag = r.u8();
    if (tag === Tag.Null) constants.push(null);
    else if (tag === Tag.False) constants.push(false);
    else if (tag === Tag.True) constants.push(true);
    else if (tag === Tag.Number) constants.push(r.f64());
    else if (tag === Tag.Text) constants.push(r.text());
    else if (tag === Tag.Json) constants.push(parseJson(r.text(), true));
    else throw new BytecodeFormatError(`unknown constant tag ${tag}`);
  }
  const views = [];
  for (let i = r.count("views", limit); i > 0; i--) {
    const name = r.text();
    const fields: string[] = [];
    for (let j = r.count("view fields", limit); j > 0; j--) fields.push(r.text());
    views.push({ name, fields });
  }
  const queries = [];
  for (let i = r.count("queries", limit); i > 0; i--) queries.push({ id: r.text(), source: r.text(), statement: parseJson(r.text(), false) });
  const functions: BytecodeFunction[] = [];
  for (let i = r.count("functions", limit); i > 0; i--) {
    const name = r.text();
    const kind = r.u8() === 1 ? "route" : "fn";
    const params = r.u32();
    const locals = r.u32();
    const localNames: string[] = [];
    for (let j = r.count("local names", limit); j > 0; j--) localNames.push(r.text());
    functions.push({ name, kind, params, locals, localNames, code: r.bytes() });
  }
  const routes = [];
  for (let i = r.count("routes", limit); i > 0; i--) routes.push({ id: r.text(), fn: r.u32() });
  if (!r.done()) throw new BytecodeFormatError("the body has bytes after its last section");
  return { version, app, constants, functions, routes, queries, views };
}

function parseJson(text: string, bare: boolean): unknown {
  try {
    // Constants the program sees have no prototype to reach through (a "__proto__" key stays data);
    // query statements are the driver's, read as any JSON.
    if (!bare) return JSON.parse(text);
    return JSON.parse(text, (_key, value: unknown) => (value !== null && typeof value === "object" && !Array.isArray(value) ? Object.assign(Object.create(null), value) : value));
  } catch {
    throw new BytecodeFormatError("a JSON constant in the body does not parse");
  }
}
