/**
 * Reuse between entities (docs/entities.md, "Reuse: EXTENDS and the standard library"):
 * `ENTITY Customer EXTENDS Contact { loyalty: int DEFAULT 0 }` and `ENTITY ABSTRACT Contact { … }`.
 *
 * EXTENDS is expanded here, on the AST, before any other check: a child gets its parent's fields
 * (with their types, modifiers and relations), its `UNIQUE (…)`/`INDEX (…)` lines and its entity
 * modifiers, then its own. The rest of the checker, the lowering and every back end (JS, VM, SQL,
 * OpenAPI, GraphQL, TS types) see ordinary entities and never learn that EXTENDS existed.
 *
 * - A field the parent already has, declared again, is an error (KV2982): a child adds fields, it
 *   does not change the parent's (so every child of Contact has Contact's `email` as Contact says).
 * - Entity modifiers are inherited: AUDIT, SOFT DELETE and NO HISTORY when the parent has them,
 *   and TENANT BY, PUBLIC ID, IDENTIFIER and USING unless the child writes its own.
 * - An unknown parent is KV2980 (did you mean), a circle KV2981.
 * - An ABSTRACT entity has no table: the checker keeps it aside (model.abstractEntities), and a
 *   query or a reference naming it is KV2983. A parent that is not ABSTRACT keeps its own table.
 */
import type { EntityDecl, Identifier, Program } from "../ast/nodes.js";
import type { DiagnosticBag } from "../diagnostics/diagnostic.js";
import { closestName } from "../diagnostics/suggest.js";
import type { CheckContext } from "./context.js";

/** The programs with every `EXTENDS` entity replaced by its expanded form (others are kept as they are). */
export function expandExtends(programs: Program[], diagnostics: DiagnosticBag): Program[] {
  const byName = new Map<string, EntityDecl>();
  const shapes = new Set<string>();
  for (const program of programs) {
    for (const decl of program.declarations) {
      if (decl.kind === "Entity" && decl.name.name !== "" && !byName.has(decl.name.name)) byName.set(decl.name.name, decl);
      if (decl.kind === "Validate") shapes.add(decl.name.name);
    }
  }
  if (![...byName.values()].some((d) => d.extends !== null)) return programs;

  const expanded = new Map<EntityDecl, EntityDecl>();
  const visiting: EntityDecl[] = [];
  const expand = (decl: EntityDecl): EntityDecl => {
    const done = expanded.get(decl);
    if (done !== undefined) return done;
    const parentName = decl.extends;
    if (parentName === null || parentName.name === "") return decl;
    const parent = byName.get(parentName.name);
    if (parent === undefined) {
      unknownParent(diagnostics, decl, parentName, [...byName.keys()], shapes);
      expanded.set(decl, decl);
      return decl;
    }
    visiting.push(decl);
    if (visiting.includes(parent)) {
      const circle = [...visiting.slice(visiting.indexOf(parent)), parent].map((d) => d.name.name).join(" → ");
      diagnostics.report("ExtendsCycle", parentName.span, `${decl.name.name} cannot extend ${parent.name.name}: the entities extend each other in a circle (${circle})`, {
        suggestion: `remove one EXTENDS; to share fields both ways, move them to an ENTITY ABSTRACT that both extend`,
      });
      visiting.pop();
      expanded.set(decl, decl);
      return decl;
    }
    const base = expand(parent);
    visiting.pop();
    const result = inherit(diagnostics, decl, base);
    expanded.set(decl, result);
    return result;
  };

  return programs.map((program) => ({
    ...program,
    declarations: program.declarations.map((d) => (d.kind === "Entity" && d.extends !== null ? expand(d) : d)),
  }));
}

/** The child as if it had been written with its parent's fields, constraints and modifiers. */
function inherit(diagnostics: DiagnosticBag, child: EntityDecl, parent: EntityDecl): EntityDecl {
  const inherited = new Map(parent.fields.map((f) => [f.name.name, f]));
  const own = child.fields.filter((field) => {
    const theirs = inherited.get(field.name.name);
    if (theirs === undefined) return true;
    const at = `${theirs.span.file}:${theirs.span.start.line}:${theirs.span.start.column}`;
    diagnostics.report("InheritedFieldRedeclared", field.name.span, `${child.name.name} already has '${field.name.name}' from ${parent.name.name} (declared at ${at})`, {
      suggestion: `remove it here (${child.name.name} keeps ${parent.name.name}'s), or give the new field another name`,
    });
    return false;
  });
  return {
    ...child,
    fields: [...parent.fields, ...own],
    constraints: [...(parent.constraints ?? []), ...(child.constraints ?? [])],
    source: child.source ?? parent.source,
    noHistory: child.noHistory || parent.noHistory,
    audit: child.audit || parent.audit,
    softDelete: child.softDelete || parent.softDelete,
    tenant: child.tenant ?? parent.tenant,
    publicId: child.publicId ?? parent.publicId,
    identifier: child.identifier ?? parent.identifier,
    subject: child.subject || parent.subject,
    personalDataOf: child.personalDataOf ?? parent.personalDataOf,
  };
}

function unknownParent(diagnostics: DiagnosticBag, decl: EntityDecl, parent: Identifier, entities: string[], shapes: Set<string>): void {
  const message = `${decl.name.name} extends '${parent.name}', which is not a declared ENTITY`;
  if (shapes.has(parent.name)) {
    diagnostics.report("UnknownParentEntity", parent.span, `${message} (${parent.name} is a VALIDATE shape)`, { suggestion: "an entity extends another ENTITY (declare it ENTITY ABSTRACT to share fields without a table)" });
    return;
  }
  const guess = closestName(parent.name, entities.filter((e) => e !== decl.name.name));
  diagnostics.report("UnknownParentEntity", parent.span, message, guess !== undefined
    ? { suggestion: `did you mean '${guess}'?`, replacement: guess }
    : { suggestion: `declare ENTITY ABSTRACT ${parent.name} { … }, or import it: IMPORT { ${parent.name} } FROM "kova:entities" when it is one of the standard library's` });
}

/**
 * KV2983 when `name` is an ABSTRACT entity (a query's entity, a field's type): it has no table.
 * True when it was reported.
 */
export function refuseAbstract(ctx: CheckContext, name: Identifier): boolean {
  const abstract = ctx.model.abstractEntities.get(name.name);
  if (abstract === undefined) return false;
  ctx.diagnostics.report("AbstractEntityUsed", name.span, `${name.name} is ABSTRACT: it has no table, so no query can read it and no field can refer to it`, {
    suggestion: `declare an entity that extends it (ENTITY My${name.name} EXTENDS ${name.name}) and use that one`,
  });
  return true;
}
