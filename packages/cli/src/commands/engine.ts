import { hostFlag, portFlag, UsageError } from "../args.js";
import { ExitCode } from "../command.js";
import { defineCommand } from "../define-command.js";

export const engineCommand = defineCommand({
  name: "engine",
  summary: "Run the multi-tenant engine: tenants deploy programs over HTTP, run on the VM",
  usage: `Usage: kova engine [options]

Starts the Kova engine (see docs/engine.md, "The engine server"): tenants deploy .kova programs
with POST /_engine/deploy; the engine compiles them, signs the bytecode with its Ed25519 key,
stores every version by SHA-256 and serves each tenant's endpoints under /t/<tenant>/ with every
handler on the metered VM under the tenant's quotas. SIGTERM or Ctrl-C drains it.

Settings come from the environment:
  KOVA_ENGINE_ADMIN_KEY      the operator's key (required, at least 24 characters)
  KOVA_ENGINE_PG_URL         PostgreSQL for the engine's store (default: an embedded file)
  KOVA_ENGINE_REDIS_URL      Redis shared by engine nodes: program cache and deploy announcements
  KOVA_ENGINE_DATA_DIR       the engine's folder (default .kova-engine)
  KOVA_ENGINE_SIGNING_KEY    the Ed25519 private key (PEM) that signs deploys
  KOVA_ENGINE_TRUSTED_KEYS   earlier public keys (PEM files, comma-separated) still accepted
  and more in docs/engine.md.

Options:
  --port <N>     Port to listen on (default KOVA_ENGINE_PORT, then 7400; 0: any free port)
  --host <H>     Address to listen on (default KOVA_ENGINE_HOST, then 127.0.0.1)
  --workers <N>  Worker threads executions run on (default KOVA_ENGINE_WORKERS, then the
                 machine's available parallelism; 0: every execution on the main thread)
  -h, --help     Show this help
`,
  options: { port: { type: "string" }, host: { type: "string" }, workers: { type: "string" } },
  async execute({ values, positionals }, context) {
    if (positionals.length > 0) throw new UsageError(`unexpected argument '${positionals[0]}'`);
    const port = portFlag(values.port);
    const host = hostFlag(values.host);
    const workers = values.workers === undefined ? undefined : Number(values.workers);
    if (workers !== undefined && !(Number.isInteger(workers) && workers >= 0)) throw new UsageError(`--workers takes a whole number ≥ 0 (0: no worker threads), not '${values.workers}'`);
    // Loaded here: the engine brings the compiler, the VM and the database clients, so it is an
    // optional peer of the CLI, installed by those who host one.
    const engine = await import("@kova/engine").catch((error: NodeJS.ErrnoException) => {
      if (error.code !== "ERR_MODULE_NOT_FOUND") throw error;
      throw new UsageError("kova engine needs the @kova/engine package: npm install @kova/engine");
    });
    const { runEngine } = engine;
    const code = await runEngine(context.env as NodeJS.ProcessEnv, { ...(port === undefined ? {} : { port }), ...(host === undefined ? {} : { host }), ...(workers === undefined ? {} : { workers }) }, context.stderr);
    return code === 0 ? ExitCode.ok : ExitCode.problems;
  },
});
