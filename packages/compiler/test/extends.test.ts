// Reuse (issue 21, "Reuse"): EXTENDS and ENTITY ABSTRACT in the parser, the formatter and the
// checker (KV2980–KV2983), the standard library `kova:entities` imported whole or by name (KV2984),
// and what every back end sees: ordinary entities, the parent's fields first. Running an app
// built on them is held by examples/shop (kova test, and packages/cli/test/e2e-shop.test.ts).
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { checkText, formatSource, lower, openApiDocument, parse, STDLIB_MODULES, type Diagnostic } from "../src/index.js";

function check(text: string): Diagnostic[] {
  return checkText(text, "/app/app.kova", { readFile: () => undefined }).diagnostics;
}

function errors(text: string): string[] {
  return check(text).filter((d) => d.severity === "error").map((d) => d.code);
}

function app(text: string) {
  const result = checkText(text, "/app/app.kova", { readFile: () => undefined });
  assert.deepEqual(result.diagnostics.filter((d) => d.severity === "error").map((d) => `${d.code} ${d.message}`), []);
  return lower(result.programs[0].model, { name: "app" });
}

const CONTACT = "ENTITY ABSTRACT Contact AUDIT {\n  name: text\n  email: email UNIQUE\n  INDEX (name, email)\n}\n";

test("parser: ENTITY ABSTRACT Name, EXTENDS beside the other modifiers, and a child without braces", () => {
  const { program, diagnostics } = parse(`${CONTACT}ENTITY Customer TENANT BY org EXTENDS Contact { points: int }\nENTITY Supplier EXTENDS Contact\nENTITY Plain { n: int }\n`, "app.kova");
  assert.deepEqual(diagnostics, []);
  const [contact, customer, supplier, plain] = program.declarations as any[];
  assert.deepEqual([contact.abstract, contact.extends], [true, null]);
  assert.deepEqual([customer.abstract, customer.extends.name, customer.tenant.name, customer.fields.map((f: any) => f.name.name)], [false, "Contact", "org", ["points"]]);
  assert.deepEqual([supplier.extends.name, supplier.fields], ["Contact", []]);
  assert.deepEqual([plain.abstract, plain.extends], [false, null]);
  const missing = parse("ENTITY A EXTENDS { n: int }\n", "app.kova").diagnostics;
  assert.ok(missing.some((d) => /the entity to extend, after EXTENDS/.test(d.message)), JSON.stringify(missing.map((d) => d.message)));
});

test("formatter: ABSTRACT and EXTENDS print in place, a braceless child stays so, and formatting is stable", () => {
  const once = formatSource("ENTITY  ABSTRACT   Contact {\n  name : text\n}\nENTITY Customer   EXTENDS  Contact AUDIT {\n  points: int\n}\nENTITY  Supplier EXTENDS Contact\n", "app.kova");
  assert.equal(once.text, "ENTITY ABSTRACT Contact {\n  name: text\n}\n\nENTITY Customer EXTENDS Contact AUDIT {\n  points: int\n}\n\nENTITY Supplier EXTENDS Contact\n");
  assert.equal(formatSource(once.text, "app.kova").text, once.text);
});

test("checker: a child has its parent's fields first, then its own; constraints and modifiers are inherited", () => {
  const ir = app(`${CONTACT}ENTITY Customer EXTENDS Contact SOFT DELETE {\n  points: int DEFAULT 0\n}\nPOST /c { RESPOND 201 INSERT INTO Customer { name: "a", email: "a@b.co" } }\n`);
  const customer = ir.entities.find((e) => e.name === "Customer")!;
  const fields = customer.fields.map((f) => f.name);
  assert.deepEqual(fields.slice(0, 3), ["name", "email", "points"]);
  assert.ok(fields.includes("created_at") && fields.includes("deleted_at"), `AUDIT from the parent, SOFT DELETE its own: ${fields.join(", ")}`);
  const email = customer.fields.find((f) => f.name === "email")!;
  assert.deepEqual([email.rich?.name, email.unique], ["email", true]);
  assert.deepEqual(customer.fields.find((f) => f.name === "points")!.default, { value: 0 });
  assert.deepEqual(customer.indexes, [["name", "email"]]);
});

