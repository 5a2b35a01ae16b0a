/**
 * Property test: the front end never throws, whatever it is given, and every diagnostic it
 * reports points inside the text. An editor runs the parser on every keystroke, so a crash on a
 * half-typed file is as bad as a crash on a finished one.
 *
 * Inputs come from a seeded PRNG, so a failure reproduces: the message names the seed and the
 * input. Run with another seed: KOVA_FUZZ_SEED=123 node --test dist/test/fuzz.test.js
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { DiagnosticBag, KEYWORDS, SourceFile, checkText, memoryHost, parse, scan, type Diagnostic } from "../src/index.js";
import { SAMPLES } from "./support/samples.js";

const SEED = Number(process.env.KOVA_FUZZ_SEED ?? 0x6b6f7661);
const TARGET_INPUTS = 20_000;
const TIME_BUDGET_MS = 20_000;

/** mulberry32: a tiny, well-distributed 32-bit PRNG; enough for test inputs. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Random = () => number;
const int = (random: Random, n: number) => Math.floor(random() * n);
const pick = <T>(random: Random, items: readonly T[]): T => items[int(random, items.length)];

// ───────────── input generators ─────────────

const utf8 = new TextDecoder("utf-8", { fatal: false });

/** Random bytes decoded as UTF-8: invalid sequences become U+FFFD, NULs stay. */
function randomBytes(random: Random): string {
  const bytes = new Uint8Array(int(random, 200));
  for (let i = 0; i < bytes.length; i++) bytes[i] = random() < 0.5 ? int(random, 256) : pick(random, [0, 10, 13, 32, 34, 39, 123, 125, 36, 47, 92]);
  return utf8.decode(bytes);
}

/** Random UTF-16 code units, lone surrogate halves included. */
function randomUnits(random: Random): string {
  const units: number[] = [];
  for (let n = int(random, 120); n > 0; n--) {
    const r = random();
    units.push(r < 0.2 ? 0xd800 + int(random, 0x800) : r < 0.3 ? int(random, 32) : r < 0.8 ? 32 + int(random, 95) : int(random, 0x10000));
  }
  return String.fromCharCode(...units);
}

const VOCABULARY = [
  ...KEYWORDS,
  ...KEYWORDS.map((k) => k.toLowerCase()),
  "{", "}", "(", ")", "[", "]", ",", ":", ";", ".", "?", "=", "==", "!=", "<>", "<", "<=", ">", ">=", "&&", "||",
  "!", "??", "+", "-", "*", "/", "%", "...", "//", "/*", "*/",
  "User", "Post", "name", "email", "id", "x", "text", "int", "enum", "string", "env", "true", "false", "null",
  "$id", "$body", "$query", "$headers", "$", "/users", "/users/:id", "/:", "//x", "/a b",
  "0", "42", "1_000", "1.5", "1e3", "1e400", "1__0", "500ms", "10m", "7d", "5x", ".5",
  '"a"', '"{x}"', '"a{b}c"', '"{', '"\\{"', '"\\u{1F600}"', '"\\q"', "'a{b}'", '"', "'", '"{"a{b}"}"', '"{}"',
  "\n", "\n", "\n", "\r\n", "\r", " ", "\t", "\0", "\uFEFF", "\uD800", "é", "😀",
];

/** A soup of the language's own tokens: the inputs most likely to reach deep parser states. */
function tokenSoup(random: Random): string {
  let out = "";
  for (let n = 1 + int(random, 80); n > 0; n--) out += pick(random, VOCABULARY) + (random() < 0.7 ? " " : "");
  return out;
}

/** Token ranges of a text, for token-level mutations. */
function tokenRanges(text: string): Array<[number, number]> {
  return scan(new SourceFile("m", text), new DiagnosticBag())
    .filter((t) => t.kind !== "EOF")
    .map((t) => [t.start, t.end]);
}

const SAMPLE_TEXTS = Object.values(SAMPLES);
const SAMPLE_TOKENS = SAMPLE_TEXTS.map(tokenRanges);

/** A valid program with a few random edits: delete, duplicate or swap tokens or characters. */
function mutateSample(random: Random): string {
  const index = int(random, SAMPLE_TEXTS.length);
  let text = SAMPLE_TEXTS[index];
  const tokens = SAMPLE_TOKENS[index];
  for (let edits = 1 + int(random, 4); edits > 0; edits--) {
    const [s, e] = pick(random, tokens);
    const [s2, e2] = pick(random, tokens);
    if (e > text.length || e2 > text.length) continue; // an earlier edit shortened the text
    const at = int(random, text.length + 1);
    switch (int(random, 7)) {
      case 0: // delete a token
        text = text.slice(0, s) + text.slice(e);
        break;
      case 1: // duplicate a token
        text = text.slice(0, e) + " " + text.slice(s, e) + text.slice(e);
        break;
      case 2: // swap two tokens
        if (e <= s2) text = text.slice(0, s) + text.slice(s2, e2) + text.slice(e, s2) + text.slice(s, e) + text.slice(e2);
        break;
      case 3: // delete a character
        text = text.slice(0, at) + text.slice(at + 1);
        break;
      case 4: // duplicate a character
        text = text.slice(0, at) + text.charAt(at) + text.slice(at);
        break;
      case 5: // insert a vocabulary token
        text = text.slice(0, at) + pick(random, VOCABULARY) + text.slice(at);
        break;
      default: // swap two characters
        text = text.slice(0, at) + text.charAt(at + 1) + text.charAt(at) + text.slice(at + 2);
    }
  }
  return text;
}

