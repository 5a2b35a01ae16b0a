import { existsSync, readFileSync, statSync } from "node:fs";
import { createServer } from "node:http";
import { createRequire } from "node:module";
import { dirname, extname, join, resolve, sep } from "node:path";
import { hostFlag, portFlag, UsageError } from "../args.js";
import { ExitCode } from "../command.js";
import { defineCommand } from "../define-command.js";

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".wasm": "application/wasm",
  ".json": "application/json",
  ".map": "application/json",
};

/** The built playground of this Kova checkout (`npm run playground` writes packages/playground/site). */
function defaultSite(): string | undefined {
  try {
    return join(dirname(createRequire(import.meta.url).resolve("@kova/playground/package.json")), "site");
  } catch {
    return undefined;
  }
}

export const playgroundCommand = defineCommand({
  name: "playground",
  summary: "Serve the Kova playground (the browser editor) locally",
  usage: `Usage: kova playground [--port N] [--host H] [--dir SITE]

Serves the playground's static files: the compiler and the store run in your browser, so this
is only a file server. Build the files first with \`npm run playground\` in the Kova repository.

Options:
  --port N    Port to listen on (default 4780; 0 picks a free one)
  --host H    Interface to listen on (default 127.0.0.1: the browser's storage needs a secure
              context, which localhost is)
  --dir SITE  The built playground folder (default: packages/playground/site of this Kova)
  -h, --help  Show this help
`,
  options: { port: { type: "string" }, host: { type: "string" }, dir: { type: "string" } },
  async execute({ values, positionals }, context) {
    if (positionals.length > 0) throw new UsageError(`unexpected argument '${positionals[0]}'`);
    const site = typeof values.dir === "string" ? resolve(values.dir) : defaultSite();
    if (site === undefined || !existsSync(join(site, "index.html"))) {
      context.stderr.write(
        `kova playground: no built playground${site === undefined ? "" : ` in ${site}`} (no index.html); build it with \`npm run playground\` in the Kova repository, or pass --dir\n`,
      );
      return ExitCode.problems;
    }
    const port = portFlag(values.port) ?? 4780;
    const host = hostFlag(values.host) ?? "127.0.0.1";
    const server = createServer((req, res) => {
      let path: string;
      try {
        path = decodeURIComponent(new URL(req.url ?? "/", "http://localhost").pathname);
      } catch {
        res.writeHead(400).end();
        return;
      }
      const file = resolve(site, `.${path.endsWith("/") ? `${path}index.html` : path}`);
      // Only files inside the site folder, never a path that climbs out of it.
      if ((file !== site && !file.startsWith(site + sep)) || !existsSync(file) || !statSync(file).isFile()) {
        res.writeHead(404, { "content-type": "text/plain; charset=utf-8" }).end("not found\n");
        return;
      }
      res.writeHead(200, { "content-type": TYPES[extname(file)] ?? "application/octet-stream", "cache-control": "no-cache" });
      res.end(req.method === "HEAD" ? undefined : readFileSync(file));
    });
    await new Promise<void>((ready, fail) => {
      server.once("error", fail);
      server.listen(port, host, ready);
    }).catch((error: NodeJS.ErrnoException) => {
      throw new UsageError(`cannot listen on ${host}:${port} (${error.code ?? error.message})`);
    });
    const address = server.address() as { port: number };
    context.stdout.write(`Kova playground at http://${host.includes(":") ? `[${host}]` : host}:${address.port}/ (serving ${site}; Ctrl-C to stop)\n`);
    return new Promise<number>((done) => {
      const stop = () => server.close(() => done(ExitCode.ok));
      process.once("SIGINT", stop);
      process.once("SIGTERM", stop);
    });
  },
});
