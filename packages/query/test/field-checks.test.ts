// The CHECK constraints the SQL drivers' DDL derives from field types (field-checks.ts): every
// canonical value the app stores passes them (else production DDL would refuse the app's own
// writes), values the app refuses break them, and names are stable and carry the rule.
import assert from "node:assert/strict";
import { test } from "node:test";
import { diffSchemas, fieldCheck, fieldCheckName, portablePattern, RICH_TYPES, type FieldCheck, type FieldSchema } from "../src/index.js";

const field = (name: string, more: Partial<FieldSchema> = {}): FieldSchema => ({ name, type: "string", optional: true, unique: false, index: false, ...more });
const rich = (name: string, args?: number[]) => field("f", { type: RICH_TYPES.get(name)!.storage, rich: args ? { name, args } : { name } });

/** The check as the database reads it, run in JS: POSIX ERE and ECMAScript agree on these patterns. */
function passes(check: FieldCheck, value: unknown): boolean {
  if (check.min !== undefined && !(typeof value === "number" && value >= check.min)) return false;
  if (check.max !== undefined && !(typeof value === "number" && value <= check.max)) return false;
  if (check.values !== undefined && !check.values.includes(value as string)) return false;
  if (check.pattern !== undefined && !(typeof value === "string" && new RegExp(check.pattern).test(value))) return false;
  return true;
}

test("every rich type's canonical values pass its CHECK on PostgreSQL and MySQL/MariaDB", () => {
  for (const type of RICH_TYPES.values()) {
    for (const driver of ["postgres", "mysql"] as const) {
      const check = fieldCheck(rich(type.name, type.arity === 2 ? [8, 2] : undefined), driver);
      if (check === undefined) continue;
      const samples: unknown[] = [type.example];
      for (const loose of [type.example, String(type.example).toUpperCase(), String(type.example).toLowerCase()]) {
        const result = type.check(loose, [8, 2]);
        if (result.ok) samples.push(result.value);
      }
      for (const value of samples) assert.ok(passes(check, value), `${type.name} on ${driver}: ${JSON.stringify(value)} breaks ${JSON.stringify(check)}`);
    }
  }
});

test("ranges, patterns and values: what the app refuses breaks the CHECK", () => {
  const port = fieldCheck(rich("port"), "postgres")!;
  assert.deepEqual(port, { field: "f", min: 1, max: 65535 });
  assert.ok(!passes(port, 0) && !passes(port, 65536) && passes(port, 443));
  const slug = fieldCheck(rich("slug"), "postgres")!;
  assert.equal(slug.pattern, "^[a-z0-9]+(-[a-z0-9]+)*$", "(?: is a plain group both databases read");
  assert.ok(!passes(slug, "Hello-World") && !passes(slug, "a--b") && passes(slug, "hello-world"));
  assert.deepEqual(fieldCheck(rich("currency"), "mysql"), { field: "f", pattern: "^[A-Z]{3}$" });
  assert.equal(fieldCheck(rich("phone"), "mysql")!.pattern, "^[+][1-9][0-9]{6,14}$", "escapes become brackets (no backslash for MariaDB's string literals)");
  assert.deepEqual(fieldCheck(rich("weekday"), "postgres")!.values?.length, 7);
  assert.deepEqual(fieldCheck(field("size", { enumValues: ["s", "m"] }), "postgres"), { field: "size", values: ["s", "m"] });
  assert.deepEqual(fieldCheck(rich("percentage"), "mysql"), { field: "f", min: 0, max: 100 });
});

test("no CHECK where the database cannot read the rule alike, or a native column already checks it", () => {
  assert.equal(fieldCheck(rich("semver"), "postgres"), undefined, "its pattern needs \\d and (?:…) groups with escapes");
  assert.equal(fieldCheck(rich("coordinates"), "postgres"), undefined, "String(1e-7) is not a plain decimal");
  assert.equal(fieldCheck(rich("mac"), "postgres"), undefined, "PostgreSQL's macaddr column checks it");
  assert.ok(fieldCheck(rich("mac"), "mysql")?.pattern, "MariaDB keeps it as text: the pattern does");
  assert.equal(fieldCheck(field("tags", { type: "json", items: "string" }), "postgres"), undefined);
  assert.equal(fieldCheck(field("name"), "postgres"), undefined);
  assert.equal(portablePattern("^\\d+$"), undefined);
  assert.equal(portablePattern("[a-z]"), undefined, "unanchored");
});

test("a CHECK's name is the same on every database and changes with its rule", () => {
  const small = fieldCheck(field("size", { enumValues: ["s", "m"] }), "postgres")!;
  const wider = fieldCheck(field("size", { enumValues: ["s", "m", "l"] }), "mysql")!;
  assert.match(fieldCheckName("item", small), /^item__check_size_[0-9a-f]{8}$/);
  assert.equal(fieldCheckName("item", small), fieldCheckName("item", fieldCheck(field("size", { enumValues: ["s", "m"] }), "mysql")!));
  assert.notEqual(fieldCheckName("item", small), fieldCheckName("item", wider));
});

test("a changed /// doc is a migration step (the COMMENT); an absent one compares equal to older snapshots", () => {
  const item = (doc: string | undefined, fieldDoc: string | undefined) => ({
    name: "Item",
    table: "item",
    ...(doc === undefined ? {} : { doc }),
    fields: [field("name", fieldDoc === undefined ? {} : { doc: fieldDoc })],
  });
  assert.deepEqual(diffSchemas([item(undefined, undefined)], [item(undefined, undefined)]), []);
  assert.deepEqual(diffSchemas([item(undefined, undefined)], [item(undefined, "The name.")]).map((c) => c.kind), ["alterField"]);
  assert.deepEqual(diffSchemas([item(undefined, undefined)], [item("An item.", undefined)]).map((c) => c.kind), ["alterConstraints"]);
});
