/**
 * @kova/driver-embedded/backups: backup files of the embedded store (kova db backup / restore /
 * verify; the app's scheduled backups go through the driver's backup()). Apart from the package
 * index so that a served app does not load them at start (issue 25, start-up).
 */
export { writeBackup, type BackupSource, type BackupSummary } from "./backup/write-backup.js";
export { BACKUP_FORMAT, BackupFileError, encodeHeader, readManifest, type BackupManifest, type ManifestEntity } from "./backup/backup-format.js";
export { checkBackup, type CheckedBackup } from "./backup/check-backup.js";
export { rebuildAt, type RebuildReport } from "./backup/point-in-time.js";
export { describeEntities, liveRowMismatches, storedEntities, type StoredEntity } from "./backup/store-contents.js";
