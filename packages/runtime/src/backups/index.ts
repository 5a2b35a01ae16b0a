/**
 * The app's side of backups: the control socket `kova db backup` talks to, and the schedule from
 * kova.config.json. Both only for data sources that can back themselves up (the embedded store).
 */
import cluster from "node:cluster";
import type { Server } from "node:net";
import type { DataSources } from "../data-sources.js";
import { closeControlSocket, openControlSocket } from "./control-socket.js";
import { BackupSchedule, canBackUp, type BackupConfig, type BackupDriver, type ScheduleLog } from "./schedule.js";

export { controlSocketPath } from "./control-socket.js";
export { BackupSchedule, backupFileName, parseBackupConfig, parseDuration, type BackupConfig } from "./schedule.js";

export interface AppBackups {
  close(): Promise<void>;
}

export async function startBackups(dataSources: DataSources, appDir: string, config: BackupConfig | undefined, log: ScheduleLog): Promise<AppBackups> {
  const drivers = new Map<string, BackupDriver>();
  for (const [name, driver] of dataSources.drivers) if (canBackUp(driver)) drivers.set(name, driver);
  // Cluster workers share the file (locking "shared"): the CLI reads it directly, and only the
  // first worker runs the schedule, so N workers do not write N backups.
  if (drivers.size === 0 || (cluster.isWorker && cluster.worker?.id !== 1)) return { close: async () => {} };
  let socket: Server | undefined;
  if (!cluster.isWorker) {
    try {
      socket = await openControlSocket(appDir, drivers);
    } catch (error) {
      // E.g. a folder path beyond a Unix socket's ~100 bytes, or a read-only .kova: the app still
      // serves, and `kova db backup` then says the store is held (scheduled backups still run).
      log.error({ err: error }, `no control socket, so kova db backup cannot ask this app for a backup: ${(error as Error).message}`);
    }
  }
  const schedule = config === undefined ? undefined : new BackupSchedule(drivers, config, appDir, log);
  schedule?.start();
  return {
    async close() {
      await schedule?.close();
      await closeControlSocket(socket, appDir);
    },
  };
}
