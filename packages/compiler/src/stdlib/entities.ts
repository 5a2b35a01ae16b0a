/**
 * `kova:entities`, the standard library of entities (docs/entities.md, "The standard library"):
 * fields most apps declare again and again, with the rich types that check them. Each one is
 * ABSTRACT — it has no table of its own — so importing it costs nothing; an app makes a table of
 * it with EXTENDS and its own modifiers (`ENTITY Customer EXTENDS Contact TENANT BY org`).
 *
 * Kept as Kova source, one declaration per name, so an IMPORT of some names reads only those
 * (check-files.ts), and so it works where there is no disk (the playground's browser bundle).
 */
export const ENTITIES_MODULE: ReadonlyMap<string, string> = new Map([
  [
    "Contact",
    `/// A person to reach: a name, an e-mail address and a phone number.
ENTITY ABSTRACT Contact {
  first_name: text
  last_name: text
  email: email?
  phone: phone?
}
`,
  ],
  [
    "Address",
    `/// A postal address; country is an ISO 3166-1 alpha-2 code ("DE").
ENTITY ABSTRACT Address {
  line1: text
  line2: text?
  city: text
  postal_code: text?
  region: text?
  country: country
}
`,
  ],
  [
    "Organization",
    `/// A company or another organisation.
ENTITY ABSTRACT Organization {
  name: text
  website: url?
  email: email?
  phone: phone?
  country: country?
}
`,
  ],
]);
