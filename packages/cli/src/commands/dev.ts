import { existsSync, readdirSync, statSync, watch, type FSWatcher } from "node:fs";
import { dirname, join } from "node:path";
import { buildApp } from "../build/build-app.js";
import { reportBuildFailure, routeTable } from "../build/report.js";
import { portOption, ServerProcess } from "../supervise/server-process.js";
import { UsageError } from "../args.js";
import { ExitCode, shouldColor } from "../command.js";
import { defineCommand } from "../define-command.js";
import { reportInstallProblems } from "../installed.js";

const IGNORED = /(^|[\\/])(dist|\.kova|node_modules|\.git)([\\/]|$)/;

export const devCommand = defineCommand({
  name: "dev",
  summary: "Run a Kova app and rebuild and restart it on every change",
  usage: `Usage: kova dev [options] [PATH]

Like 'kova run', then watches PATH: when a .kova, .js or .env file changes it rebuilds; a good
build replaces the server on the same port, a failed one prints its errors and keeps the last
good server running. Every answered request is logged (KOVA_ACCESS_LOG=on; set it to off to
silence them).

Options:
  --port <N>             Port to listen on (default: $PORT or 3000)
  --host <HOST>          Address to listen on (default: $HOST or 127.0.0.1)
  --color, --no-color    Force colour on or off in diagnostics
  -h, --help             Show this help
`,
  options: { port: { type: "string" }, host: { type: "string" }, color: { type: "boolean" }, "no-color": { type: "boolean" } },
  async execute({ values, positionals }, context) {
    if (reportInstallProblems("dev", context.stderr)) return ExitCode.problems;
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
        // Development shows every request (one line each); `kova run` leaves that off by default.
        server = new ServerProcess({ outDir: result.outDir, appDir: result.appDir, port, host, workers: 1, envDefaults: { KOVA_ACCESS_LOG: "on" } });
        server.start();
        first = false;
      } while (again);
      building = false;
    };

    await rebuild(true);
    let timer: NodeJS.Timeout | undefined;
    const watcher = new FolderWatcher(entry, () => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        watcher.refresh();
        void rebuild(false);
      }, 100);
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

const WATCHED = /\.(kova|js|mjs|env)$|(^|[\\/])\.env$/;

/**
 * Watches every folder of the app (not build output) one by one. Node 20's recursive fs.watch on
 * Linux loses a file that an editor saves by replacing it (write a temp file, rename over), so
 * each folder gets its own plain watcher, which sees such renames; `refresh` picks up new folders.
 */
class FolderWatcher {
  private readonly watchers = new Map<string, FSWatcher>();

  constructor(
    private readonly root: string,
    private readonly onChange: () => void,
  ) {
    this.refresh();
  }

  refresh(): void {
    const base = existsSync(this.root) && statSync(this.root).isDirectory() ? this.root : dirname(this.root);
    for (const folder of this.folders(base)) {
      if (this.watchers.has(folder)) continue;
      const watcher = watch(folder, (_event, file) => {
        if (file && WATCHED.test(file)) this.onChange();
      });
      watcher.on("error", () => {
        watcher.close();
        this.watchers.delete(folder);
      });
      this.watchers.set(folder, watcher);
    }
  }

  private folders(dir: string): string[] {
    const found = [dir];
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (IGNORED.test(name) || name.startsWith(".")) continue;
      try {
        if (statSync(path).isDirectory()) found.push(...this.folders(path));
      } catch {
        // removed while we looked
      }
    }
    return found;
  }

  close(): void {
    for (const watcher of this.watchers.values()) watcher.close();
    this.watchers.clear();
  }
}
