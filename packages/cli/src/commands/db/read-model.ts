/**
 * `kova db rebuild-read-model NAME` and `kova db check-read-model NAME` (docs/entities.md, "Read
 * models"): a READ MODEL computed afresh from its source, or compared with a fresh computation.
 * Both build the app to learn its data sources and entities, connect the one holding the model,
 * and run the same plans the app runs to keep the model in step (@kova/query read-model.ts).
 */
import { checkReadModel, rebuildReadModel, type ReadModelDifference } from "@kova/query";
import { UsageError } from "../../args.js";
import { ExitCode } from "../../command.js";
import { defineCommand } from "../../define-command.js";
import { openAppSource, SourceError, type OpenSource } from "./app-source.js";
import { report, writeJson } from "./kv.js";

const OPTIONS = { app: { type: "string" }, source: { type: "string" }, json: { type: "boolean" }, color: { type: "boolean" }, "no-color": { type: "boolean" } } as const;

const COMMON = `Options:
  --app DIR       The app folder (default .)
  --source NAME   The data source (default: the one holding the read model)
  --json          The result as JSON (and errors as JSON on stderr)
  -h, --help      Show this help`;

/** Opens the data source holding read model `name`, its schema brought up to the app's, and runs `work` with it. */
async function withModelSource<T>(name: string, values: Record<string, unknown>, context: Parameters<typeof openAppSource>[2], forReading: boolean, work: (source: OpenSource) => Promise<T>): Promise<T> {
  const source = await openAppSource(typeof values.app === "string" ? values.app : ".", typeof values.source === "string" ? values.source : undefined, context, { forReading, holding: name });
  try {
    const model = source.entities.find((e) => e.name === name);
    if (model?.readModel === undefined) {
      const known = source.entities.filter((e) => e.readModel !== undefined).map((e) => e.name);
      throw new SourceError(`no READ MODEL named '${name}' in data source "${source.name}"` + (known.length > 0 ? ` (read models: ${known.join(", ")})` : " (it holds none)"));
    }
    await source.driver.migrate(source.entities);
    return await work(source);
  } finally {
    await source.close();
  }
}

export const rebuildReadModelCommand = defineCommand({
  name: "db rebuild-read-model",
  summary: "Recompute a READ MODEL from its source entity's rows, in one transaction",
  usage: `Usage: kova db rebuild-read-model NAME [--app DIR] [--source NAME] [--json]

Deletes every row of the READ MODEL NAME and computes them again from its source's live rows
(one GROUP_BY), in one transaction: a reader sees the old rows or the new ones, never a mix.
The app keeps a model in step by itself; rebuild one after changing its definition, or after
writing its source outside the app. An embedded store is written where it is: stop the app first.

${COMMON}`,
  options: OPTIONS,
  async execute({ values, positionals }, context) {
    if (positionals.length !== 1) throw new UsageError("expected the READ MODEL's NAME: kova db rebuild-read-model ProductSummary");
    const name = positionals[0];
    try {
      const groups = await withModelSource(name, values, context, false, (source) => rebuildReadModel(source.driver, source.entities, name));
      if (values.json === true) writeJson(context, { readModel: name, groups });
      else context.stdout.write(`${name}: rebuilt, ${groups} group${groups === 1 ? "" : "s"}\n`);
      return ExitCode.ok;
    } catch (error) {
      if (error instanceof SourceError) return report("rebuild-read-model", values, context, error.message, undefined, "data-source", ExitCode.problems);
      throw error;
    }
  },
});

export const checkReadModelCommand = defineCommand({
  name: "db check-read-model",
  summary: "Compare a READ MODEL's rows with a fresh computation; exit 1 naming the groups that differ",
  usage: `Usage: kova db check-read-model NAME [--app DIR] [--source NAME] [--json]

Reads the rows of the READ MODEL NAME and computes them afresh from its source (one GROUP_BY),
in one transaction, and compares them group by group. Exits 0 when they are equal; otherwise 1,
listing each group that differs: its key, the stored row and the fresh one (null where a side has
no row). 'kova db rebuild-read-model NAME' makes them equal again.

${COMMON}`,
  options: OPTIONS,
  async execute({ values, positionals }, context) {
    if (positionals.length !== 1) throw new UsageError("expected the READ MODEL's NAME: kova db check-read-model ProductSummary");
    const name = positionals[0];
    let differences: ReadModelDifference[];
    try {
      differences = await withModelSource(name, values, context, true, (source) => checkReadModel(source.driver, source.entities, name));
    } catch (error) {
      if (error instanceof SourceError) return report("check-read-model", values, context, error.message, undefined, "data-source", ExitCode.problems);
      throw error;
    }
    if (values.json === true) writeJson(context, { readModel: name, equal: differences.length === 0, differences });
    else if (differences.length === 0) context.stdout.write(`${name}: equal to a fresh computation\n`);
    else {
      context.stdout.write(`${name}: ${differences.length} group${differences.length === 1 ? " differs" : "s differ"} from a fresh computation\n`);
      for (const d of differences) context.stdout.write(`  ${JSON.stringify(d.key)}: stored ${JSON.stringify(d.stored)}, fresh ${JSON.stringify(d.fresh)}\n`);
      context.stdout.write(`Run 'kova db rebuild-read-model ${name}' to recompute it.\n`);
    }
    return differences.length === 0 ? ExitCode.ok : ExitCode.problems;
  },
});
