/**
 * The backup file: one file, readable without Kova's database code.
 *
 *   "KOVA-BACKUP\n"        12 bytes, the magic
 *   manifest length        4 bytes, unsigned big-endian
 *   manifest SHA-256       32 bytes, over the manifest's bytes
 *   manifest               JSON (BackupManifest): format, schema, row and version counts, checksums
 *   payload                the SQLite database file, gzip-compressed (still encrypted when the
 *                          store is: the pages are copied as the cipher wrote them); one gzip
 *                          member per MiB since the backup thread (pack-backup.ts), which any
 *                          gunzip reads as one stream, so files of either kind restore alike
 *
 * Every check runs before anything is written where the store lives: the magic (not a backup),
 * the manifest checksum (tampered), the format (from a newer Kova), then while the payload streams
 * into a temporary file the payload's SHA-256, gzip's CRC-32 and the sizes (truncated, tampered).
 */
import { createHash } from "node:crypto";
import { closeSync, createReadStream, createWriteStream, openSync, readSync, rmSync, statSync } from "node:fs";
import { Transform, type TransformCallback } from "node:stream";
import { pipeline } from "node:stream/promises";
import { createGunzip } from "node:zlib";
import type { FieldSchema } from "@kova/query";

export const MAGIC = Buffer.from("KOVA-BACKUP\n", "latin1");
/** The manifest format this Kova writes and the newest it reads. */
export const BACKUP_FORMAT = 1;
const HEADER = MAGIC.length + 4 + 32;

export interface ManifestEntity {
  name: string;
  table: string;
  fields: FieldSchema[];
  /** Live rows when the backup was taken. */
  rows: number;
  /** History versions (0 for an entity declared NO HISTORY). */
  versions: number;
  /** The newest version number, or null. */
  lastVersion: number | null;
}

export interface BackupManifest {
  format: number;
  createdAt: string;
  /** The @kova/driver-embedded version that wrote it. */
  writer: string;
  sqlite: string;
  /** The payload is an encrypted store: restoring it needs the same key (KOVA_DB_KEY). */
  encrypted: boolean;
  cipher?: "sqlcipher";
  entities: ManifestEntity[];
  /** The database file's size; its integrity is gzip's CRC-32 and the payload's SHA-256. */
  database: { bytes: number };
  payload: { bytes: number; sha256: string };
}

/** A backup file that cannot be used: the message says why; nothing has been written. */
export class BackupFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "BackupFileError";
  }
}

export function encodeHeader(manifest: BackupManifest): Buffer {
  const json = Buffer.from(JSON.stringify(manifest), "utf8");
  const length = Buffer.alloc(4);
  length.writeUInt32BE(json.length);
  return Buffer.concat([MAGIC, length, createHash("sha256").update(json).digest(), json]);
}

/** Reads and checks the manifest; `payloadOffset` is where the gzip stream starts. */
export function readManifest(file: string): { manifest: BackupManifest; payloadOffset: number; fileBytes: number } {
  let fd: number;
  try {
    fd = openSync(file, "r");
  } catch (error) {
    throw new BackupFileError(`cannot read ${file}: ${(error as Error).message}`);
  }
  try {
    const fileBytes = statSync(file).size;
    const head = Buffer.alloc(HEADER);
    const got = readSync(fd, head, 0, HEADER, 0);
    if (got < MAGIC.length || !head.subarray(0, MAGIC.length).equals(MAGIC)) throw new BackupFileError(`${file} is not a Kova backup (it does not start with the backup header)`);
    if (got < HEADER) throw new BackupFileError(`${file} is truncated: it ends inside the backup header`);
    const length = head.readUInt32BE(MAGIC.length);
    if (HEADER + length > fileBytes) throw new BackupFileError(`${file} is truncated: it ends inside the manifest`);
    const json = Buffer.alloc(length);
    readSync(fd, json, 0, length, HEADER);
    if (!createHash("sha256").update(json).digest().equals(head.subarray(MAGIC.length + 4, HEADER))) {
      throw new BackupFileError(`${file} has been altered: its manifest does not match the manifest checksum`);
    }
    const manifest = JSON.parse(json.toString("utf8")) as BackupManifest;
    if (!Number.isInteger(manifest.format) || manifest.format > BACKUP_FORMAT) {
      throw new BackupFileError(`${file} was written by a newer Kova (backup format ${manifest.format}, by ${manifest.writer}); this kova reads format ${BACKUP_FORMAT}: upgrade kova to restore it`);
    }
    const payloadOffset = HEADER + length;
    if (fileBytes - payloadOffset < manifest.payload.bytes) throw new BackupFileError(`${file} is truncated: ${fileBytes - payloadOffset} of ${manifest.payload.bytes} payload bytes are there`);
    if (fileBytes - payloadOffset > manifest.payload.bytes) throw new BackupFileError(`${file} has been altered: it has ${fileBytes - payloadOffset - manifest.payload.bytes} bytes more than its manifest says`);
    return { manifest, payloadOffset, fileBytes };
  } finally {
    closeSync(fd);
  }
}

/** Hashes what streams through it. */
function hasher(into: { hash: ReturnType<typeof createHash>; bytes: number }): Transform {
  return new Transform({
    transform(chunk: Buffer, _encoding, done: TransformCallback) {
      into.hash.update(chunk);
      into.bytes += chunk.length;
      done(null, chunk);
    },
  });
}

/**
 * Streams the payload into `dest` (a SQLite file), checking both checksums on the way; on any
 * failure `dest` is removed and the error says what was wrong with the file.
 */
export async function extractDatabase(file: string, dest: string): Promise<BackupManifest> {
  const { manifest, payloadOffset } = readManifest(file);
  const packed = { hash: createHash("sha256"), bytes: 0 };
  let plainBytes = 0;
  try {
    const count = new Transform({
      transform(chunk: Buffer, _encoding, done: TransformCallback) {
        plainBytes += chunk.length;
        done(null, chunk);
      },
    });
    await pipeline(createReadStream(file, { start: payloadOffset }), hasher(packed), createGunzip(), count, createWriteStream(dest, { flags: "wx" }));
  } catch (error) {
    rmSync(dest, { force: true });
    const code = (error as { code?: string }).code;
    if (code === "EEXIST") throw new BackupFileError(`cannot extract the backup: ${dest} already exists`);
    // Only zlib's own errors (Z_DATA_ERROR, Z_BUF_ERROR: bad or missing bytes) say the file is damaged.
    if (typeof code !== "string" || !code.startsWith("Z_")) throw error;
    throw new BackupFileError(`${file} is damaged: its payload does not decompress (${(error as Error).message})`);
  }
  const failures: string[] = [];
  if (packed.hash.digest("hex") !== manifest.payload.sha256) failures.push("the compressed payload does not match its checksum");
  if (plainBytes !== manifest.database.bytes) failures.push(`the database has ${plainBytes} bytes, not ${manifest.database.bytes}`);
  if (failures.length > 0) {
    rmSync(dest, { force: true });
    throw new BackupFileError(`${file} has been altered: ${failures.join(", and ")}`);
  }
  return manifest;
}
