/**
 * Migration files are re-runnable: applying a file to a database that the app already migrated at
 * start-up, or applying it again after it failed midway, changes nothing twice. Most statements
 * `kova migrate` writes say so themselves (`CREATE … IF NOT EXISTS`, `DROP INDEX IF EXISTS`,
 * backfills `WHERE … IS NULL`, `MODIFY COLUMN` to the type it already has). Three cannot, in SQL
 * that SQLite, MySQL 8 and MariaDB all parse:
 *
 *   ALTER TABLE t ADD COLUMN c …                (SQLite, MySQL/MariaDB)
 *   ALTER TABLE t ADD [UNIQUE] KEY i (…)        (MySQL/MariaDB)
 *   ALTER TABLE t DROP INDEX i                  (MySQL/MariaDB)
 *
 * so `kova migrate apply` runs them only when needed: the ledger asks the database's catalog (the
 * session's `has`) whether the column or index is there, and skips an ADD of one that exists or a
 * DROP of one that does not. The same forms with IF [NOT] EXISTS (as MariaDB and PostgreSQL spell
 * them) are recognised too and run without the clause. `guardOf` recognises the forms.
 */

export interface Guard {
  /** What the statement adds or drops. */
  object: "column" | "index";
  table: string;
  name: string;
  /** Run `plain` when the object is absent (an ADD) or present (a DROP). */
  when: "absent" | "present";
  /** The statement without IF [NOT] EXISTS. */
  plain: string;
}

/** A quoted identifier ("…" or `…`, doubled quotes inside) or a bare word. */
const IDENT = String.raw`("(?:[^"]|"")+"|\x60(?:[^\x60]|\x60\x60)+\x60|[A-Za-z_][A-Za-z0-9_$]*)`;

const FORMS: ReadonlyArray<{ re: RegExp; object: Guard["object"]; when: Guard["when"] }> = [
  { re: new RegExp(String.raw`^(ALTER\s+TABLE\s+${IDENT}\s+ADD\s+COLUMN)(\s+IF\s+NOT\s+EXISTS)?\s+${IDENT}(\s[\s\S]*)$`, "i"), object: "column", when: "absent" },
  { re: new RegExp(String.raw`^(ALTER\s+TABLE\s+${IDENT}\s+ADD\s+(?:UNIQUE\s+)?(?:KEY|INDEX))(\s+IF\s+NOT\s+EXISTS)?\s+${IDENT}(\s*\([\s\S]*)$`, "i"), object: "index", when: "absent" },
  { re: new RegExp(String.raw`^(ALTER\s+TABLE\s+${IDENT}\s+DROP\s+(?:KEY|INDEX))(\s+IF\s+EXISTS)?\s+${IDENT}()$`, "i"), object: "index", when: "present" },
];

function unquote(ident: string): string {
  const q = ident[0];
  if (q === '"' || q === "`") return ident.slice(1, -1).split(q + q).join(q);
  return ident;
}

/** The guard of one of the forms above, or undefined for any other statement. */
export function guardOf(statement: string): Guard | undefined {
  const text = statement.trim();
  for (const form of FORMS) {
    const m = form.re.exec(text);
    if (m === null) continue;
    const [, head, table, , name, rest] = m;
    return { object: form.object, table: unquote(table), name: unquote(name), when: form.when, plain: `${head} ${name}${rest}` };
  }
  return undefined;
}
