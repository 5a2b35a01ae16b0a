/**
 * Writes a backup file (backup-format.ts) of an open store while the app keeps using it.
 *
 * A plain store is copied with SQLite's online backup API (better-sqlite3's `backup()`): a few
 * pages per step, the event loop free between steps, so requests keep being answered; a write
 * between steps makes SQLite restart the copy, so the copy is always one consistent instant.
 * An encrypted store is copied with `VACUUM INTO`, which SQLite3 Multiple Ciphers writes with the
 * same cipher and key (the backup API refuses to copy between databases whose page layouts
 * differ); it is one step, so writes wait for it. Either way the copy never holds a plain page.
 */
import { createHash } from "node:crypto";
import { createReadStream, createWriteStream, renameSync, rmSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, basename } from "node:path";
import { pipeline } from "node:stream/promises";
import { Transform } from "node:stream";
import { createGzip } from "node:zlib";
import type Database from "better-sqlite3";
import { openStore, sqlLiteral } from "../store/open-store.js";
import { BACKUP_FORMAT, encodeHeader, type BackupManifest } from "./backup-format.js";
import { describeEntities } from "./store-contents.js";

export interface BackupSummary {
  file: string;
  bytes: number;
  manifest: BackupManifest;
}

/**
 * Who wrote the backup, read on the first backup rather than when the module loads, and by the
 * package's name rather than a path relative to this file: in a bundled server (`kova build`)
 * this code runs from dist/, where no package.json sits three folders up.
 */
let writerName: string | undefined;
function writer(): string {
  return (writerName ??= `@kova/driver-embedded ${(createRequire(import.meta.url)("@kova/driver-embedded/package.json") as { version: string }).version}`);
}

/** A sibling of `output` for work in progress, so a failed backup never leaves a half file under its name. */
function scratch(output: string, what: string): string {
  return join(dirname(output), `.${basename(output)}.${what}-${process.pid}-${Date.now()}`);
}

export async function writeBackup(db: Database.Database, output: string, options: { key?: string }): Promise<BackupSummary> {
  const copy = scratch(output, "db");
  const packed = scratch(output, "gz");
  try {
    if (options.key === undefined) await db.backup(copy);
    else db.exec(`VACUUM INTO ${sqlLiteral(copy)}`);
    const entities = (() => {
      const copied = openStore(copy, { key: options.key, create: false });
      try {
        return describeEntities(copied);
      } finally {
        copied.close();
      }
    })();
    // One pass over the copy: compress it (level 1: a backup runs beside live traffic, and level 6
    // costs several times the CPU for a few percent smaller files) and hash what comes out. The
    // uncompressed bytes are not hashed again: gzip's own CRC-32 and length cover them, and a
    // change to the compressed bytes changes the payload's SHA-256.
    const gz = { hash: createHash("sha256"), bytes: 0 };
    await pipeline(createReadStream(copy, { highWaterMark: 1 << 20 }), createGzip({ level: 1 }), hashing(gz), createWriteStream(packed));
    const manifest: BackupManifest = {
      format: BACKUP_FORMAT,
      createdAt: new Date().toISOString(),
      writer: writer(),
      sqlite: String(db.prepare("SELECT sqlite_version()").pluck().get()),
      encrypted: options.key !== undefined,
      ...(options.key !== undefined ? { cipher: "sqlcipher" as const } : {}),
      entities,
      database: { bytes: statSync(copy).size },
      payload: { bytes: gz.bytes, sha256: gz.hash.digest("hex") },
    };
    const assembled = scratch(output, "part");
    try {
      const out = createWriteStream(assembled, { flags: "wx" });
      out.write(encodeHeader(manifest));
      await pipeline(createReadStream(packed), out);
      renameSync(assembled, output);
    } finally {
      rmSync(assembled, { force: true });
    }
    return { file: output, bytes: statSync(output).size, manifest };
  } finally {
    rmSync(copy, { force: true });
    rmSync(packed, { force: true });
  }
}

function hashing(into: { hash: ReturnType<typeof createHash>; bytes: number }): Transform {
  return new Transform({
    transform(chunk: Buffer, _encoding, done) {
      into.hash.update(chunk);
      into.bytes += chunk.length;
      done(null, chunk);
    },
  });
}
