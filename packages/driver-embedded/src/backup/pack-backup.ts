/**
 * The work of a backup, done by the backup thread (backup-thread.ts), never by the app's serving
 * thread: copy the store to a scratch file, count what it holds (for the manifest), compress and
 * hash it, then write header + manifest + payload (backup-format.ts) and rename into place.
 *
 * Everything here is synchronous on purpose: it runs on its own thread, so blocking is free, and
 * synchronous zlib and hashing run on that thread — asynchronous zlib would run on libuv's shared
 * pool, beside the app's file and crypto work, and out of reach of the thread's lower priority.
 * Memory stays constant: the copy and the compression go one chunk at a time.
 *
 * The store is copied in one of two ways:
 * - "file": the store file's bytes, as they are. The caller guarantees the file does not change
 *   until `onCopied` is called: the serving connection (locking "exclusive", WAL) has just
 *   checkpointed everything into the file and stopped checkpointing, so new commits go to the WAL
 *   only, and the file is one consistent instant. An encrypted store's pages stay encrypted.
 * - "snapshot": this thread opens the store itself and runs `VACUUM INTO`, which reads from one
 *   read transaction (a WAL snapshot: consistent, and writers are not blocked). For stores opened
 *   with locking "shared" (other processes may checkpoint), and for the CLI when no app runs.
 *   SQLite3 Multiple Ciphers writes the copy of an encrypted store with the same cipher and key.
 */
import { createHash } from "node:crypto";
import { closeSync, openSync, readSync, renameSync, rmSync, statSync, writeSync } from "node:fs";
import { createRequire } from "node:module";
import { basename, dirname, join } from "node:path";
import { gzipSync } from "node:zlib";
import { openStore, sqlLiteral } from "../store/open-store.js";
import { BACKUP_FORMAT, encodeHeader, type BackupManifest } from "./backup-format.js";
import { describeEntities } from "./store-contents.js";

export type BackupSource =
  /** A store file that the caller holds unchanged until the copy is done. */
  | { kind: "file"; path: string }
  /** A store file this thread opens and copies from a read transaction. */
  | { kind: "snapshot"; path: string };

export interface BackupJob {
  source: BackupSource;
  output: string;
  key?: string;
}

export interface BackupSummary {
  file: string;
  bytes: number;
  manifest: BackupManifest;
}

/** How the backup yields to the app: called after each chunk with the milliseconds it took. */
export type Pace = (chunkMs: number) => void;

const writer = `@kova/driver-embedded ${(createRequire(import.meta.url)("../../../package.json") as { version: string }).version}`;

/**
 * Chunk size for copying and compressing: large enough that per-chunk costs vanish, small enough
 * that pacing is fine-grained. Each compressed chunk is one gzip member: a payload of several
 * members is one valid gzip stream (RFC 1952), which `gunzip` and Node's zlib read whole; starting a
 * member costs its window, about 0.1% of the size at 1 MiB.
 */
const CHUNK = 1 << 20;

/** A sibling of `output` for work in progress, so a failed backup never leaves a half file under its name. */
function scratch(output: string, what: string): string {
  return join(dirname(output), `.${basename(output)}.${what}-${process.pid}-${Date.now()}`);
}

/** Streams `from` into `to` (created, must not exist), a chunk at a time; `each` sees every chunk. */
function copyChunks(from: string, to: string, pace: Pace, each: (chunk: Buffer) => Buffer | undefined, flags = "wx"): void {
  const input = openSync(from, "r");
  const out = openSync(to, flags);
  try {
    const buffer = Buffer.allocUnsafe(CHUNK);
    for (;;) {
      const started = performance.now();
      const got = readSync(input, buffer, 0, CHUNK, null);
      if (got === 0) break;
      const chunk = each(buffer.subarray(0, got)) ?? buffer.subarray(0, got);
      writeSync(out, chunk);
      pace(performance.now() - started);
    }
  } finally {
    closeSync(input);
    closeSync(out);
  }
}

function copyStore(job: BackupJob, copy: string, pace: Pace): void {
  if (job.source.kind === "file") {
    // Unpaced: the serving connection stops checkpointing until this is done, so it should be short.
    copyChunks(job.source.path, copy, () => {}, () => undefined);
    return;
  }
  const db = openStore(job.source.path, { key: job.key, create: false, timeout: 5000 });
  try {
    db.exec(`VACUUM INTO ${sqlLiteral(copy)}`);
  } finally {
    db.close();
  }
  pace(0);
}

export function packBackup(job: BackupJob, pace: Pace, onCopied: () => void): BackupSummary {
  const copy = scratch(job.output, "db");
  const packed = scratch(job.output, "gz");
  const assembled = scratch(job.output, "part");
  try {
    try {
      copyStore(job, copy, pace);
    } finally {
      onCopied();
    }
    const copied = openStore(copy, { key: job.key, create: false });
    let entities;
    let sqlite: string;
    try {
      entities = describeEntities(copied);
      sqlite = String(copied.prepare("SELECT sqlite_version()").pluck().get());
    } finally {
      copied.close();
    }
    // One pass over the copy: compress it (level 1: a backup runs beside live traffic, and level 6
    // costs several times the CPU for a few percent smaller files) and hash what comes out. The
    // uncompressed bytes are not hashed again: gzip's own CRC-32 and length cover them, and a
    // change to the compressed bytes changes the payload's SHA-256.
    const hash = createHash("sha256");
    let payloadBytes = 0;
    copyChunks(copy, packed, pace, (chunk) => {
      const member = gzipSync(chunk, { level: 1 });
      hash.update(member);
      payloadBytes += member.length;
      return member;
    });
    const manifest: BackupManifest = {
      format: BACKUP_FORMAT,
      createdAt: new Date().toISOString(),
      writer,
      sqlite,
      encrypted: job.key !== undefined,
      ...(job.key !== undefined ? { cipher: "sqlcipher" as const } : {}),
      entities,
      database: { bytes: statSync(copy).size },
      payload: { bytes: payloadBytes, sha256: hash.digest("hex") },
    };
    const out = openSync(assembled, "wx");
    try {
      writeSync(out, encodeHeader(manifest));
    } finally {
      closeSync(out);
    }
    copyChunks(packed, assembled, pace, () => undefined, "a");
    renameSync(assembled, job.output);
    return { file: job.output, bytes: statSync(job.output).size, manifest };
  } finally {
    rmSync(copy, { force: true });
    rmSync(packed, { force: true });
    rmSync(assembled, { force: true });
  }
}
