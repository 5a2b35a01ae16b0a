import { watch } from "node:fs";
import { buildApp } from "../build/build-app.js";
import { reportBuildFailure, routeTable } from "../build/report.js";
import { portOption, ServerProcess } from "../build/server-process.js";
import { UsageError } from "../args.js";
import { ExitCode, shouldColor } from "../command.js";
import { defineCommand } from "../define-command.js";

const IGNORED = /(^|[\\/])(dist|\.kova|node_modules|\.git)([\\/]|$)/;

export const devCommand = defineCommand({
  name: "dev",
  summary: "Run a Kova app and rebuild and restart it on every change",
  usage: `Usage: kova dev [options] [PATH]

Like 'kova run', then watches PATH: when a .kova, .js or .env file changes it rebuilds; a good
build replaces the server on the same port, a failed one prints its errors and keeps the last
good server running.

Options:
  --port <N>             Port to listen on (default: $PORT or 3000)
  --host <HOST>          Address to listen on (default: $HOST or 127.0.0.1)
  --color, --no-color    Force colour on or off in diagnostics
  -h, --help             Show this help
`,
  options: { port: { type: "string" }, host: { type: "string" }, color: { type: "boolean" }, "no-color": { type: "boolean" } },
  async execute({ values, positionals }, context) {
    let port: number;
    try {
      port = portOption(values.port, context.env);
    } catch (error) {
      throw new UsageError((error as Error).message);
    }
    const host = String(values.host ?? context.env.HOST ?? "127.0.0.1");
    const entry = positionals[0] ?? ".";
    const color = shouldColor({ color: values.color === true, noColor: values["no-color"] === true }, context.stderr, context.env);
    const url = `http://${host}:${port}`;
    let server: ServerProcess | undefined;
    let building = false;
    let again = false;

    const rebuild = async (first: boolean) => {
      if (building) {
        again = true;
        return;
      }
      building = true;
      do {
        again = false;
        const result = await buildApp({ entry });
        if (!result.ok) {
          reportBuildFailure(result, context.stderr, color);
          context.stderr.write(server ? "kova dev: keeping the last good server running; fix the errors and save\n" : "kova dev: waiting for a good build\n");
          continue;
        }
        await server?.stop();
        context.stdout.write(`${first ? "Kova dev server" : "rebuilt in " + result.ms.toFixed(0) + " ms, restarted"} on ${url}\n${first ? routeTable(result.routes, url) : ""}`);
        server = new ServerProcess(result.outDir, result.appDir, port, host);
        server.start();
        first = false;
      } while (again);
      building = false;
    };

    await rebuild(true);
    let timer: NodeJS.Timeout | undefined;
    const watcher = watch(entry, { recursive: true }, (_event, file) => {
      if (!file || IGNORED.test(file) || !/\.(kova|js|mjs|env)$|(^|[\\/])\.env$/.test(file)) return;
      clearTimeout(timer);
      timer = setTimeout(() => void rebuild(false), 100);
    });
    return await new Promise<number>((resolve) => {
      const stop = async () => {
        watcher.close();
        clearTimeout(timer);
        await server?.stop();
        resolve(ExitCode.ok);
      };
      process.once("SIGINT", () => void stop());
      process.once("SIGTERM", () => void stop());
    });
  },
});