test("checker: an ABSTRACT entity has no table; a concrete parent keeps its own", () => {
  const ir = app(`${CONTACT}ENTITY Customer EXTENDS Contact\nENTITY Person {\n  name: text\n}\nENTITY Author EXTENDS Person {\n  bio: text?\n}\n`);
  assert.deepEqual(ir.entities.map((e) => e.name).sort(), ["Author", "Customer", "Person"]);
  assert.deepEqual(ir.entities.find((e) => e.name === "Author")!.fields.map((f) => f.name), ["name", "bio"]);
});

test("checker: EXTENDS through two levels, and a child's own modifier wins over its parent's", () => {
  const ir = app("ENTITY ABSTRACT Base PUBLIC ID uuid {\n  name: text\n}\nENTITY ABSTRACT Named EXTENDS Base {\n  title: text?\n}\nENTITY Thing EXTENDS Named PUBLIC ID ulid {\n  n: int\n}\n");
  const thing = ir.entities.find((e) => e.name === "Thing")!;
  assert.deepEqual(thing.fields.filter((f) => f.publicId === undefined).map((f) => f.name), ["name", "title", "n"]);
  assert.equal(thing.fields.find((f) => f.publicId !== undefined)!.publicId, "ulid");
});

test("KV2980: EXTENDS an entity that is not declared, with a did-you-mean", () => {
  const found = check(`${CONTACT}ENTITY Customer EXTENDS Contct { n: int }\n`);
  const d = found.find((x) => x.code === "KV2980")!;
  assert.match(d.message, /Customer extends 'Contct', which is not a declared ENTITY/);
  assert.equal(d.suggestion, "did you mean 'Contact'?");
  const shape = check("VALIDATE ContactIn { name: string }\nENTITY Customer EXTENDS ContactIn { n: int }\n").find((x) => x.code === "KV2980")!;
  assert.match(shape.message, /ContactIn is a VALIDATE shape/);
});

test("KV2981: entities that extend each other in a circle, itself included", () => {
  const found = check("ENTITY A EXTENDS B { a: int }\nENTITY B EXTENDS C { b: int }\nENTITY C EXTENDS A { c: int }\n");
  const d = found.find((x) => x.code === "KV2981")!;
  assert.match(d.message, /in a circle \((A → B → C → A|B → C → A → B|C → A → B → C)\)/);
  assert.deepEqual(errors("ENTITY A EXTENDS A { a: int }\n"), ["KV2981"]);
});

test("KV2982: a field the parent already has, declared again", () => {
  const found = check(`${CONTACT}ENTITY Customer EXTENDS Contact {\n  email: text\n}\n`);
  const d = found.find((x) => x.code === "KV2982")!;
  assert.match(d.message, /Customer already has 'email' from Contact \(declared at \/app\/app\.kova:3:3\)/);
  assert.deepEqual([d.span.start.line, d.span.start.column], [7, 3]);
});

test("KV2983: a query or a reference naming an ABSTRACT entity", () => {
  assert.deepEqual(errors(`${CONTACT}GET /c { RESPOND SELECT * FROM Contact }\n`), ["KV2983"]);
  assert.deepEqual(errors(`${CONTACT}ENTITY Note {\n  about: Contact\n}\n`), ["KV2983"]);
  const d = check(`${CONTACT}GET /c { RESPOND SELECT * FROM Contact }\n`).find((x) => x.code === "KV2983")!;
  assert.match(d.suggestion ?? "", /ENTITY MyContact EXTENDS Contact/);
});

