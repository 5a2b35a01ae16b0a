/**
 * Opens a backup for use: extracts its database next to where it will live and checks it — the
 * file's checksums (backup-format.ts), SQLite's integrity check, the manifest's counts, and that
 * every live row equals its latest version. `kova db verify` stops there; `kova db restore` then
 * moves the checked file into place.
 */
import { rmSync } from "node:fs";
import { openStore } from "../store/open-store.js";
import { BackupFileError, extractDatabase, type BackupManifest } from "./backup-format.js";
import { describeEntities, liveRowMismatches } from "./store-contents.js";

export interface CheckedBackup {
  manifest: BackupManifest;
  /** The extracted, checked database file. */
  database: string;
}

/** Extracts `file` into `dest` and checks it; on failure `dest` is removed and a BackupFileError says why. */
export async function checkBackup(file: string, dest: string, key: string | undefined): Promise<CheckedBackup> {
  const manifest = await extractDatabase(file, dest);
  try {
    if (manifest.encrypted && key === undefined) throw new BackupFileError(`${file} holds an encrypted store: set KOVA_DB_KEY (or KOVA_DB_KEY_FILE / KOVA_DB_KEY_COMMAND) to its key`);
    let db;
    try {
      db = openStore(dest, { key: manifest.encrypted ? key : undefined, create: false });
    } catch (error) {
      throw new BackupFileError(`${file}: ${(error as Error).message.replace(dest, "its database")}`);
    }
    try {
      const integrity = db.prepare("PRAGMA integrity_check").pluck().all() as string[];
      if (integrity.join() !== "ok") throw new BackupFileError(`${file}: its database fails SQLite's integrity check: ${integrity.slice(0, 3).join("; ")}`);
      const found = new Map(describeEntities(db).map((e) => [e.name, e]));
      for (const expected of manifest.entities) {
        const have = found.get(expected.name);
        if (have === undefined || have.rows !== expected.rows || have.versions !== expected.versions) {
          throw new BackupFileError(
            `${file}: ${expected.name} should have ${expected.rows} rows and ${expected.versions} versions, the database has ${have === undefined ? "no such entity" : `${have.rows} and ${have.versions}`}`,
          );
        }
      }
      const mismatches = liveRowMismatches(db);
      if (mismatches.length > 0) {
        throw new BackupFileError(`${file}: ${mismatches.length === 20 ? "at least 20" : mismatches.length} live rows do not equal their latest version, e.g. ${mismatches.slice(0, 3).map((m) => `${m.entity} ${m.id} ${m.problem}`).join("; ")}`);
      }
    } finally {
      db.close();
    }
    return { manifest, database: dest };
  } catch (error) {
    rmSync(dest, { force: true });
    throw error;
  }
}
