/**
 * A driver seen through another `execute`: public ids (public-id.ts), the tenant audit line and
 * metrics/tracing (the runtime) each wrap every statement of a data source this way. Everything
 * else is the driver's own — a Proxy, so optional members other code looks for (`withConnection`,
 * `evalScript`, …) stay exactly as the driver has them, and methods run with the driver as `this`
 * (its private fields need that), bound once.
 */
import type { CompiledQuery, Driver } from "./driver.js";

type Execute = (query: CompiledQuery, args: readonly unknown[]) => Promise<unknown>;

/**
 * `driver` with its `execute` replaced by `wrap(inner)`, where `inner` is the driver's own execute
 * taken now (the view never calls back into itself). Code that assigns `execute` on the view (a
 * test counting statements) wraps the view, as it would wrap the driver.
 */
export function withExecute(driver: Driver, wrap: (inner: Execute) => Execute): Driver {
  let execute = wrap(driver.execute.bind(driver) as Execute);
  const bound = new Map<PropertyKey, unknown>();
  return new Proxy(driver, {
    set(target, property, value) {
      if (property !== "execute") return Reflect.set(target, property, value, target);
      execute = value as Execute;
      return true;
    },
    get(target, property) {
      if (property === "execute") return execute;
      const value = Reflect.get(target, property, target);
      if (typeof value !== "function") return value;
      let fn = bound.get(property);
      if (fn === undefined) bound.set(property, (fn = (value as (...a: unknown[]) => unknown).bind(target)));
      return fn;
    },
  });
}
