/**
 * Runs an engine until SIGTERM or SIGINT, then drains it: new tenant requests get 503 with
 * Retry-After, requests in flight finish (up to KOVA_ENGINE_SHUTDOWN_MS), then it exits.
 */
import { Engine } from "./engine.js";
import { engineConfig, EngineConfigError } from "./config.js";

export async function runEngine(env: NodeJS.ProcessEnv, overrides: { port?: number; host?: string; workers?: number } = {}, out: { write(text: string): unknown } = process.stderr): Promise<number> {
  let engine: Engine;
  try {
    engine = await Engine.start(engineConfig(env, overrides));
  } catch (error) {
    out.write(`kova engine: ${error instanceof EngineConfigError ? error.message : error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
  return await new Promise<number>((resolve) => {
    const stop = (): void => {
      process.off("SIGTERM", stop);
      process.off("SIGINT", stop);
      engine.log.info("draining");
      engine.close().then(() => resolve(0), (error: unknown) => {
        engine.log.error({ err: error }, "shutdown failed");
        resolve(1);
      });
    };
    process.on("SIGTERM", stop);
    process.on("SIGINT", stop);
  });
}