test("no back end sees EXTENDS: OpenAPI describes the child as if its fields were written in it", () => {
  const extended = app(`${CONTACT}ENTITY Customer EXTENDS Contact\nGET /c/:id(int) { RESPOND SELECT * FROM Customer WHERE id = $id }\n`);
  const written = app(`ENTITY Customer AUDIT {\n  name: text\n  email: email UNIQUE\n  INDEX (name, email)\n}\nGET /c/:id(int) { RESPOND SELECT * FROM Customer WHERE id = $id }\n`);
  assert.deepEqual(extended.entities, written.entities.map((e) => ({ ...e })));
  assert.deepEqual((openApiDocument(extended) as any).components.schemas.Customer, (openApiDocument(written) as any).components.schemas.Customer);
});

test("standard library: IMPORT \"kova:entities\" brings every entity of it; IMPORT { … } FROM it only those named", () => {
  const all = app(`IMPORT "kova:entities"\nENTITY Customer EXTENDS Contact\nENTITY Site EXTENDS Address\nENTITY Vendor EXTENDS Organization\n`);
  assert.deepEqual(all.entities.map((e) => e.name).sort(), ["Customer", "Site", "Vendor"]);
  const site = all.entities.find((e) => e.name === "Site")!;
  assert.equal(site.fields.find((f) => f.name === "country")!.rich?.name, "country");
  const some = checkText(`IMPORT { Contact } FROM "kova:entities"\nENTITY Site EXTENDS Address\n`, "/app/app.kova", { readFile: () => undefined }).diagnostics;
  assert.deepEqual(some.filter((d) => d.severity === "error").map((d) => d.code), ["KV2980"], "Address was not imported");
  const renamed = app(`IMPORT { Contact AS Person } FROM "kova:entities"\nENTITY Customer EXTENDS Person\n`);
  assert.deepEqual(renamed.entities.find((e) => e.name === "Customer")!.fields.map((f) => f.name), ["first_name", "last_name", "email", "phone"]);
  assert.deepEqual([...STDLIB_MODULES.get("kova:entities")!.keys()], ["Contact", "Address", "Organization"]);
});

test("KV2984: a name or a module the standard library does not have, with a did-you-mean", () => {
  const name = check(`IMPORT { Contact, Adress } FROM "kova:entities"\nENTITY Customer EXTENDS Contact\n`).find((x) => x.code === "KV2984")!;
  assert.match(name.message, /kova:entities has no entity named 'Adress'/);
  assert.match(name.suggestion ?? "", /did you mean 'Address'\?/);
  const module = check(`IMPORT "kova:entites"\n`).find((x) => x.code === "KV2984")!;
  assert.match(module.message, /the standard library has no module kova:entites/);
  assert.match(module.suggestion ?? "", /did you mean "kova:entities"\?/);
});

test("a standard library import is no JavaScript module: nothing of it reaches the emitted imports", () => {
  const ir = app(`IMPORT { Contact } FROM "kova:entities"\nENTITY Customer EXTENDS Contact\n`);
  assert.deepEqual(ir.imports ?? [], []);
});

test("docs/entities.md: the standard library's table lists each entity of kova:entities with its fields", () => {
  const doc = readFileSync(new URL("../../../../docs/entities.md", import.meta.url), "utf8");
  const ir = app(`IMPORT "kova:entities"\nENTITY C EXTENDS Contact\nENTITY A EXTENDS Address\nENTITY O EXTENDS Organization\n`);
  for (const [name, child] of [["Contact", "C"], ["Address", "A"], ["Organization", "O"]]) {
    const row = new RegExp(`^\\| \`${name}\` \\| (.*) \\|$`, "m").exec(doc);
    assert.ok(row, `no row for ${name}`);
    const documented = [...row[1].matchAll(/`(\w+): [^`]+`/g)].map((m) => m[1]);
    assert.deepEqual(documented, ir.entities.find((e) => e.name === child)!.fields.map((f) => f.name), name);
  }
});
