/**
 * `kova db forget ENTITY ID` and `kova db rotate-keys`: the operations on the data keys of
 * ENCRYPTED fields (docs/entities.md, "Encrypted fields"; @kova/query secrets/). Both open the
 * app's data source as `kova db import` does, with the app's own KOVA_DATA_KEY, and change only
 * the key table (and the erasure record): the records' ciphertext is never rewritten.
 */
import { userInfo } from "node:os";
import { DataKeyError, DataKeys, encryptedEntities, encryptedFields, MasterKeys } from "@kova/query";
import { UsageError } from "../../args.js";
import { ExitCode, type CliContext } from "../../command.js";
import { defineCommand } from "../../define-command.js";
import { openAppSource, SourceError, type OpenSource } from "./app-source.js";
import { fail } from "./store.js";

/** Opens the data source with its keys (the key tables brought up as the app's start does), runs `work`, closes it. */
async function withDataKeys(name: string, app: string, sourceName: string | undefined, context: CliContext, work: (keys: DataKeys, source: OpenSource) => Promise<number>): Promise<number> {
  let source: OpenSource;
  try {
    source = await openAppSource(app, sourceName, context, { forReading: false });
  } catch (error) {
    if (error instanceof SourceError) return fail(context, name, error.message);
    throw error;
  }
  try {
    if (!source.entities.some((e) => encryptedFields(e).length > 0)) return fail(context, name, `data source "${source.name}" has no ENCRYPTED fields, so no data keys`);
    const masters = await MasterKeys.fromEnv(source.env);
    await source.driver.migrate(encryptedEntities(source.entities));
    return await work(new DataKeys(source.driver, masters), source);
  } catch (error) {
    if (error instanceof DataKeyError) return fail(context, name, error.message);
    throw error;
  } finally {
    await source.close();
  }
}

export const forgetCommand = defineCommand({
  name: "db forget",
  summary: "Erase one record's ENCRYPTED values, live and in history, by destroying its data keys",
  usage: `Usage: kova db forget ENTITY ID [--app DIR] [--source NAME] [--by WHO]

Erases the personal data of one record (a data subject): every data key that encrypted the
ENCRYPTED fields of record ID of ENTITY is destroyed (crypto-shredding). From then on, each of
its encrypted values reads as null — in the live row, in every history version and AS OF —
while its other fields, every other record and their history keep working. The erasure is
recorded (entity, id, who, when, how many keys) in the kova_erasures table; the values are not.

Needs the app's KOVA_DATA_KEY, as the app does. On the embedded store, stop the app first.

Options:
  --app DIR        The app folder (default .)
  --source NAME    The data source (default: the app's first)
  --by WHO         Who asked for the erasure, for the record (default: the current user)
  -h, --help       Show this help
`,
  options: { app: { type: "string" }, source: { type: "string" }, by: { type: "string" } },
  async execute({ values, positionals }, context) {
    if (positionals.length !== 2) throw new UsageError("expected ENTITY and ID: kova db forget Customer 42");
    const [entity, idText] = positionals;
    if (!/^\d+$/.test(idText)) throw new UsageError(`ID is the record's integer id, not '${idText}'`);
    const by = typeof values.by === "string" ? values.by : userInfo().username;
    return withDataKeys("forget", typeof values.app === "string" ? values.app : ".", values.source === undefined ? undefined : String(values.source), context, async (keys, source) => {
      const schema = source.entities.find((e) => e.name === entity);
      if (schema === undefined) return fail(context, "forget", `data source "${source.name}" has no entity ${entity} (it has: ${source.entities.map((e) => e.name).join(", ")})`);
      if (encryptedFields(schema).length === 0) return fail(context, "forget", `${entity} has no ENCRYPTED fields: there is nothing to erase by destroying keys`);
      const erased = await keys.forget(entity, Number(idText), by);
      context.stdout.write(`forgot ${entity} ${idText}: ${erased.keys} data key${erased.keys === 1 ? "" : "s"} destroyed; its ENCRYPTED fields (${encryptedFields(schema).map((f) => f.name).join(", ")}) now read as null\n`);
      return ExitCode.ok;
    });
  },
});

export const rotateKeysCommand = defineCommand({
  name: "db rotate-keys",
  summary: "Re-wrap every data key of ENCRYPTED fields with the current KOVA_DATA_KEY",
  usage: `Usage: kova db rotate-keys [--app DIR] [--source NAME]

Rotates the master key of ENCRYPTED fields. Set KOVA_DATA_KEY to the new key and
KOVA_DATA_KEYS_RETIRED to the old one (comma-separated for several): the app reads with both
meanwhile. This command re-wraps every data key still wrapped by a retired key with the new one,
in one transaction; afterwards KOVA_DATA_KEYS_RETIRED can be emptied. The records' values are
not rewritten (each is encrypted under its data key, which does not change).

Options:
  --app DIR        The app folder (default .)
  --source NAME    The data source (default: the app's first)
  -h, --help       Show this help
`,
  options: { app: { type: "string" }, source: { type: "string" } },
  async execute({ values, positionals }, context) {
    if (positionals.length > 0) throw new UsageError(`unexpected argument '${positionals[0]}'`);
    return withDataKeys("rotate-keys", typeof values.app === "string" ? values.app : ".", values.source === undefined ? undefined : String(values.source), context, async (keys) => {
      const count = await keys.rotate();
      context.stdout.write(`re-wrapped ${count} data key${count === 1 ? "" : "s"} with master key ${keys.masters.current.id}; KOVA_DATA_KEYS_RETIRED may now be emptied\n`);
      return ExitCode.ok;
    });
  },
});
