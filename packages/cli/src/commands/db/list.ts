import { UsageError } from "../../args.js";
import { ExitCode } from "../../command.js";
import { defineCommand } from "../../define-command.js";
import { KV_OPTIONS, openFor, runKv, STORE_HELP, writeJson } from "./kv.js";

export const listCommand = defineCommand({
  name: "db list",
  summary: "List a collection's keys (or, with no COLLECTION, the collections)",
  usage: `Usage: kova db list [COLLECTION] [--prefix P] [--limit N] [--cursor C] [options]

Prints one key and its value per line, in key order, a page at a time (default 100); when there
are more, the cursor for the next page is printed on stderr. With no COLLECTION, prints the
collections (a Kova app's entities among them: their keys are the records' ids).

Options:
  --prefix P    Only keys starting with P
  --limit N     At most N keys (default 100)
  --cursor C    The page after the one that printed cursor C
${STORE_HELP}
`,
  options: { ...KV_OPTIONS, prefix: { type: "string" }, limit: { type: "string" }, cursor: { type: "string" } },
  execute({ values, positionals }, context) {
    if (positionals.length > 1) throw new UsageError("expected at most one COLLECTION");
    let limit: number | undefined;
    if (values.limit !== undefined) {
      limit = Number(values.limit);
      if (!Number.isInteger(limit) || limit < 1) throw new UsageError(`--limit must be a whole number from 1, not '${String(values.limit)}'`);
    }
    return runKv("list", values, context, async () => {
      const store = await openFor(values, context);
      try {
        if (positionals.length === 0) {
          const names = store.listCollections();
          if (values.json === true) writeJson(context, names);
          else for (const name of names) context.stdout.write(`${name}\n`);
          return ExitCode.ok;
        }
        const page = store.list(positionals[0], {
          prefix: typeof values.prefix === "string" ? values.prefix : undefined,
          limit,
          cursor: typeof values.cursor === "string" ? values.cursor : undefined,
        });
        if (values.json === true) writeJson(context, page);
        else {
          for (const item of page.items) context.stdout.write(`${item.key}\t${JSON.stringify(item.value)}\n`);
          if (page.cursor !== undefined) context.stderr.write(`more: kova db list ${positionals[0]} --cursor ${page.cursor}\n`);
        }
        return ExitCode.ok;
      } finally {
        store.close();
      }
    });
  },
});
