/**
 * The World table (10,000 rows), made once by Kova's own driver so the live table, the history
 * table and their indexes are exactly what the Kova app uses; every server then gets its own copy.
 */
import { copyFileSync, existsSync, mkdirSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { createEmbeddedDriver } from "@kova/driver-embedded";

export const WORLD_ROWS = 10_000;

/** Deterministic "random" numbers 1..10000, so every copy (and every run) holds the same data. */
export function worldRows() {
  let state = 42;
  const rows = new Array(WORLD_ROWS);
  for (let i = 0; i < WORLD_ROWS; i++) {
    state = (state * 1103515245 + 12345) % 2147483648;
    rows[i] = { randomnumber: 1 + (state % 10000) };
  }
  return rows;
}

/** Creates `<dir>/.kova/data.db` with the World entity of the compiled Kova app. */
export async function seedWorld(dir, entities) {
  rmSync(dir, { recursive: true, force: true });
  const driver = createEmbeddedDriver({ name: "seed", appDir: dir, options: undefined });
  await driver.connect();
  await driver.migrate(entities);
  driver.writeBatch("World", worldRows());
  await driver.close(); // checkpoints the WAL into the file
  return join(dir, ".kova", "data.db");
}

/** A fresh copy of the seeded file at `target` (any WAL of an earlier copy removed). */
export function copyDatabase(seedFile, target) {
  mkdirSync(dirname(target), { recursive: true });
  for (const suffix of ["", "-wal", "-shm"]) rmSync(target + suffix, { force: true });
  copyFileSync(seedFile, target);
  if (existsSync(seedFile + "-wal")) copyFileSync(seedFile + "-wal", target + "-wal");
}

/**
 * The seeded store of the built Kova bench app for one tool (`name`: its folder under
 * bench/.data), and an emptied `run` folder beside it for the servers' copies.
 */
export async function seededBenchData(name, app) {
  const dataDir = join(dirname(fileURLToPath(import.meta.url)), "..", ".data", name);
  const seedFile = await seedWorld(join(dataDir, "seed"), app.dataSources[0].entities);
  const runDir = join(dataDir, "run");
  rmSync(runDir, { recursive: true, force: true });
  return { seedFile, runDir };
}

/** `--name=value` from the command line, or undefined. */
export function cliOption(name, argv = process.argv.slice(2)) {
  return argv.find((a) => a.startsWith(`--${name}=`))?.split("=").slice(1).join("=");
}
