import { UsageError } from "../args.js";
import { ExitCode, shouldColor } from "../command.js";
import { defineCommand } from "../define-command.js";
import { FolderWatcher } from "../dev/folder-watcher.js";
import { REPORTERS, runTestsOnce, type Reporter } from "../test-run/run.js";

export const testCommand = defineCommand({
  name: "test",
  summary: "Run the app's tests (TEST blocks in *.test.kova files), each on a fresh store",
  usage: `Usage: kova test [options] [PATH]

Builds each *.test.kova file under PATH (a folder, default "."; or one test file) together with
the app it IMPORTs, and runs its TEST blocks with Node's test runner. Every test gets a fresh
embedded store and the app served in the same process; its requests (r = POST /todos { … }) go
through the whole pipeline over a real connection. A failing EXPECT shows expected and actual,
and the .kova file:line:column.

An app whose entities live on PostgreSQL or MariaDB/MySQL is tested with --db: the database the
app is configured with (.env.test over .env, so point it at a test database there) is used as it
is, each test inside one transaction that is rolled back when the test ends. Endpoints' own
transactions become savepoints in it, run one at a time.

Options:
  --db                   Test on the app's PostgreSQL/MariaDB databases, each test rolled back
  --reporter <spec|tap>  Output format (default: spec). tap is TAP 13, which CI tools read
  --filter <PATTERN>     Only tests whose name matches the regular expression
  --watch                Run again whenever a .kova file, .env or kova.config.json changes
  --color, --no-color    Force colour on or off (default: on when stdout is a terminal)
  -h, --help             Show this help

Exit status: 0 every test passed, 1 a test failed or the program has errors, 2 bad command line.
`,
  options: {
    reporter: { type: "string" },
    db: { type: "boolean" },
    filter: { type: "string" },
    watch: { type: "boolean" },
    color: { type: "boolean" },
    "no-color": { type: "boolean" },
  },
  async execute({ values, positionals }, context) {
    const reporter = String(values.reporter ?? "spec");
    if (!(REPORTERS as readonly string[]).includes(reporter)) throw new UsageError(`unknown reporter '${reporter}' (expected spec or tap)`);
    if (positionals.length > 1) throw new UsageError("give one PATH (a folder or a *.test.kova file)");
    if (values.filter !== undefined) {
      try {
        new RegExp(String(values.filter));
      } catch (error) {
        throw new UsageError(`--filter is not a regular expression: ${(error as Error).message}`);
      }
    }
    const entry = positionals[0] ?? ".";
    const color = shouldColor({ color: values.color === true, noColor: values["no-color"] === true }, context.stdout, context.env);
    const run = () => runTestsOnce({ entry, reporter: reporter as Reporter, filter: values.filter === undefined ? undefined : String(values.filter), db: values.db === true, color, stdout: context.stdout, stderr: context.stderr });
    if (values.watch !== true) return (await run()) === 0 ? ExitCode.ok : ExitCode.problems;

    // --watch: run, then again after each change (changes during a run queue one more run).
    let running = false;
    let again = false;
    const cycle = async (): Promise<void> => {
      if (running) {
        again = true;
        return;
      }
      running = true;
      do {
        again = false;
        const code = await run();
        context.stdout.write(`\nkova test: ${code === 0 ? "all passed" : "failures above"}; watching for changes (Ctrl-C to stop)\n`);
      } while (again);
      running = false;
    };
    await cycle();
    let timer: NodeJS.Timeout | undefined;
    const watcher = new FolderWatcher(entry, () => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        watcher.refresh();
        void cycle();
      }, 100);
    });
    return await new Promise<number>((resolve) => {
      const stop = () => {
        watcher.close();
        clearTimeout(timer);
        resolve(ExitCode.ok);
      };
      process.once("SIGINT", stop);
      process.once("SIGTERM", stop);
    });
  },
});
