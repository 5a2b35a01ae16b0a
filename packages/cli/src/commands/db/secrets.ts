/**
 * `kova db forget ENTITY ID` (a data subject: its own ENCRYPTED values and those of its PERSONAL
 * DATA) and `kova db rotate-keys`: the operations on the data keys of
 * ENCRYPTED fields (docs/entities.md, "Encrypted fields"; @kova/query secrets/). Both open the
 * app's data source as `kova db import` does, with the app's own KOVA_DATA_KEY, and change only
 * the key table (and the erasure record): the records' ciphertext is never rewritten.
 */
import { userInfo } from "node:os";
import { canonicalPublicId, DataKeyError, DataKeys, encryptedEntities, encryptedFields, MasterKeys, PUBLIC_ID_FIELD, publicIdKindOf, type EntitySchema, type QueryPlan } from "@kova/query";
import { UsageError } from "../../args.js";
import { ExitCode, type CliContext } from "../../command.js";
import { defineCommand } from "../../define-command.js";
import { openAppSource, SourceError, type OpenSource } from "./app-source.js";
import { fail } from "./store.js";

/** Opens the data source with its keys (the key tables brought up as the app's start does), runs `work`, closes it. */
async function withDataKeys(name: string, app: string, sourceName: string | undefined, context: CliContext, work: (keys: DataKeys, source: OpenSource) => Promise<number>, holding?: string): Promise<number> {
  let source: OpenSource;
  try {
    source = await openAppSource(app, sourceName, context, { forReading: false, holding });
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
  summary: "Erase a data subject's ENCRYPTED values, live and in history, by destroying their data keys",
  usage: `Usage: kova db forget ENTITY ID [--app DIR] [--source NAME] [--by WHO]

Erases the personal data of one data subject: every data key that encrypted the ENCRYPTED
fields of record ID of ENTITY — and, when ENTITY is a SUBJECT, of every record that is
PERSONAL DATA OF it — is destroyed (crypto-shredding). From then on, each of those encrypted
values reads as null — in the live rows, in every history version and AS OF — while the other
fields, every other subject's data and their history keep working. The erasure is recorded
(entity, id, who, when, how many keys) in the kova_erasures table; the values are not.

ID is the record's id as the app shows it: its public id for a PUBLIC ID entity (its integer
key is accepted too). A record of an entity that is PERSONAL DATA OF a subject is forgotten
with that subject.

Needs the app's KOVA_DATA_KEY, as the app does. On the embedded store, stop the app first.

Options:
  --app DIR        The app folder (default .)
  --source NAME    The data source (default: the one holding ENTITY)
  --by WHO         Who asked for the erasure, for the record (default: the current user)
  -h, --help       Show this help
`,
  options: { app: { type: "string" }, source: { type: "string" }, by: { type: "string" } },
  async execute({ values, positionals }, context) {
    if (positionals.length !== 2) throw new UsageError("expected ENTITY and ID: kova db forget Customer 42");
    const [entity, idText] = positionals;
    const by = typeof values.by === "string" ? values.by : userInfo().username;
    return withDataKeys("forget", typeof values.app === "string" ? values.app : ".", values.source === undefined ? undefined : String(values.source), context, async (keys, source) => {
      const schema = source.entities.find((e) => e.name === entity);
      if (schema === undefined) return fail(context, "forget", `data source "${source.name}" has no entity ${entity} (it has: ${source.entities.map((e) => e.name).join(", ")})`);
      const of = schema.personalDataOf;
      if (of !== undefined) return fail(context, "forget", `${entity} is PERSONAL DATA OF its ${of.field} (a ${of.entity}): forget the ${of.entity} it belongs to (kova db forget ${of.entity} ID), which erases this data too`);
      const erased = erasedFields(schema, source.entities);
      if (erased.length === 0) return fail(context, "forget", `${entity} has no ENCRYPTED fields${schema.subject === true ? ", nor does any entity that is PERSONAL DATA OF it" : ""}: there is nothing to erase by destroying keys`);
      const id = await subjectId(schema, idText, source);
      if (typeof id === "string") return fail(context, "forget", id);
      const result = await keys.forget(entity, id, by);
      const own = erased.length === 1 && erased[0].entity === entity;
      const what = own ? `its ENCRYPTED fields (${erased[0].fields.join(", ")})` : `the ENCRYPTED fields of its personal data (${erased.map((e) => `${e.entity}: ${e.fields.join(", ")}`).join("; ")})`;
      context.stdout.write(`forgot ${entity} ${idText}: ${result.keys} data key${result.keys === 1 ? "" : "s"} destroyed; ${what} now read as null\n`);
      return ExitCode.ok;
    }, entity);
  },
});

/** The ENCRYPTED fields whose keys forgetting a record of `subject` destroys: its own, and those of every entity that is PERSONAL DATA OF it. */
function erasedFields(subject: EntitySchema, entities: readonly EntitySchema[]): Array<{ entity: string; fields: string[] }> {
  const holders = [subject, ...(subject.subject === true ? entities.filter((e) => e.personalDataOf?.entity === subject.name) : [])];
  return holders.map((e) => ({ entity: e.name, fields: encryptedFields(e).map((f) => f.name) })).filter((e) => e.fields.length > 0);
}

/**
 * The integer key of the record `idText` names: the key itself, or — for a PUBLIC ID entity —
 * its public id looked up (a deleted record's too: the raw driver hides nothing). A message when
 * there is no such record or the text is neither.
 */
async function subjectId(schema: EntitySchema, idText: string, source: OpenSource): Promise<number | string> {
  if (/^\d+$/.test(idText)) return Number(idText);
  const kind = publicIdKindOf(schema);
  const publicId = kind === undefined ? undefined : canonicalPublicId(kind, idText);
  if (kind === undefined) return `ID is the integer id of a ${schema.name} record, not '${idText}'`;
  if (publicId === undefined) return `'${idText}' is not a public id of ${schema.name} (a ${kind === "ulid" ? "ULID" : "UUID"}) nor an integer key`;
  const plan: QueryPlan = { kind: "select", entity: schema.name, fields: null, where: { kind: "compare", op: "==", left: { kind: "field", field: PUBLIC_ID_FIELD }, right: { kind: "arg", index: 0 } }, orderBy: [], limit: null, offset: null, asOf: null, single: false };
  const rows = (await source.driver.execute(source.driver.dialect.compile(plan, new Map(source.entities.map((e) => [e.name, e]))), [publicId])) as Array<{ id: unknown }>;
  const id = rows[0]?.id;
  if (typeof id === "number" || typeof id === "bigint") return Number(id);
  return `no ${schema.name} has the public id ${publicId}`;
}

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
