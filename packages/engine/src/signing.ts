/**
 * The second signature of a stored program. The bytecode carries its own (docs/bytecode.md); the
 * runtime's pipeline module for it (routes, typed inputs, validators: compiler output, never the
 * tenant's JavaScript) is bound to that bytecode by an Ed25519 signature over
 * `"kova-pipeline-v1\0"`, the bytecode's hash and the module's SHA-256. A node loading a program
 * from PostgreSQL or Redis checks both before it imports or runs anything, so a row altered in the
 * database is refused rather than executed.
 */
import { createHash, sign, verify, type KeyObject } from "node:crypto";
import type { SigningKey } from "@kova/vm";

function signedBytes(hash: string, pipeline: string): Buffer {
  const digest = createHash("sha256").update(pipeline).digest();
  return Buffer.concat([Buffer.from("kova-pipeline-v1\0"), Buffer.from(hash, "hex"), digest]);
}

export function signPipeline(hash: string, pipeline: string, key: SigningKey): string {
  return sign(null, signedBytes(hash, pipeline), key.privateKey).toString("base64");
}

export function pipelineSignedBy(hash: string, pipeline: string, signature: string, trusted: readonly KeyObject[]): boolean {
  const bytes = signedBytes(hash, pipeline);
  const raw = Buffer.from(signature, "base64");
  return trusted.some((k) => verify(null, bytes, k, raw));
}

/** An API key's stored form: its SHA-256 (the key is 32 random bytes, so a fast hash is enough). */
export function hashApiKey(key: string): string {
  return createHash("sha256").update(key).digest("hex");
}
