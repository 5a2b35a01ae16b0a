import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from "node:crypto";
import { bytecode } from "@kova/compiler";

/**
 * Signing and loading .kbc files (docs/bytecode.md, "Trailer"). The signature is Ed25519 over a
 * domain tag and the program's SHA-256, so a signature made for anything else never verifies as one.
 */
const DOMAIN = Buffer.from("kova-bytecode-v1\0");

export interface SigningKey {
  privateKey: KeyObject;
  publicKey: KeyObject;
}

/** A new Ed25519 key pair (kova build --target bytecode writes one when none is configured). */
export function generateSigningKey(): SigningKey {
  const { privateKey, publicKey } = generateKeyPairSync("ed25519");
  return { privateKey, publicKey };
}

export function signingKeyFromPem(privatePem: string): SigningKey {
  const privateKey = createPrivateKey(privatePem);
  if (privateKey.asymmetricKeyType !== "ed25519") throw new Error(`the signing key is ${privateKey.asymmetricKeyType}, not Ed25519`);
  return { privateKey, publicKey: createPublicKey(privateKey) };
}

export function publicKeyFromPem(pem: string): KeyObject {
  const key = createPublicKey(pem);
  if (key.asymmetricKeyType !== "ed25519") throw new Error(`the key is ${key.asymmetricKeyType}, not Ed25519`);
  return key;
}

/** A key's id: the SHA-256 of its raw 32 bytes (as written in the trailer). */
export function keyId(publicKey: KeyObject): Buffer {
  const raw = publicKey.export({ format: "der", type: "spki" }).subarray(-32);
  return createHash("sha256").update(raw).digest();
}

/** The signed file: header and body, then the SHA-256, the key id and the signature. */
export function signProgram(program: bytecode.BytecodeProgram, key: SigningKey): { file: Uint8Array; hash: string } {
  const body = bytecode.encodeProgram(program);
  const digest = createHash("sha256").update(body).digest();
  const signature = sign(null, Buffer.concat([DOMAIN, digest]), key.privateKey);
  const file = Buffer.concat([body, digest, keyId(key.publicKey), signature]);
  return { file: new Uint8Array(file.buffer, file.byteOffset, file.byteLength), hash: digest.toString("hex") };
}

/** Why a file was refused: each names itself in the problem's `type`. */
export type LoadRefusal = "not-bytecode" | "wrong-version" | "bad-hash" | "unknown-key" | "bad-signature" | "malformed";

export class BytecodeLoadError extends Error {
  constructor(readonly reason: LoadRefusal, message: string) {
    super(message);
    this.name = "BytecodeLoadError";
  }

  /** As an RFC 9457 problem. */
  problem(): { type: string; title: string; detail: string } {
    return { type: `urn:kova:problem:bytecode-${this.reason}`, title: "bytecode refused", detail: this.message };
  }
}

export interface LoadedProgram {
  program: bytecode.BytecodeProgram;
  /** The SHA-256 of header and body, hex: the program's identity. */
  hash: string;
  /** The hex id of the key that signed it. */
  keyId: string;
}

/**
 * Checks a .kbc file and reads it, in this order and before anything runs: magic and format version,
 * the SHA-256 against the bytes, the key id against the trusted keys, the signature, and only then
 * the body (with every function's code verified by verifyProgram).
 */
export function verifyBytecode(file: Uint8Array, trusted: readonly KeyObject[]): { signed: Uint8Array; hash: string; keyId: string } {
  let header: { version: number; bodyBytes: number };
  try {
    header = bytecode.readHeader(file);
  } catch (error) {
    throw new BytecodeLoadError("not-bytecode", (error as Error).message);
  }
  if (header.version !== bytecode.BYTECODE_VERSION) throw new BytecodeLoadError("wrong-version", `the file is bytecode format version ${header.version}; this VM reads version ${bytecode.BYTECODE_VERSION} (rebuild it with this Kova)`);
  const signedLength = bytecode.HEADER_BYTES + header.bodyBytes;
  if (file.length !== signedLength + bytecode.TRAILER_BYTES) throw new BytecodeLoadError("malformed", `the file is ${file.length} bytes; its header says ${signedLength + bytecode.TRAILER_BYTES}`);
  const signed = file.subarray(0, signedLength);
  const trailer = Buffer.from(file.buffer, file.byteOffset + signedLength, bytecode.TRAILER_BYTES);
  const digest = createHash("sha256").update(signed).digest();
  if (!digest.equals(trailer.subarray(0, 32))) throw new BytecodeLoadError("bad-hash", `the program's SHA-256 is ${digest.toString("hex")}, not the ${trailer.subarray(0, 32).toString("hex")} it was signed as: the file was altered`);
  const id = trailer.subarray(32, 64);
  const key = trusted.find((k) => keyId(k).equals(id));
  if (key === undefined) throw new BytecodeLoadError("unknown-key", `the program is signed by key ${id.toString("hex").slice(0, 16)}…, which is not among the ${trusted.length} trusted key(s)`);
  if (!verify(null, Buffer.concat([DOMAIN, digest]), key, trailer.subarray(64, 128))) throw new BytecodeLoadError("bad-signature", "the signature does not match the program and its key");
  return { signed, hash: digest.toString("hex"), keyId: id.toString("hex") };
}
