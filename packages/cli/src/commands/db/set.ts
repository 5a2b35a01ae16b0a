import { readFileSync } from "node:fs";
import { parseValueText } from "@kova/store";
import { UsageError } from "../../args.js";
import { ExitCode } from "../../command.js";
import { defineCommand } from "../../define-command.js";
import { KV_OPTIONS, openFor, runKv, STORE_HELP, target, writeJson } from "./kv.js";

export const setCommand = defineCommand({
  name: "db set",
  summary: "Store a JSON value under COLLECTION/KEY (a new version)",
  usage: `Usage: kova db set COLLECTION/KEY VALUE [options]

Stores VALUE (JSON; '-' reads it from stdin) as the key's new version. The collection is created
on its first write. Prints the version and its instant.

  kova db set users/alice '{"name":"Alice"}'

Options:
${STORE_HELP}
`,
  options: KV_OPTIONS,
  execute({ values, positionals }, context) {
    if (positionals.length !== 2) throw new UsageError("expected COLLECTION/KEY and a JSON VALUE");
    const { collection, key } = target(positionals[0]);
    return runKv("set", values, context, async () => {
      const text = positionals[1] === "-" ? readFileSync(0, "utf8") : positionals[1];
      const store = await openFor(values, context);
      try {
        const written = store.put(collection, key, parseValueText(`${collection}/${key}`, text) as never);
        if (values.json === true) writeJson(context, { collection, key, ...written });
        else context.stdout.write(`${collection}/${key}: version ${written.version} at ${written.at}\n`);
        return ExitCode.ok;
      } finally {
        store.close();
      }
    });
  },
});
