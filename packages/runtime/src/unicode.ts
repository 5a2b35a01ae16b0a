/**
 * Request bodies must be exactly what gets stored: UTF-8 that decodes without replacement, and
 * JSON strings that are well-formed Unicode (no lone surrogate from a `\ud800` escape). Both checks
 * are cheap on the hot path: `isUtf8` is a vectorised scan, and the surrogate walk only runs when
 * the text contains a `\u` escape for a surrogate at all.
 */
import { isUtf8 } from "node:buffer";
import type { ValidationIssue } from "./app.js";

/** The byte offset of the first byte that is not part of valid UTF-8 (rare path: after isUtf8 failed). */
export function firstInvalidUtf8Byte(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i];
    const length = b < 0x80 ? 1 : b >= 0xc2 && b <= 0xdf ? 2 : b >= 0xe0 && b <= 0xef ? 3 : b >= 0xf0 && b <= 0xf4 ? 4 : 0;
    if (length === 0 || i + length > bytes.length) return i;
    for (let k = 1; k < length; k++) if ((bytes[i + k] & 0xc0) !== 0x80) return i;
    const b1 = bytes[i + 1];
    // Overlong forms, UTF-16 surrogates (ED A0..BF) and code points past U+10FFFF.
    if ((b === 0xe0 && b1 < 0xa0) || (b === 0xed && b1 >= 0xa0) || (b === 0xf0 && b1 < 0x90) || (b === 0xf4 && b1 >= 0x90)) return i;
    i += length;
  }
  return -1;
}

export function isValidUtf8(bytes: Uint8Array): boolean {
  return isUtf8(bytes);
}

// A \u escape for a UTF-16 surrogate (D800–DFFF); only such text can parse to a lone surrogate.
const SURROGATE_ESCAPE = /\\u[dD][89a-fA-F][0-9a-fA-F]{2}/;

/**
 * The first string (value or key) in parsed JSON that holds a lone surrogate, as a body issue, or
 * undefined. `text` is the JSON it was parsed from: without a surrogate escape nothing is walked.
 */
export function loneSurrogateIssue(text: string, value: unknown): ValidationIssue | undefined {
  if (!text.includes("\\u") || !SURROGATE_ESCAPE.test(text)) return undefined;
  const field = findLoneSurrogate(value, "");
  if (field === undefined) return undefined;
  return { field, message: "is not valid Unicode: it holds a lone surrogate (an unpaired \\ud800–\\udfff escape)" };
}

// With the u flag a surrogate pair is one code point, so this only matches an unpaired half.
const LONE_SURROGATE = /[\uD800-\uDFFF]/u;
const LONE_SURROGATES = /[\uD800-\uDFFF]/gu;

/** The key with each lone surrogate written as its escape, so the problem names it readably. */
function visible(key: string): string {
  return key.replace(LONE_SURROGATES, (c) => `\\u${c.charCodeAt(0).toString(16)}`);
}

function findLoneSurrogate(value: unknown, path: string): string | undefined {
  if (typeof value === "string") return LONE_SURROGATE.test(value) ? path : undefined;
  if (typeof value !== "object" || value === null) return undefined;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = findLoneSurrogate(value[i], `${path}[${i}]`);
      if (found !== undefined) return found;
    }
    return undefined;
  }
  for (const key of Object.keys(value)) {
    const at = path === "" ? key : `${path}.${key}`;
    // A bad key is named by where it sits, with the bad character made visible.
    if (LONE_SURROGATE.test(key)) return path === "" ? visible(key) : `${path}.${visible(key)}`;
    const found = findLoneSurrogate((value as Record<string, unknown>)[key], at);
    if (found !== undefined) return found;
  }
  return undefined;
}
