/**
 * Compression settings: `"compression"` in kova.config.json (or ServerOptions.compression).
 * `true` turns response compression on with the defaults below; an object sets them; `false` or
 * absent leaves responses as they are. Gzip request bodies are accepted either way (see request.ts).
 */
export type Encoding = "br" | "gzip";

export interface CompressionConfig {
  /** Smallest response body (bytes) worth compressing; below it the framing costs more than it saves. Default 1024. */
  threshold?: number;
  /** The encodings offered, in the server's order of preference. Default ["br", "gzip"]. */
  encodings?: Encoding[];
  /** Brotli quality 0–11. Default 4: dynamic responses are compressed per request, and 11 is ~20x slower. */
  brotliQuality?: number;
  /** Gzip level 1–9. Default 6 (zlib's own default). */
  gzipLevel?: number;
}

export interface CompressionOptions {
  readonly threshold: number;
  readonly encodings: readonly Encoding[];
  readonly brotliQuality: number;
  readonly gzipLevel: number;
}

const ENCODINGS: readonly Encoding[] = ["br", "gzip"];

export function compressionOptions(config: CompressionConfig = {}): CompressionOptions {
  return {
    threshold: config.threshold ?? 1024,
    encodings: config.encodings ?? ENCODINGS,
    brotliQuality: config.brotliQuality ?? 4,
    gzipLevel: config.gzipLevel ?? 6,
  };
}

/** Checks kova.config.json's "compression"; returns an error message naming the setting, or the value. */
export function parseCompressionConfig(value: unknown, where: string): boolean | CompressionConfig | string {
  if (typeof value === "boolean") return value;
  if (typeof value !== "object" || value === null || Array.isArray(value)) return `${where} must be true, false or an object of settings`;
  const known = ["threshold", "encodings", "brotliQuality", "gzipLevel"];
  for (const [key, v] of Object.entries(value)) {
    if (!known.includes(key)) return `${where}: unknown setting "${key}"; known: ${known.join(", ")}`;
    if (key === "encodings") {
      if (!Array.isArray(v) || v.length === 0 || !v.every((e) => ENCODINGS.includes(e as Encoding)) || new Set(v).size !== v.length) {
        return `${where}.encodings must be a non-empty list of "br" and/or "gzip"`;
      }
      continue;
    }
    const [min, max] = key === "threshold" ? [0, Number.MAX_SAFE_INTEGER] : key === "brotliQuality" ? [0, 11] : [1, 9];
    if (!Number.isInteger(v) || (v as number) < min || (v as number) > max) return `${where}.${key} must be a whole number from ${min} to ${max}`;
  }
  return value as CompressionConfig;
}
