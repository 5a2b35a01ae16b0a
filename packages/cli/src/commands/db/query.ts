/**
 * `kova db query 'SELECT … FROM Entity …'`: a Kova query against an app's entities, from the
 * command line. The query goes through the app's own pipeline — it is added to the app as one
 * endpoint (`RESPOND <query>`, in a file that IMPORTs the app's root), checked, planned and
 * compiled for the data source's dialect by the build, and answered by the runtime's server on a
 * loopback port — so it means exactly what it would in the program, on every driver, and a
 * mistake gets the compiler's diagnostic with its code frame. The data sources connect as the app's
 * start connects them (schema brought up to the app's, as `kova run` would). An embedded store held
 * by the running app is read from a copy the app writes.
 */
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { checkFiles, findKovaFiles } from "@kova/compiler";
import { connectDataSources, createServer, loadEnv, resolveAppEnv, type AppDefinition, type DataSources } from "@kova/runtime";
import { UsageError } from "../../args.js";
import { buildApp } from "../../build/build-app.js";
import { appInstallProblem } from "../../installed.js";
import { reportBuildFailure } from "../../build/report.js";
import { ExitCode, shouldColor, type CliContext } from "../../command.js";
import { defineCommand } from "../../define-command.js";
import { isEmbedded, runningAppCopy, SourceError } from "./app-source.js";
import { report, writeJson } from "./kv.js";

const QUERY_PATH = "/kova-db-query";
const QUERY_FILE = "kova-db-query.kova";

