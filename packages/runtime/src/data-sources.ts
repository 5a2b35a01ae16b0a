/**
 * The app's connected data sources: created from `CONNECT` declarations through the driver
 * registry of @kova/query, migrated, health-checked and closed together.
 */
import { appDriverView, backfillIdentifiers, DataKeyError, DataKeys, DriverLookupError, hasEncryptedFields, hasMaskedFields, storedEntities, knownDrivers, loadDriverPackage, MasterKeys, type Driver, type EntitySchema, type HealthReport } from "@kova/query";
import type { AppDefinition, AppEnv } from "./app.js";

export class StartupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "StartupError";
  }
}

export interface DataSourceHealth extends HealthReport {
  name: string;
}

const HEALTH_TIMEOUT_MS = 2000;

export class DataSources {
  private readonly defaultDriver: Driver | undefined;

  constructor(
    readonly drivers: ReadonlyMap<string, Driver>,
    /**
     * Per data source, whether its start-up migration was applied (readiness reports each one).
     * `connectDataSources` fills it; sources made by hand (tests, embedders) report none.
     */
    readonly migrated: ReadonlyMap<string, boolean> = new Map(),
    /**
     * Per data source with ENCRYPTED fields, its data keys (`kova db forget`, `kova db rotate-keys`
     * and the tests use them; the app's view of the driver encrypts and decrypts with them).
     */
    readonly dataKeys: ReadonlyMap<string, DataKeys> = new Map(),
    /**
     * Per data source with MASKED fields, its entities: a request's view of such a source notes
     * the masked values it reads, to mask them in the answer (Exchange.db, @kova/query masks/).
     */
    readonly masked: ReadonlyMap<string, readonly EntitySchema[]> = new Map(),
  ) {
    this.defaultDriver = drivers.values().next().value;
    this.defaultName = drivers.keys().next().value;
  }

  private readonly defaultName: string | undefined;

  /** The entities of the data source (by name; the default one when none) if it has MASKED fields. */
  maskedEntities(name?: string): readonly EntitySchema[] | undefined {
    if (this.masked.size === 0) return undefined;
    return this.masked.get(name ?? this.defaultName ?? "");
  }

  static empty(): DataSources {
    return new DataSources(new Map());
  }

  /** The same sources with every driver passed through `wrap` (metrics and tracing: ops/observed-driver.ts). */
  observed(wrap: (name: string, driver: Driver) => Driver): DataSources {
    return new DataSources(new Map([...this.drivers].map(([name, driver]) => [name, wrap(name, driver)])), this.migrated, this.dataKeys, this.masked);
  }

  get(name?: string): Driver {
    const driver = name === undefined ? this.defaultDriver : this.drivers.get(name);
    if (driver === undefined) {
      throw new Error(
        name === undefined
          ? "the app has no data source"
          : `no data source named "${name}" (the app has: ${[...this.drivers.keys()].join(", ") || "none"})`,
      );
    }
    return driver;
  }

  /** Every data source's health; a check that throws or hangs counts as down. */
  async health(): Promise<DataSourceHealth[]> {
    return Promise.all(
      [...this.drivers].map(async ([name, driver]): Promise<DataSourceHealth> => {
        let timer: NodeJS.Timeout | undefined;
        try {
          const timeout = new Promise<HealthReport>((resolve) => {
            timer = setTimeout(() => resolve({ ok: false, detail: `no answer within ${HEALTH_TIMEOUT_MS} ms` }), HEALTH_TIMEOUT_MS);
          });
          const report = await Promise.race([driver.health(), timeout]);
          return { name, ok: report.ok, detail: report.detail };
        } catch (error) {
          return { name, ok: false, detail: error instanceof Error ? error.message : String(error) };
        } finally {
          clearTimeout(timer);
        }
      }),
    );
  }

  /** Closes every driver; one failing to close does not keep the others open. */
  async close(): Promise<void> {
    const results = await Promise.allSettled([...this.drivers.values()].map((driver) => driver.close()));
    const failed = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
    if (failed !== undefined) throw failed.reason;
  }
}

