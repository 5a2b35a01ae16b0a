/**
 * Opens one data source of an app for `kova db export` / `kova db import`: builds the app (as
 * `kova migrate apply` does) to learn its data sources, entities and connection settings, then
 * connects that source's driver. An embedded store held by the running app is read from a fresh
 * backup the app writes (through its control socket), so exporting never stops the app.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { checkBackup } from "@kova/driver-embedded/backups";
import { loadDriverPackage, type DataTransfer, type Driver, type EntitySchema } from "@kova/query";
import { loadEnv, resolveAppEnv, type AppDefinition } from "@kova/runtime";
import { buildApp } from "../../build/build-app.js";
import { reportBuildFailure } from "../../build/report.js";
import { shouldColor, type CliContext } from "../../command.js";
import { askRunningApp, keyFrom } from "./store.js";

export interface OpenSource {
  name: string;
  driverName: string;
  /** The app's entities in this data source. */
  entities: EntitySchema[];
  /** The app's environment as its start resolves it (KOVA_DATA_KEY for ENCRYPTED fields, say). */
  env: Readonly<Record<string, string>>;
  driver: Driver;
  transfer: DataTransfer;
  close(): Promise<void>;
}

/** A problem the user fixes (no such data source, build errors, unreachable database): one line. */
export class SourceError extends Error {}

const EMBEDDED = new Set(["embedded", "sqlite"]);

/** `mode.holding`: the data source holding that entity, when `wanted` names none (`kova db rebuild-read-model`). */
export async function openAppSource(entry: string, wanted: string | undefined, context: CliContext, mode: { forReading: boolean; holding?: string }): Promise<OpenSource> {
  const built = await buildApp({ entry });
  if (!built.ok) {
    reportBuildFailure(built, context.stderr, shouldColor({}, context.stderr, context.env));
    throw new SourceError("the app does not build; fix the errors above");
  }
  const { app } = (await import(`${pathToFileURL(`${built.outDir}/app.js`).href}?t=${Date.now()}`)) as { app: AppDefinition };
  let env;
  try {
    env = resolveAppEnv(app.env, loadEnv(built.appDir, context.env, false), built.appDir);
  } catch (error) {
    throw new SourceError((error as Error).message);
  }
  const holding = mode.holding === undefined ? undefined : app.dataSources.find((s) => s.entities.some((e) => e.name === mode.holding));
  const source = wanted === undefined ? (holding ?? app.dataSources[0]) : app.dataSources.find((s) => s.name === wanted);
  if (source === undefined) {
    throw new SourceError(wanted === undefined ? "the app has no data source" : `the app has no data source "${wanted}" (it has: ${app.dataSources.map((s) => s.name).join(", ")})`);
  }
  const copy = mode.forReading && EMBEDDED.has(source.driver) ? await runningAppCopy(built.appDir, source.name, source.options(env), context) : undefined;
  const options = copy?.options ?? source.options(env);
  const scratch = copy?.scratch;
  const pkg = await loadDriverPackage(source.driver);
  const driver = pkg.createDriver({ name: source.name, appDir: built.appDir, options });
  const cleanup = () => {
    if (scratch !== undefined) rmSync(scratch, { recursive: true, force: true });
  };
  try {
    await driver.connect();
  } catch (error) {
    cleanup();
    throw new SourceError((error as Error).message);
  }
  if (driver.transfer === undefined) {
    await driver.close();
    cleanup();
    throw new SourceError(`the ${source.driver} driver (data source "${source.name}") cannot export or import data`);
  }
  return {
    name: source.name,
    driverName: source.driver,
    entities: source.entities,
    env,
    driver,
    transfer: driver.transfer,
    async close() {
      await driver.close();
      cleanup();
    },
  };
}

/**
 * An embedded store the running app holds alone (EXCLUSIVE locking) is read from a consistent copy
 * the app writes through its control socket: the options pointing the driver at that copy, and the
 * scratch folder holding it (delete it when done). Undefined when no app is running there.
 */
export async function runningAppCopy(appDir: string, source: string, options: unknown, context: CliContext): Promise<{ options: unknown; scratch: string } | undefined> {
  const scratch = mkdtempSync(join(tmpdir(), "kova-export-"));
  const reply = await askRunningApp(appDir, { op: "backup", source, output: join(scratch, "copy.kovabackup") });
  if (reply === undefined) {
    rmSync(scratch, { recursive: true, force: true });
    return undefined;
  }
  if (!reply.ok) {
    rmSync(scratch, { recursive: true, force: true });
    throw new SourceError(`the running app could not copy its store: ${reply.error}`);
  }
  await checkBackup(join(scratch, "copy.kovabackup"), join(scratch, "copy.db"), keyFrom(context));
  return { options: { ...(typeof options === "object" && options !== null ? options : {}), path: join(scratch, "copy.db"), locking: "shared" }, scratch };
}

export function isEmbedded(driver: string): boolean {
  return EMBEDDED.has(driver);
}
