/**
 * What a compiled TEST runs against: the app served in this process on a loopback port with a
 * fresh store, and a context with what its statements call — `request` (the app's own endpoint,
 * over a real connection, through the whole pipeline), `expect`, `db` (seed queries, AS OF reads)
 * and `env`. One TestContext per test; `close` stops the server and the store and deletes it.
 *
 * With `isolated` (`kova test --db`), the app's server databases (PostgreSQL, MariaDB/MySQL) are
 * used as configured, each inside one transaction that `close` rolls back; embedded stores are
 * still fresh per test.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Driver, TestIsolation } from "@kova/query";
import { pino, type Logger } from "pino";
import type { AppDefinition, AppEnv, TestDefinition } from "../app.js";
import { connectDataSources, type DataSources } from "../data-sources.js";
import { createServer } from "../create-server.js";
import type { KovaServer } from "../server.js";
import { TaskRuntime } from "../tasks/task-runtime.js";
import type { EnqueueOptions } from "../tasks/definition.js";
import { expectation, type ExpectOperator, type ExpectPlace } from "./expect.js";

/** What a request expression evaluates to in Kova: `r.status`, `r.body.title`, `r.headers.location`. */
export interface TestResponse {
  status: number;
  /** The parsed JSON body; the text for other content types; null when empty. */
  body: unknown;
  /** Lower-case names. */
  headers: Record<string, string>;
  text: string;
}

export class TestContext {
  private constructor(
    readonly env: AppEnv,
    readonly log: Logger,
    private readonly dataSources: DataSources,
    private readonly server: KovaServer,
    private readonly tasks: TaskRuntime | undefined,
    private readonly dir: string,
    private readonly file: string,
    private readonly isolations: readonly TestIsolation[],
  ) {}

  /** A fresh embedded store in a temporary folder, the app's server on 127.0.0.1 (a free port). */
  static async open(app: AppDefinition, test: TestDefinition, env: AppEnv, options: { isolated?: boolean; log?: Logger } = {}): Promise<TestContext> {
    const log = options.log ?? pino({ level: "silent" });
    const dir = mkdtempSync(join(tmpdir(), "kova-test-"));
    let dataSources: DataSources | undefined;
    let tasks: TaskRuntime | undefined;
    const isolations: TestIsolation[] = [];
    try {
      dataSources = await connectDataSources(app, dir, env);
      if (options.isolated) for (const [name, driver] of dataSources.drivers) if (app.dataSources.find((s) => s.name === name)?.driver !== "embedded") isolations.push(await isolate(name, driver));
      if ((app.tasks ?? []).length > 0) tasks = await TaskRuntime.start(app, { dataSources, env, log, appDir: dir, pollMs: 20 });
      const server = createServer(app, { logger: log, dataSources, env });
      await server.listen(0, "127.0.0.1");
      return new TestContext(env, log, dataSources, server, tasks, dir, test.source.file, isolations);
    } catch (error) {
      await tasks?.close().catch(() => {});
      for (const isolation of isolations) await isolation.rollback().catch(() => {});
      await dataSources?.close().catch(() => {});
      rmSync(dir, { recursive: true, force: true });
      throw error;
    }
  }

  db(name?: string): Driver {
    return this.dataSources.get(name);
  }

  /** `POST /todos { … } HEADERS { … }`: JSON in, the answer read whole. */
  async request(method: string, path: string, body: unknown, headers: Record<string, unknown> | undefined): Promise<TestResponse> {
    const sent: Record<string, string> = {};
    for (const [name, value] of Object.entries(headers ?? {})) if (value !== null && value !== undefined) sent[name.toLowerCase()] = String(value);
    if (body !== undefined) sent["content-type"] ??= "application/json";
    const response = await fetch(`${this.server.url}${path.startsWith("/") ? path : `/${path}`}`, {
      method,
      headers: sent,
      body: body === undefined ? undefined : JSON.stringify(body),
      redirect: "manual",
    });
    const text = await response.text();
    const received: Record<string, string> = {};
    response.headers.forEach((value, name) => {
      received[name] = value;
    });
    const json = /json/.test(received["content-type"] ?? "") && text !== "";
    return { status: response.status, body: json ? JSON.parse(text) : text === "" ? null : text, headers: received, text };
  }

  expect(operator: ExpectOperator, actual: unknown, expected: unknown, place: ExpectPlace): void {
    expectation(operator, actual, expected, place, this.file);
  }

  enqueue(task: string, args: unknown[], options?: EnqueueOptions): Promise<number | null> {
    if (this.tasks === undefined) return Promise.reject(new Error(`ENQUEUE ${task}: the app declares no TASK`));
    return this.tasks.enqueue(task, args, options);
  }

  async close(): Promise<void> {
    try {
      await this.server.close();
      await this.tasks?.close();
      for (const isolation of this.isolations) await isolation.rollback();
      await this.dataSources.close();
    } finally {
      rmSync(this.dir, { recursive: true, force: true });
    }
  }
}

function isolate(name: string, driver: Driver): Promise<TestIsolation> {
  if (driver.isolate === undefined) throw new Error(`kova test --db: data source "${name}" (${driver.dialect.name}) cannot run a test inside a transaction that is rolled back; only PostgreSQL and MariaDB/MySQL can`);
  return driver.isolate();
}
