import { existsSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { driverPackage } from "@kova/driver-embedded";
import { SqliteJobStore, type Job, type JobState } from "@kova/runtime";
import { UsageError } from "../args.js";
import { ExitCode, type CliContext } from "../command.js";
import { defineCommand } from "../define-command.js";

const ACTIONS = ["list", "jobs", "dead", "show", "retry", "drop"] as const;
type Action = (typeof ACTIONS)[number];

export const tasksCommand = defineCommand({
  name: "tasks",
  summary: "List task queues and jobs; retry or drop dead letters",
  usage: `Usage: kova tasks [ACTION] [ID] [--app PATH] [--json]

Reads the job queue of the app at PATH (default "."): its embedded store, .kova/data.db (or
.kova/tasks.db when the app's data lives in another database). A running app holds that file
alone unless it runs with --workers or locking "shared": stop it first, or use one of those.

Actions:
  list                  Each task's jobs by state: queued, running, done, dead (the default)
  jobs [TASK]           The latest 50 jobs (of one task)
  dead                  The dead-letter list: jobs that used up their attempts, with their last error
  show ID               One job: arguments, attempts, times, last error
  retry ID              Queue a dead job again, with a fresh set of attempts
  drop ID               Delete a dead job

Options:
  --app <PATH>          The app folder (default ".")
  --json                Print JSON instead of a table
  -h, --help            Show this help
`,
  options: { app: { type: "string" }, json: { type: "boolean" } },
  async execute({ values, positionals }, context) {
    const action = (positionals[0] ?? "list") as Action;
    if (!ACTIONS.includes(action)) throw new UsageError(`unknown action '${positionals[0]}' (actions: ${ACTIONS.join(", ")})`);
    const needsId = action === "show" || action === "retry" || action === "drop";
    const id = needsId ? Number(positionals[1]) : undefined;
    if (needsId && (!Number.isInteger(id) || id! < 1)) throw new UsageError(`${action} takes a job id (a whole number), as in kova tasks ${action} 12`);
    const appDir = resolve(String(values.app ?? "."));
    const file = [join(appDir, ".kova", "data.db"), join(appDir, ".kova", "tasks.db")].find((f) => existsSync(f) && statSync(f).isFile());
    if (file === undefined) {
      context.stderr.write(`kova tasks: ${appDir} has no embedded store (.kova/data.db); start the app once first\n`);
      return ExitCode.problems;
    }
    const driver = driverPackage.createDriver({ name: "tasks", appDir, options: { path: file, locking: "shared", busyTimeout: 1000 } });
    try {
      await driver.connect();
      const store = new SqliteJobStore(driver, "kova-tasks-cli");
      await store.migrate();
      return await run(action, id, store, context, values.json === true, positionals[1]);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      const busy = /SQLITE_BUSY|database is locked|another process/i.test(message);
      context.stderr.write(`kova tasks: ${busy ? `${file} is held by the running app (stop it, or run it with --workers or locking "shared")` : message}\n`);
      return ExitCode.problems;
    } finally {
      await driver.close();
    }
  },
});

async function run(action: Action, id: number | undefined, store: SqliteJobStore, context: CliContext, json: boolean, task: string | undefined): Promise<number> {
  const out = (value: unknown, table: () => string) => context.stdout.write(json ? JSON.stringify(value, null, 2) + "\n" : table());
  switch (action) {
    case "list": {
      const counts = await store.counts();
      out(counts, () =>
        counts.length === 0
          ? "no jobs yet\n"
          : table(["task", "queued", "running", "done", "dead"], counts.map((c) => [c.task, c.queued, c.running, c.done, c.dead].map(String))),
      );
      return ExitCode.ok;
    }
    case "jobs":
    case "dead": {
      const jobs = await store.list({ task: action === "jobs" ? task : undefined, state: action === "dead" ? ("dead" satisfies JobState) : undefined, limit: 50 });
      out(jobs, () => (jobs.length === 0 ? (action === "dead" ? "no dead letters\n" : "no jobs\n") : table(["id", "task", "state", "attempts", "due", "last error"], jobs.map(row))));
      return ExitCode.ok;
    }
    case "show": {
      const job = await store.get(id!);
      if (job === null) return missing(context, id!);
      out(job, () => Object.entries(job).map(([k, v]) => `${k.padEnd(12)} ${k.endsWith("At") || k === "leaseUntil" ? time(v as number | null) : JSON.stringify(v)}\n`).join(""));
      return ExitCode.ok;
    }
    case "retry":
    case "drop": {
      const done = action === "retry" ? await store.retryDead(id!) : await store.dropDead(id!);
      if (!done) {
        const job = await store.get(id!);
        if (job === null) return missing(context, id!);
        context.stderr.write(`kova tasks: job ${id} is ${job.state}, not dead; only dead letters are retried or dropped\n`);
        return ExitCode.problems;
      }
      context.stdout.write(action === "retry" ? `job ${id} queued again\n` : `job ${id} dropped\n`);
      return ExitCode.ok;
    }
  }
}

function missing(context: CliContext, id: number): number {
  context.stderr.write(`kova tasks: there is no job ${id}\n`);
  return ExitCode.problems;
}

function row(job: Job): string[] {
  return [String(job.id), job.task, job.state, `${job.attempts}/${job.maxAttempts}`, time(job.runAt), (job.lastError ?? "").slice(0, 60)];
}

function time(ms: number | null): string {
  return ms === null ? "-" : new Date(ms).toISOString();
}

function table(head: string[], rows: string[][]): string {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i])).join("  ").trimEnd() + "\n";
  return line(head) + rows.map(line).join("");
}
