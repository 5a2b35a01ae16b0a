/**
 * Backups the app takes itself: `"backups": { "every": "6h", "retention": "7d" }` in
 * kova.config.json (written by `kova db backup schedule`). Every `every`, each data source that can
 * back itself up (the embedded store) writes `<dir>/<source>-<UTC time>.kovabackup`; then backups
 * of that source older than `retention` are deleted — never the newest one, so a clock jump or a
 * long outage cannot leave the app with no backup at all.
 */
import { mkdirSync, readdirSync, rmSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import type { Driver } from "@kova/query";
import { StartupError } from "../data-sources.js";

export interface BackupConfig {
  every: string;
  retention: string;
  /** Where backups go, relative to the app folder. Default `.kova/backups`. */
  dir?: string;
}

export type BackupDriver = Driver & { backup(output: string): Promise<{ file: string; bytes: number }> };

export function canBackUp(driver: Driver): driver is BackupDriver {
  return typeof (driver as Partial<BackupDriver>).backup === "function";
}

const UNITS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** "90s", "30m", "6h", "7d", "2w" → milliseconds; undefined when it is not such a duration. */
export function parseDuration(text: string): number | undefined {
  const match = /^(\d+)(s|m|h|d|w)$/.exec(text.trim());
  if (match === null || Number(match[1]) === 0) return undefined;
  return Number(match[1]) * UNITS[match[2]];
}

export function parseBackupConfig(value: unknown, where: string): BackupConfig {
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw new StartupError(`${where} must be an object like {"every": "6h", "retention": "7d"}`);
  const config = value as Record<string, unknown>;
  for (const key of Object.keys(config)) {
    if (!["every", "retention", "dir"].includes(key)) throw new StartupError(`${where}: unknown setting "${key}"; known: every, retention, dir`);
  }
  for (const key of ["every", "retention"] as const) {
    if (typeof config[key] !== "string" || parseDuration(config[key] as string) === undefined) {
      throw new StartupError(`${where}.${key} must be a duration such as "30m", "6h" or "7d", got ${JSON.stringify(config[key])}`);
    }
  }
  if (config.dir !== undefined && (typeof config.dir !== "string" || config.dir === "")) throw new StartupError(`${where}.dir must be a folder path`);
  return config as unknown as BackupConfig;
}

export interface ScheduleLog {
  info(data: object, message: string): void;
  error(data: object, message: string): void;
}

/** `<source>-20260206T143000123Z.kovabackup`: sorts by time, and names its data source. */
export function backupFileName(source: string, at: Date): string {
  return `${source}-${at.toISOString().replace(/[-:.]/g, "")}.kovabackup`;
}

export class BackupSchedule {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> = Promise.resolve();
  private readonly dir: string;

  constructor(
    private readonly drivers: ReadonlyMap<string, BackupDriver>,
    private readonly config: BackupConfig,
    appDir: string,
    private readonly log: ScheduleLog,
  ) {
    this.dir = resolve(appDir, config.dir ?? join(".kova", "backups"));
  }

  start(): void {
    const every = parseDuration(this.config.every)!;
    // unref: a pending backup never keeps a stopping process alive.
    this.timer = setInterval(() => void (this.running = this.running.then(async () => void (await this.runOnce()))), every).unref();
  }

  /** One round: a backup of every source, then pruning. Failures are logged, never thrown: the app keeps serving. */
  async runOnce(now = new Date()): Promise<string[]> {
    const written: string[] = [];
    mkdirSync(this.dir, { recursive: true });
    for (const [name, driver] of this.drivers) {
      const file = join(this.dir, backupFileName(name, now));
      try {
        const summary = await driver.backup(file);
        written.push(summary.file);
        this.log.info({ dataSource: name, file: summary.file, bytes: summary.bytes }, "backup written");
        this.prune(name, now.getTime());
      } catch (error) {
        this.log.error({ dataSource: name, err: error }, `scheduled backup failed: ${(error as Error).message}`);
      }
    }
    return written;
  }

  private prune(source: string, now: number): void {
    const keepFor = parseDuration(this.config.retention)!;
    const mine = readdirSync(this.dir)
      .filter((f) => f.startsWith(`${source}-`) && f.endsWith(".kovabackup"))
      .sort();
    for (const file of mine.slice(0, -1)) {
      const path = join(this.dir, file);
      if (now - statSync(path).mtimeMs > keepFor) {
        rmSync(path, { force: true });
        this.log.info({ dataSource: source, file: path }, "old backup deleted (retention)");
      }
    }
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }
}
