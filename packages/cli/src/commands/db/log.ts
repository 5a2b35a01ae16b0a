import { KeyNotFoundError } from "@kova/store";
import { UsageError } from "../../args.js";
import { ExitCode } from "../../command.js";
import { defineCommand } from "../../define-command.js";
import { KV_OPTIONS, openFor, runKv, STORE_HELP, target, writeJson } from "./kv.js";

export const logCommand = defineCommand({
  name: "db log",
  summary: "Print every version of COLLECTION/KEY, oldest first",
  usage: `Usage: kova db log COLLECTION/KEY [options]

Prints one line per version: its number, instant, operation (insert, update, delete) and value.

Options:
${STORE_HELP}
`,
  options: KV_OPTIONS,
  execute({ values, positionals }, context) {
    if (positionals.length !== 1) throw new UsageError("expected one COLLECTION/KEY");
    const { collection, key } = target(positionals[0]);
    return runKv("log", values, context, async () => {
      const store = await openFor(values, context);
      try {
        const versions = store.history(collection, key);
        if (versions.length === 0) throw new KeyNotFoundError(collection, key, store.nearestKey(collection, key));
        if (values.json === true) writeJson(context, versions);
        else for (const v of versions) context.stdout.write(`${v.version}\t${v.at}\t${v.operation}\t${JSON.stringify(v.value)}\n`);
        return ExitCode.ok;
      } finally {
        store.close();
      }
    });
  },
});
