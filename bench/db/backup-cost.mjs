// What an online backup costs a serving app: requests per second (half reads by id, half inserts)
// without a backup running, then with backups running back to back, in alternating rounds. The
// backups are asked of the app through its control socket, as `kova db backup` does (and as the
// app's own schedule runs them), so the figure is the app's cost, not a CLI process starting;
// --cli spawns `kova db backup` instead, and so also counts that process's start-up.
// Usage: node bench/db/backup-cost.mjs [rows=200000] [rounds=3] [seconds=4]   (after `npx tsc -b`)
import { rmSync, statSync } from "node:fs";
import { join } from "node:path";
import autocannon from "autocannon";
import { driverPackage } from "@kova/driver-embedded";
import { createConnection } from "node:net";
import { entitiesOf, item, kova, makeApp, startServer } from "./items-app.mjs";

/** One request on the app's control socket (runtime/src/backups/control-socket.ts). */
function askApp(dir, request) {
  return new Promise((resolve, reject) => {
    const socket = createConnection(join(dir, ".kova", "control.sock"));
    let reply = "";
    socket.on("connect", () => socket.write(JSON.stringify(request) + "\n"));
    socket.on("data", (d) => (reply += d));
    socket.on("end", () => resolve(JSON.parse(reply)));
    socket.on("error", reject);
  });
}

const cli = process.argv.includes("--cli");
const [rows = 200_000, rounds = 3, seconds = 4] = process.argv.slice(2).filter((a) => !a.startsWith("--")).map(Number);
const dir = makeApp();
const driver = driverPackage.createDriver({ name: "default", appDir: dir, options: {} });
await driver.connect();
await driver.migrate(await entitiesOf(dir));
for (let i = 0; i < rows; i += 10_000) driver.writeBatch("Item", Array.from({ length: Math.min(10_000, rows - i) }, (_, k) => item(i + k)));
await driver.close();
const storeBytes = statSync(join(dir, ".kova", "data.db")).size;

const port = 43_000 + Math.floor(Math.random() * 1000);
const server = await startServer(dir, port);
const body = JSON.stringify(item(0));
const load = () =>
  autocannon({
    url: `http://127.0.0.1:${port}`,
    connections: 8,
    duration: seconds,
    requests: [
      { method: "GET", setupRequest: (r) => ({ ...r, path: `/items/${1 + Math.floor(Math.random() * rows)}` }) },
      { method: "POST", path: "/items", headers: { "content-type": "application/json" }, body },
    ],
  });

const plain = [];
const during = [];
const backups = [];
await load(); // warm-up
for (let r = 0; r < rounds; r++) {
  plain.push((await load()).requests.average);
  let running = true;
  const loop = (async () => {
    while (running) {
      const t0 = performance.now();
      const file = join(dir, `b-${r}-${backups.length}.kovabackup`);
      if (cli) {
        const run = await kova(["db", "backup", dir, "-o", file]);
        if (run.status !== 0) throw new Error(run.out);
      } else {
        const reply = await askApp(dir, { op: "backup", output: file });
        if (!reply.ok) throw new Error(reply.error);
      }
      backups.push({ ms: performance.now() - t0, bytes: statSync(file).size });
      rmSync(file);
    }
  })();
  during.push((await load()).requests.average);
  running = false;
  await loop;
}
server.kill("SIGTERM");
const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;
console.log(
  JSON.stringify({
    via: cli ? "kova db backup (CLI process)" : "control socket (in-app)",
    rows,
    storeMiB: +(storeBytes / 2 ** 20).toFixed(1),
    backups: backups.length,
    backupMs: Math.round(mean(backups.map((b) => b.ms))),
    backupMiB: +(mean(backups.map((b) => b.bytes)) / 2 ** 20).toFixed(1),
    requestsPerSecond: { withoutBackup: Math.round(mean(plain)), duringBackup: Math.round(mean(during)) },
    ratio: +(mean(during) / mean(plain)).toFixed(3),
  }),
);
await new Promise((r) => setTimeout(r, 500));
rmSync(dir, { recursive: true, force: true });
