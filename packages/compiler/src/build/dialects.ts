import { DRIVER_PACKAGES, loadDriverPackage, type Dialect } from "@kova/query";

/**
 * The one place the build finds a driver's dialect: each driver package exports one typed
 * `DriverPackage`, found by @kova/query's `loadDriverPackage` lookup. A driver whose package is not
 * installed (or serves no such name) is reported in `missing`, not thrown.
 */
export async function loadDialects(drivers: Iterable<string>): Promise<{ dialects: Map<string, Dialect>; missing: string[] }> {
  const dialects = new Map<string, Dialect>();
  const missing: string[] = [];
  for (const driver of new Set(drivers)) {
    try {
      dialects.set(driver, (await loadDriverPackage(driver)).dialect);
    } catch {
      missing.push(driver);
    }
  }
  return { dialects, missing };
}

/** "'redis' (@kova/driver-redis)", for the message about drivers that are not installed. */
export function describeMissing(missing: readonly string[]): string {
  return missing.map((d) => `'${d}' (${DRIVER_PACKAGES[d] ?? `@kova/driver-${d}`})`).join(", ");
}
