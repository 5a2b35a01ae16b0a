import { existsSync, rmSync, statSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { buildApp } from "../build/build-app.js";
import { reportBuildFailure, routeTable } from "../build/report.js";
import { hostFlag, portFlag } from "../args.js";
import { ExitCode, shouldColor } from "../command.js";
import { defineCommand } from "../define-command.js";
import { DevServer } from "../dev/dev-server.js";
import { FolderWatcher } from "../dev/folder-watcher.js";
import { reportInstallProblems } from "../installed.js";

export const devCommand = defineCommand({
  name: "dev",
  summary: "Run a Kova app and rebuild and restart it on every change",
  usage: `Usage: kova dev [options] [PATH]

Like 'kova run', then watches PATH: when a .kova, .js, .env or kova.config.json file changes it
rebuilds. A good build replaces the server on the same port; a build with errors, or one that
cannot start (a missing env() variable, a type change over stored data), prints why and keeps
the last good server running. Builds go to PATH/.kova/dev/, not dist/. Every answered request is logged
(KOVA_ACCESS_LOG=on; set it to off to silence them).

Options:
  --port <N>             Port to listen on, 0 to 65535 (0: any free port, kept across restarts)
  --host <HOST>          Address to listen on
                         Without them: $PORT/$HOST, then .env, then kova.config.json's
                         port/host, then 3000 and 127.0.0.1 (see docs/getting-started.md)
  --color, --no-color    Force colour on or off in diagnostics
  -h, --help             Show this help
`,
  options: { port: { type: "string" }, host: { type: "string" }, color: { type: "boolean" }, "no-color": { type: "boolean" } },
  async execute({ values, positionals }, context) {
    if (reportInstallProblems("dev", context.stderr)) return ExitCode.problems;
    const flags = { port: portFlag(values.port), host: hostFlag(values.host) };
    const entry = positionals[0] ?? ".";
    const color = shouldColor({ color: values.color === true, noColor: values["no-color"] === true }, context.stderr, context.env);
    const server = new DevServer(appDirOf(entry), flags);
    let serving = false;
    let building = false;
    let again = false;

    const rebuild = async () => {
      if (building) {
        again = true;
        return;
      }
      building = true;
      do {
        again = false;
        const started = performance.now();
        const result = await buildApp({ entry, outDir: server.nextOutDir() });
        if (!result.ok) {
          rmSync(result.outDir, { recursive: true, force: true });
          reportBuildFailure(result, context.stderr, color);
          context.stderr.write(serving ? "kova dev: keeping the last good server running; fix the errors and save\n" : "kova dev: waiting for a good build\n");
          continue;
        }
        const swap = await server.swapTo(result.outDir);
        if (swap.kind === "started") {
          const ms = (performance.now() - started).toFixed(0);
          context.stdout.write(serving ? `rebuilt in ${ms} ms, restarted on ${swap.url}\n` : `Kova dev server on ${swap.url}\n${routeTable(result.routes, swap.url)}`);
          serving = true;
        } else {
          context.stderr.write(`kova dev: the new build cannot start: ${swap.reason}\n`);
          serving = swap.url !== undefined;
          context.stderr.write(serving ? `kova dev: keeping the last good server running on ${swap.url}; fix it and save\n` : "kova dev: waiting for a change that starts\n");
        }
      } while (again);
      building = false;
    };

    await rebuild();
    let timer: NodeJS.Timeout | undefined;
    const watcher = new FolderWatcher(entry, () => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        watcher.refresh();
        void rebuild();
      }, 100);
    });
    return await new Promise<number>((resolve) => {
      const stop = async () => {
        watcher.close();
        clearTimeout(timer);
        await server.stop();
        resolve(ExitCode.ok);
      };
      process.once("SIGINT", () => void stop());
      process.once("SIGTERM", () => void stop());
    });
  },
});

/** The app folder, as `buildApp` finds it: PATH itself, or the folder of a .kova file. */
function appDirOf(entry: string): string {
  const path = resolve(entry);
  return existsSync(path) && statSync(path).isDirectory() ? path : dirname(path);
}
