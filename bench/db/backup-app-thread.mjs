// What one online backup costs the app's own thread, a figure the machine's load barely moves
// (unlike backup-cost.mjs's throughput ratio): with nothing else to do, the thread's busy time
// during the backup (event-loop utilisation × duration) is the backup's work done on it; the
// process's CPU time is the backup's work on every thread.
// Usage: node bench/db/backup-app-thread.mjs [rows=200000] [backups=3]   (after `npx tsc -b`)
import { rmSync } from "node:fs";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { driverPackage } from "@kova/driver-embedded";
import { entitiesOf, item, makeApp } from "./items-app.mjs";

const [rows = 200_000, backups = 3] = process.argv.slice(2).map(Number);
const dir = makeApp();
const driver = driverPackage.createDriver({ name: "default", appDir: dir, options: {} });
await driver.connect();
await driver.migrate(await entitiesOf(dir));
for (let i = 0; i < rows; i += 10_000) driver.writeBatch("Item", Array.from({ length: Math.min(10_000, rows - i) }, (_, k) => item(i + k)));
for (let b = 0; b < backups; b++) {
  const elu = performance.eventLoopUtilization();
  const cpu = process.cpuUsage();
  const started = performance.now();
  await driver.backup(join(dir, `b${b}.kovabackup`));
  const used = process.cpuUsage(cpu);
  console.log(
    JSON.stringify({
      rows,
      backupMs: Math.round(performance.now() - started),
      appThreadBusyMs: Math.round(performance.eventLoopUtilization(elu).active),
      processCpuMs: Math.round((used.user + used.system) / 1000),
    }),
  );
}
await driver.close();
rmSync(dir, { recursive: true, force: true });
