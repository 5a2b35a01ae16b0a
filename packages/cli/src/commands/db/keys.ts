/** `kova db keys create|list|revoke`: the API keys `kova db serve` accepts (db-serve/keys.ts). */
import { UsageError } from "../../args.js";
import { ExitCode } from "../../command.js";
import { defineCommand } from "../../define-command.js";
import { ApiKeys } from "../../db-serve/keys.js";
import { KV_OPTIONS, openFor, runKv, STORE_HELP, writeJson } from "./kv.js";

export const keysCommand = defineCommand({
  name: "db keys",
  summary: "Create, list and revoke the API keys of 'kova db serve'",
  usage: `Usage: kova db keys create NAME | list | revoke NAME [options]

  create NAME   Make a key and print it (once: only its SHA-256 is stored)
  list          The keys' names, first characters and creation instants
  revoke NAME   Delete the key: a server stops accepting it at once

Options:
${STORE_HELP}
`,
  options: KV_OPTIONS,
  execute({ values, positionals }, context) {
    const [action, name, ...rest] = positionals;
    if (rest.length > 0) throw new UsageError(`unexpected argument '${rest[0]}'`);
    if (action !== "create" && action !== "list" && action !== "revoke") throw new UsageError(action === undefined ? "expected create, list or revoke" : `unknown action '${action}': expected create, list or revoke`);
    if (action !== "list" && name === undefined) throw new UsageError(`expected the key's NAME: kova db keys ${action} NAME`);
    return runKv("keys", values, context, async () => {
      const store = await openFor(values, context);
      try {
        const keys = new ApiKeys(store.db);
        if (action === "create") {
          const made = keys.create(name!);
          if (values.json === true) writeJson(context, made);
          else context.stdout.write(`${made.key}\n`);
          if (values.json !== true) context.stderr.write(`API key '${made.name}' created. It is shown only now: keep it (send it as the x-api-key header).\n`);
        } else if (action === "revoke") {
          keys.revoke(name!);
          if (values.json === true) writeJson(context, { revoked: name });
          else context.stdout.write(`API key '${name}' revoked\n`);
        } else {
          const list = keys.list();
          if (values.json === true) writeJson(context, list);
          else for (const k of list) context.stdout.write(`${k.name}\t${k.shown}\t${k.created}\n`);
        }
        return ExitCode.ok;
      } finally {
        store.close();
      }
    });
  },
});
