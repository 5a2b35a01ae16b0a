import { KeyNotFoundError } from "@kova/store";
import { UsageError } from "../../args.js";
import { ExitCode } from "../../command.js";
import { defineCommand } from "../../define-command.js";
import { KV_OPTIONS, openFor, runKv, STORE_HELP, target, writeJson } from "./kv.js";

export const getCommand = defineCommand({
  name: "db get",
  summary: "Print the value of COLLECTION/KEY, now or --at an instant",
  usage: `Usage: kova db get COLLECTION/KEY [--at INSTANT] [options]

Prints the key's value as JSON. With --at, the value it held at that instant (ISO 8601, like
2026-01-31T12:00:00Z, or epoch milliseconds). Exits 1 when the key has no value (then).

Options:
  --at INSTANT  Read the value as of INSTANT
${STORE_HELP}
`,
  options: { ...KV_OPTIONS, at: { type: "string" } },
  execute({ values, positionals }, context) {
    if (positionals.length !== 1) throw new UsageError("expected one COLLECTION/KEY");
    const { collection, key } = target(positionals[0]);
    return runKv("get", values, context, async () => {
      const store = await openFor(values, context);
      try {
        const at = typeof values.at === "string" ? values.at : undefined;
        const value = at === undefined ? store.require(collection, key) : store.getAt(collection, key, at);
        if (value === undefined) {
          const existed = store.history(collection, key).length > 0;
          if (!existed) throw new KeyNotFoundError(collection, key, store.nearestKey(collection, key));
          throw Object.assign(new KeyNotFoundError(collection, key, undefined), { message: `Key '${collection}/${key}' had no value at ${at}.`, hint: `to see its versions: kova db log ${collection}/${key}` });
        }
        if (values.json === true) writeJson(context, { collection, key, value, ...(at === undefined ? {} : { at }) });
        else context.stdout.write(JSON.stringify(value, null, 2) + "\n");
        return ExitCode.ok;
      } finally {
        store.close();
      }
    });
  },
});