/** Looks a driver up by name, through the one lookup of @kova/query (loadDriverPackage). */
async function findDriverFactory(driverName: string, sourceName: string) {
  try {
    return (await loadDriverPackage(driverName)).createDriver;
  } catch (error) {
    if (!(error instanceof DriverLookupError)) throw error;
    if (error.reason === "broken") throw new StartupError(error.message);
    const known = knownDrivers();
    throw new StartupError(
      `data source "${sourceName}" uses driver "${driverName}", which is not available. ` +
        `Install ${error.packageName}` +
        (known.length > 0 ? ` or use one of: ${known.join(", ")}.` : "."),
    );
  }
}

/**
 * Creates, connects and migrates every data source in declaration order. On failure the ones
 * already connected are closed again, and the error names the data source. `migrate: false`
 * connects only (`kova db query` reads a database as it is and never changes its schema).
 */
export async function connectDataSources(app: AppDefinition, appDir: string, env: AppEnv, options: { migrate?: boolean } = {}): Promise<DataSources> {
  const drivers = new Map<string, Driver>();
  const migrated = new Map<string, boolean>();
  const dataKeys = new Map<string, DataKeys>();
  const masked = new Map<string, readonly EntitySchema[]>();
  try {
    const masters = await masterKeys(app.dataSources.map((s) => s.entities), env);
    for (const source of app.dataSources) {
      const factory = await findDriverFactory(source.driver, source.name);
      const driver = factory({ name: source.name, appDir, options: source.options(env) });
      try {
        await driver.connect();
      } catch (error) {
        throw new StartupError(connectFailure(source.name, source.driver, messageOf(error)));
      }
      const keys = masters !== undefined && hasEncryptedFields(source.entities) ? new DataKeys(driver, masters) : undefined;
      if (keys !== undefined) dataKeys.set(source.name, keys);
      drivers.set(source.name, appDriverView(driver, source.entities, keys));
      if (hasMaskedFields(source.entities)) masked.set(source.name, source.entities);
      if (options.migrate === false) continue;
      try {
        // With ENCRYPTED fields, the data key and erasure tables too (@kova/query secrets/data-keys.ts),
        // and the tables of VERSIONED identifiers (identifier-table.ts).
        await driver.migrate(storedEntities(source.entities));
        // Records made before their entity had an IDENTIFIER get one (identifier-versions.ts).
        await backfillIdentifiers(driver, source.entities);
      } catch (error) {
        throw new StartupError(`cannot migrate data source "${source.name}" (${source.driver}): ${messageOf(error)}`);
      }
      migrated.set(source.name, true);
    }
  } catch (error) {
    await Promise.allSettled([...drivers.values()].map((driver) => driver.close()));
    throw error instanceof StartupError ? error : new StartupError(messageOf(error));
  }
  return new DataSources(drivers, migrated, dataKeys, masked);
}

/** The master keys from KOVA_DATA_KEY (and retired ones), when some entity has ENCRYPTED fields; a bad key stops the start, naming the variable. */
async function masterKeys(entities: ReadonlyArray<readonly EntitySchema[]>, env: AppEnv): Promise<MasterKeys | undefined> {
  if (!entities.some(hasEncryptedFields)) return undefined;
  try {
    return await MasterKeys.fromEnv(env);
  } catch (error) {
    throw error instanceof DataKeyError ? new StartupError(error.message) : error;
  }
}

/**
 * Drivers are asked to reject `connect()` with a message that names the data source (the Driver
 * contract); such a message is passed on as it is, so the user does not read "cannot connect data
 * source" twice. Any other failure is prefixed with the data source and its driver.
 */
export function connectFailure(source: string, driver: string, message: string): string {
  return message.startsWith(`cannot connect data source "${source}"`) ? message : `cannot connect data source "${source}" (${driver}): ${message}`;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
