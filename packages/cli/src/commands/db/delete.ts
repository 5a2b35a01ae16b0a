import { KeyNotFoundError } from "@kova/store";
import { UsageError } from "../../args.js";
import { ExitCode } from "../../command.js";
import { defineCommand } from "../../define-command.js";
import { KV_OPTIONS, openFor, runKv, STORE_HELP, target, writeJson } from "./kv.js";

export const deleteCommand = defineCommand({
  name: "db delete",
  summary: "Delete COLLECTION/KEY (its history stays readable)",
  usage: `Usage: kova db delete COLLECTION/KEY [options]

Deletes the key's value, recording a "delete" version: 'kova db get --at' and 'kova db log' still
read what it held. Exits 1 when the key has no value.

Options:
${STORE_HELP}
`,
  options: KV_OPTIONS,
  execute({ values, positionals }, context) {
    if (positionals.length !== 1) throw new UsageError("expected one COLLECTION/KEY");
    const { collection, key } = target(positionals[0]);
    return runKv("delete", values, context, async () => {
      const store = await openFor(values, context);
      try {
        store.count(collection); // a missing or misspelled collection is named first
        if (!store.delete(collection, key)) throw new KeyNotFoundError(collection, key, store.nearestKey(collection, key));
        if (values.json === true) writeJson(context, { collection, key, deleted: true });
        else context.stdout.write(`${collection}/${key}: deleted\n`);
        return ExitCode.ok;
      } finally {
        store.close();
      }
    });
  },
});
