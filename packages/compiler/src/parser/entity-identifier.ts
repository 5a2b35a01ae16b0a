/**
 * `ENTITY Article IDENTIFIER slug(title) { … }`: how an entity's human-readable identifier is made
 * (checker/identifier.ts, @kova/query identifier.ts). Parsed after the entity's name, beside
 * AUDIT, SOFT DELETE, TENANT BY and PUBLIC ID.
 */
import type { EntityIdentifier, Identifier } from "../ast/nodes.js";
import type { Cursor } from "./cursor.js";
import { closeBracket } from "./expressions.js";

const EXAMPLE = "ENTITY Article IDENTIFIER slug(title) { … }";

/** `slug(title)` or `slug(first_name, last_name)`, then optionally VERSIONED, after IDENTIFIER (already read; `start` is its offset). */
export function parseEntityIdentifier(c: Cursor, start: number): EntityIdentifier {
  const maker = c.expectIdentifier(`how the identifier is made, after IDENTIFIER (${EXAMPLE})`);
  const from: Identifier[] = [];
  const open = c.token;
  if (!c.matchPunct("(")) {
    c.errorExpected(`'(' and the fields the identifier is made from (${EXAMPLE})`);
    return { kind: "EntityIdentifier", span: c.spanFrom(start), maker, from, versioned: false };
  }
  while (!c.isPunct(")") && !c.atEnd) {
    from.push(c.expectIdentifier("a field of the entity to make the identifier from"));
    if (!c.matchPunct(",")) break;
  }
  closeBracket(c, open, ")");
  // `VERSIONED`: the identifier follows its fields, old ones kept as aliases (@kova/query identifier.ts).
  const versioned = c.matchKeyword("VERSIONED");
  return { kind: "EntityIdentifier", span: c.spanFrom(start), maker, from, versioned };
}
