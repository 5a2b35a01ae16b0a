/** A source file's text, and where it stopped being valid UTF-8 if it did. */
export interface SourceText {
  /** The text; invalid bytes are U+FFFD here, so the rest of the file can still be checked. */
  text: string;
  invalidUtf8?: InvalidUtf8;
}

export interface InvalidUtf8 {
  /** Byte offset in the file of the first byte that is not valid UTF-8. */
  byteOffset: number;
  /** That byte's value. */
  byte: number;
  /** Its offset in `text` (UTF-16 code units), for a span. */
  offset: number;
}

const strict = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
const lenient = new TextDecoder("utf-8", { fatal: false, ignoreBOM: true });

/**
 * Decodes a file's bytes as UTF-8. Node's `readFileSync(path, "utf8")` turns invalid bytes into
 * U+FFFD without a word, so `kova fmt` would write the replacement back over the original bytes;
 * here the first invalid byte is found and reported instead. A BOM is kept in the text, so a
 * valid file's text encodes back to exactly its bytes.
 */
export function decodeSource(bytes: Uint8Array): SourceText {
  try {
    return { text: strict.decode(bytes) };
  } catch {
    const byteOffset = firstInvalidUtf8(bytes);
    const text = lenient.decode(bytes);
    if (byteOffset < 0) return { text };
    const offset = lenient.decode(bytes.subarray(0, byteOffset)).length;
    return { text, invalidUtf8: { byteOffset, byte: bytes[byteOffset], offset } };
  }
}

/** The offset of the first byte that does not belong to a well-formed UTF-8 sequence, or -1. */
export function firstInvalidUtf8(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i];
    if (b < 0x80) {
      i++;
      continue;
    }
    const length = b >= 0xc2 && b <= 0xdf ? 2 : b >= 0xe0 && b <= 0xef ? 3 : b >= 0xf0 && b <= 0xf4 ? 4 : 0;
    if (length === 0 || i + length > bytes.length) return i;
    // The second byte's range rules out overlong forms, surrogates and code points past U+10FFFF.
    const [low, high] = b === 0xe0 ? [0xa0, 0xbf] : b === 0xed ? [0x80, 0x9f] : b === 0xf0 ? [0x90, 0xbf] : b === 0xf4 ? [0x80, 0x8f] : [0x80, 0xbf];
    if (bytes[i + 1] < low || bytes[i + 1] > high) return i;
    for (let k = 2; k < length; k++) if (bytes[i + k] < 0x80 || bytes[i + k] > 0xbf) return i;
    i += length;
  }
  return -1;
}