/** Every sample cut at every 7th offset: what an editor sees while a file is being typed. */
function* truncations(): Generator<string> {
  for (const text of SAMPLE_TEXTS) for (let at = 0; at <= text.length; at += 7) yield text.slice(0, at);
}

// ───────────── the property ─────────────

function spanProblem(d: Diagnostic, text: string): string | undefined {
  const { start, end } = d.span;
  if (!(start.line >= 1 && start.column >= 1 && end.line >= 1 && end.column >= 1)) return "line/column below 1";
  if (!(0 <= start.offset && start.offset <= end.offset && end.offset <= text.length)) return `offsets ${start.offset}..${end.offset} outside 0..${text.length}`;
  if (!Number.isInteger(start.offset) || !Number.isInteger(end.offset)) return "fractional offset";
  return undefined;
}

const host = memoryHost({ "./users.kova": "ENTITY Imported { x: int }" });

/** Runs the whole front end on one input; returns a failure description or undefined. */
function tryInput(text: string): string | undefined {
  try {
    const parsed = parse(text, "fuzz.kova");
    JSON.stringify(parsed.program); // plain JSON: no cycles, no BigInt
    const checked = checkText(text, "fuzz.kova", host);
    for (const d of [...parsed.diagnostics, ...checked.diagnostics]) {
      const problem = spanProblem(d, text);
      if (problem !== undefined) return `diagnostic ${d.code} "${d.message}" has a bad span: ${problem}`;
    }
    return undefined;
  } catch (error) {
    return `threw: ${error instanceof Error ? error.stack ?? error.message : String(error)}`;
  }
}

test("fuzz: the scanner, parser and checkText never throw and report spans inside the text", (t) => {
  const random = prng(SEED);
  const generators: Array<[string, (r: Random) => string]> = [
    ["random bytes", randomBytes],
    ["random UTF-16", randomUnits],
    ["token soup", tokenSoup],
    ["token soup", tokenSoup],
    ["mutated sample", mutateSample],
    ["mutated sample", mutateSample],
    ["mutated sample", mutateSample],
  ];
  const started = Date.now();
  const counts = new Map<string, number>();
  let tried = 0;
  const attempt = (label: string, text: string) => {
    const failure = tryInput(text);
    tried++;
    counts.set(label, (counts.get(label) ?? 0) + 1);
    if (failure !== undefined) {
      assert.fail(`fuzz failure (seed ${SEED}, input #${tried}, ${label}): ${failure}\ninput: ${JSON.stringify(text)}`);
    }
  };
  for (const text of truncations()) attempt("truncated sample", text);
  while (tried < TARGET_INPUTS && Date.now() - started < TIME_BUDGET_MS) {
    const [label, generate] = pick(random, generators);
    attempt(label, generate(random));
  }
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  t.diagnostic(`seed ${SEED}: ${tried} inputs in ${seconds} s (${[...counts].map(([k, v]) => `${v} ${k}`).join(", ")})`);
  assert.ok(tried >= 2_000, `only ${tried} inputs fit in the time budget`);
});

test("fuzz: pathological shapes (deep nesting, huge lines, many errors) finish without throwing", () => {
  const inputs = [
    "{".repeat(100_000),
    "(".repeat(100_000),
    `GET /a { x = ${"[".repeat(50_000)} }`,
    `GET /a { x = ${"-".repeat(50_000)}1 }`,
    `GET /a { x = ${"NOT ".repeat(50_000)}a }`,
    `GET /a { x = "${"{".repeat(10_000)}" }`,
    `GET /a { ${"IF a { ".repeat(10_000)} }`,
    "@".repeat(100_000),
    "\0".repeat(10_000),
    "ENTITY A {\n".repeat(5_000),
    '"'.repeat(10_001),
  ];
  for (const text of inputs) {
    const failure = tryInput(text);
    assert.equal(failure, undefined, `${failure}\ninput starts: ${JSON.stringify(text.slice(0, 60))}`);
  }
});

test(
  "fuzz: a very long operator or member chain is cut off (KV1107) rather than built into a tree too deep to print",
  () => {
    for (const text of [`GET /a { x = 1${" + 1".repeat(10_000)} }`, `GET /a { x = a${".b".repeat(10_000)} }`, `GET /a { x = a${" OR a".repeat(10_000)} }`]) {
      const failure = tryInput(text);
      assert.equal(failure, undefined, `${failure?.split("\n")[0]}\ninput starts: ${JSON.stringify(text.slice(0, 60))}`);
    }
  },
);