export const queryCommand = defineCommand({
  name: "db query",
  summary: "Run a Kova query (SELECT, HISTORY, AS OF, aggregates) against an app's entities and print the rows",
  usage: `Usage: kova db query 'QUERY' [--app DIR] [--json]

Runs QUERY, written as in a Kova program, against the app in DIR (default .), on its data source:

  kova db query 'SELECT * FROM Note WHERE pinned = true ORDER_BY id LIMIT 10'
  kova db query 'SELECT title FROM Note AS OF "2026-01-31T12:00:00Z"'
  kova db query 'SELECT pinned, COUNT(*) AS n FROM Note GROUP_BY pinned'

Prints the rows as a table (columns in the order the query gives them), or JSON with --json.
A query that writes is refused. The data source is connected as the app connects it at start
(its schema brought up to the app's, as 'kova run' would do). A mistake in the query is reported
with the compiler's message, pointing into the query.

Options:
  --app DIR     The app folder (default .)
  --json        The result as JSON (and errors as JSON on stderr)
  -h, --help    Show this help`,
  options: { app: { type: "string" }, json: { type: "boolean" }, color: { type: "boolean" }, "no-color": { type: "boolean" } },
  async execute({ values, positionals }, context) {
    if (positionals.length !== 1 || positionals[0].trim() === "") throw new UsageError("expected one QUERY, quoted: kova db query 'SELECT * FROM Note LIMIT 10'");
    const query = positionals[0].trim();
    if (/[\r\n]/.test(query)) throw new UsageError("write the QUERY on one line");
    const appDir = resolve(typeof values.app === "string" ? values.app : ".");
    const color = shouldColor({ color: values.color === true, noColor: values["no-color"] === true }, context.stderr, context.env);
    const fail = (message: string, code: string, exit: number = ExitCode.problems) => report("query", values, context, message, undefined, code, exit);

    // The app's root (the file nothing imports) is what the query's file imports.
    const files = findKovaFiles([appDir]).files.filter((f) => !f.endsWith(".test.kova") && !f.endsWith(QUERY_FILE));
    if (files.length === 0) return fail(`no .kova files in ${appDir}`, "no-app");
    const programs = checkFiles(files).programs;
    if (programs.length !== 1) return fail(`${appDir} holds ${programs.length} programs; point --app at one app`, "no-app");
    const root = relative(appDir, programs[0].root).split("\\").join("/");
    const virtualFile = join(appDir, QUERY_FILE);
    const text = `IMPORT "./${root}"\n\nGET ${QUERY_PATH} {\n  RESPOND ${query}\n}\n`;

    // Built beside the app (in its .kova folder, which no build reads): the compiled query imports
    // the app's own @kova/runtime and drivers, found from there.
    mkdirSync(join(appDir, ".kova"), { recursive: true });
    const outDir = mkdtempSync(join(appDir, ".kova", "query-"));
    const scratch: string[] = [];
    let dataSources: DataSources | undefined;
    try {
      const built = await buildApp({ entry: appDir, outDir, virtualFiles: { [virtualFile]: text } });
      if (!built.ok) {
        if (values.json === true) {
          const diagnostics = built.check.diagnostics.filter((d) => d.severity === "error").map((d) => ({ code: d.code, message: d.message, suggestion: d.suggestion, line: d.span.file === virtualFile ? undefined : d.span.start.line }));
          context.stderr.write(JSON.stringify({ error: { code: "query-rejected", message: diagnostics.map((d) => d.message).join("; ") || built.errors.join("; "), diagnostics } }) + "\n");
        } else reportBuildFailure(built, context.stderr, color);
        return ExitCode.usage;
      }
      const notInstalled = appInstallProblem(appDir, outDir);
      if (notInstalled !== undefined) return fail(notInstalled, "not-installed");
      const { app } = (await import(`${pathToFileURL(join(outDir, "app.js")).href}?t=${Date.now()}`)) as { app: AppDefinition };
      // The compiler says which endpoints write: a query that would is refused before it runs.
      if ((app.routes.find((r) => r.path === QUERY_PATH)?.writes ?? []).length > 0) {
        return fail("kova db query only reads (SELECT, HISTORY, AS OF, aggregates); this query writes: write through the app's API, or with kova db set for a key/value collection", "query-writes", ExitCode.usage);
      }
      const env = resolveAppEnv(app.env, loadEnv(appDir, context.env, false), appDir);
      // A running app holds its embedded store alone: the query reads a copy it writes.
      const sources = [];
      for (const source of app.dataSources) {
        const copy = isEmbedded(source.driver) ? await runningAppCopy(appDir, source.name, source.options(env), context) : undefined;
        if (copy !== undefined) scratch.push(copy.scratch);
        sources.push(copy === undefined ? source : { ...source, options: () => copy.options });
      }
      const served: AppDefinition = { ...app, dataSources: sources, routes: app.routes.filter((r) => r.path === QUERY_PATH), tasks: [], sockets: [], caches: [] };
      // Connected as the app connects at start (which brings the schema up to the app's: a no-op on a
      // database the app already runs on); drivers learn the entities' schemas there.
      dataSources = await connectDataSources(served, appDir, env);
      const server = createServer(served, { logLevel: context.env.KOVA_LOG_LEVEL ?? "silent", dataSources, env });
      await server.listen(0, "127.0.0.1");
      let status: number;
      let body: unknown;
      try {
        const response = await fetch(`${server.url}${QUERY_PATH}`);
        status = response.status;
        const answer = await response.text();
        body = answer === "" ? null : JSON.parse(answer);
      } finally {
        await server.close();
      }
      if (status >= 400) {
        const detail = (body as { detail?: string } | null)?.detail ?? `status ${status}`;
        return fail(`the query failed: ${detail}`, "query-failed");
      }
      if (values.json === true) writeJson(context, body);
      else context.stdout.write(table(body));
      return ExitCode.ok;
    } catch (error) {
      if (error instanceof SourceError || (error as Error).name === "StartupError") return fail((error as Error).message, "data-source");
      throw error;
    } finally {
      await dataSources?.close().catch(() => {});
      rmSync(outDir, { recursive: true, force: true });
      for (const dir of scratch) rmSync(dir, { recursive: true, force: true });
    }
  },
});

/** Rows as an aligned text table; a single row or value as it is. */
export function table(result: unknown): string {
  if (!Array.isArray(result)) {
    if (result !== null && typeof result === "object") return table([result]);
    return `${cell(result)}\n`;
  }
  if (result.length === 0) return "(no rows)\n";
  const columns: string[] = [];
  for (const row of result) {
    if (row === null || typeof row !== "object" || Array.isArray(row)) return result.map((v) => `${cell(v)}\n`).join("");
    for (const name of Object.keys(row)) if (!columns.includes(name)) columns.push(name);
  }
  const cells = result.map((row) => columns.map((c) => cell((row as Record<string, unknown>)[c])));
  const widths = columns.map((c, i) => Math.min(60, Math.max(c.length, ...cells.map((r) => r[i].length))));
  const line = (values: string[]) => values.map((v, i) => (v.length > widths[i] ? `${v.slice(0, widths[i] - 1)}…` : v.padEnd(widths[i]))).join("  ").trimEnd();
  return [line(columns), line(widths.map((w) => "-".repeat(w))), ...cells.map(line), `(${result.length} row${result.length === 1 ? "" : "s"})`].join("\n") + "\n";
}

function cell(value: unknown): string {
  if (value === null || value === undefined) return "null";
  if (typeof value === "string") return value.replace(/[\r\n\t]/g, " ");
  return JSON.stringify(value);
}
