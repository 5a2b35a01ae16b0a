import { availableParallelism } from "node:os";
import { resolve } from "node:path";
import { buildApp } from "../build/build-app.js";
import { reportBuildFailure, routeTable } from "../build/report.js";
import { ServerProcess } from "../supervise/server-process.js";
import { hostFlag, portFlag, UsageError } from "../args.js";
import { ExitCode, shouldColor } from "../command.js";
import { defineCommand } from "../define-command.js";
import { appInstallProblem, reportInstallProblems, withInstallHint } from "../installed.js";

export const runCommand = defineCommand({
  name: "run",
  summary: "Build a Kova app and start it",
  usage: `Usage: kova run [options] [PATH]

Builds the app at PATH (default ".") like 'kova build', prints its URL and routes, and starts
node dist/server.js. With no CONNECT in the program, data lives in the embedded store under
PATH/.kova/ and survives restarts. Stop it with Ctrl-C (in-flight requests are finished first).
Logs are JSON lines on stdout; one line per request only with KOVA_ACCESS_LOG=on (as 'kova dev').

Options:
  --port <N>             Port to listen on, 0 to 65535 (0: any free port)
  --host <HOST>          Address to listen on
                         Without them: $PORT/$HOST, then .env, then kova.config.json's
                         port/host, then 3000 and 127.0.0.1 (see docs/getting-started.md)
  --workers <N>          Run N server processes on the port (default 1; "auto" = one per core).
                         The embedded store is shared between them (file locking in shared mode).
  --role <ROLE>          web: serve HTTP and enqueue jobs only; worker: run TASK jobs only,
                         opening no port; all (default): both (see docs/language.md, TASK)
  --tls-cert <FILE>      Serve HTTPS with this PEM certificate (chain) ...
  --tls-key <FILE>       ... and this PEM private key (both, or neither; also KOVA_TLS_CERT/
                         KOVA_TLS_KEY or kova.config.json "tls"). SIGHUP reloads them for new
                         connections (see docs/operations.md)
  --http <LAYER>         fast (default for plain HTTP): Node's own HTTP/1.1 parser on node:net,
                         without node:http's request/response objects; node: node:http (always
                         with TLS). Also KOVA_HTTP or kova.config.json "http"; docs/operations.md
  --vm                   Run the handlers on the metered VM from signed bytecode (as
                         'kova build --target bytecode'); the pipeline stays the runtime's
  --no-bundle            Run the server with its runtime from node_modules, not bundled
                         (as 'kova build --no-bundle')
  --color, --no-color    Force colour on or off in diagnostics
  -h, --help             Show this help
`,
  options: { vm: { type: "boolean" }, "no-bundle": { type: "boolean" }, port: { type: "string" }, host: { type: "string" }, workers: { type: "string" }, role: { type: "string" }, http: { type: "string" }, "tls-cert": { type: "string" }, "tls-key": { type: "string" }, color: { type: "boolean" }, "no-color": { type: "boolean" } },
  async execute({ values, positionals }, context) {
    const port = portFlag(values.port);
    const host = hostFlag(values.host);
    const workersText = String(values.workers ?? "1");
    const workers = workersText === "auto" ? availableParallelism() : Number(workersText);
    if (!/^(\d+|auto)$/.test(workersText) || !Number.isInteger(workers) || workers < 1 || workers > 256) throw new UsageError(`--workers takes a whole number from 1 to 256 or "auto", not '${workersText}'`);
    const role = values.role === undefined ? undefined : String(values.role);
    if (role !== undefined && !["web", "worker", "all"].includes(role)) throw new UsageError(`--role takes web, worker or all, not '${role}'`);
    const tlsCert = values["tls-cert"] === undefined ? undefined : String(values["tls-cert"]);
    const tlsKey = values["tls-key"] === undefined ? undefined : String(values["tls-key"]);
    if ((tlsCert === undefined) !== (tlsKey === undefined)) throw new UsageError(`--tls-cert and --tls-key go together: ${tlsCert === undefined ? "--tls-cert" : "--tls-key"} is missing`);
    const http = values.http === undefined ? undefined : String(values.http);
    if (http !== undefined && http !== "node" && http !== "fast") throw new UsageError(`--http takes node or fast, not '${http}'`);
    const tlsEnv = tlsCert === undefined || tlsKey === undefined ? undefined : { KOVA_TLS_CERT: resolve(tlsCert), KOVA_TLS_KEY: resolve(tlsKey) };
    const envOverrides = http === undefined ? tlsEnv : { ...tlsEnv, KOVA_HTTP: http };
    if (reportInstallProblems("run", context.stderr)) return ExitCode.problems;
    const result = await buildApp({ entry: positionals[0] ?? ".", bytecode: values.vm === true, bundle: values["no-bundle"] !== true });
    if (!result.ok) {
      result.errors = result.errors.map((e) => withInstallHint(e));
      reportBuildFailure(result, context.stderr, shouldColor({ color: values.color === true, noColor: values["no-color"] === true }, context.stderr, context.env));
      return ExitCode.problems;
    }
    const notInstalled = appInstallProblem(result.appDir, result.outDir);
    if (notInstalled !== undefined) {
      context.stderr.write(`kova run: ${notInstalled}\n`);
      return ExitCode.problems;
    }
    const server = new ServerProcess({ outDir: result.outDir, appDir: result.appDir, port, host, workers, role, envOverrides });
    const child = server.start();
    // Ctrl-C reaches the child too (same process group); forward SIGTERM explicitly.
    const forward = () => child.kill("SIGTERM");
    process.on("SIGTERM", forward);
    process.on("SIGINT", () => undefined);
    // SIGHUP reloads the TLS certificate in the app (its default action would end this process).
    process.on("SIGHUP", () => child.kill("SIGHUP"));
    const exited = new Promise<number>((resolve) => child.once("exit", (code, signal) => resolve(code ?? (signal ? 0 : 1))));
    // The URL comes from the app once it listens: the port it resolved (flag, PORT, .env,
    // kova.config.json or 3000) and the real one when that is 0.
    if (role === "worker") {
      context.stdout.write(`Kova app ${result.appDir}: worker running its tasks (no HTTP)\n`);
      return await exited;
    }
    const url = await server.address;
    if (url !== undefined) context.stdout.write(`Kova app ${result.appDir} on ${url}${workers > 1 ? ` (${workers} workers)` : ""}\n${routeTable(result.routes, url)}`);
    return await exited;
  },
});
