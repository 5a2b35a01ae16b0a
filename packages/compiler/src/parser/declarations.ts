import type {
  ApiDecl,
  AuthDecl,
  CallExpr,
  ConnectDecl,
  CorsDecl,
  Declaration,
  EndpointAuth,
  EndpointQuery,
  EndpointDecl,
  EntityDecl,
  Expression,
  FieldDecl,
  FieldModifier,
  EntityConstraint,
  EntityIdentifier,
  HttpMethod,
  Identifier,
  ImportDecl,
  ImportName,
  PathSegment,
  Property,
  RateLimitDecl,
  RoutePath,
  SocketDecl,
  SocketHandler,
  StringLiteral,
  TestDecl,
  TypeRef,
} from "../ast/nodes.js";
import { HTTP_METHODS } from "../scanner/tokens.js";
import type { Token } from "../scanner/tokens.js";
import type { Cursor } from "./cursor.js";
import { closeBracket, parseArguments, parseExpression, parseProperty, recoverToNextLine, skipSeparator } from "./expressions.js";
import { misspeltKeyword } from "./misspelt.js";
import { parseBlock } from "./statements.js";
import { parseFunction, parseView } from "./functions.js";
import { parseOnChange, parseTask } from "./tasks.js";
import { parseEntityIdentifier } from "./entity-identifier.js";
import { parseReadModel } from "./read-model.js";

const DECLARATION_KEYWORDS = ["IMPORT", "CONNECT", "ENTITY", "VALIDATE", "CACHE", "SOCKET", "TASK", "ON", "AUTH", "WORKER", "FN", "VIEW", "RATE_LIMIT", "CORS", "API", "TEST", "ACTION", "EVENT", "READ"];

/** Does a declaration start here? (Also true for a miscased keyword followed by a name or a path.) */
export function startsDeclaration(c: Cursor): boolean {
  const t = c.token;
  const next = c.peek();
  if (next.kind === "Path" && HTTP_METHODS.has(t.text.toUpperCase())) return true;
  if (t.kind === "Keyword") return DECLARATION_KEYWORDS.includes(t.text);
  if (t.kind !== "Identifier") return false;
  const upper = t.text.toUpperCase();
  if (!DECLARATION_KEYWORDS.includes(upper)) return false;
  if (upper === "ON") return next.kind === "Keyword" || next.kind === "Identifier";
  return upper === "IMPORT" ? next.kind === "String" || c.isPunct("{", next) : next.kind === "Identifier" && !next.newlineBefore;
}

/**
 * A declaration; `///` doc comment lines right before an endpoint, ENTITY or VALIDATE become its
 * `doc` (the API description back ends read it through the IR).
 */
export function parseDeclaration(c: Cursor): Declaration | null {
  const doc = c.token.doc ?? null;
  const decl = parseDeclarationBody(c);
  if (doc !== null && decl !== null && (decl.kind === "Endpoint" || decl.kind === "Entity" || decl.kind === "Validate" || decl.kind === "Api" || decl.kind === "ReadModel")) decl.doc = doc;
  return decl;
}

function parseDeclarationBody(c: Cursor): Declaration | null {
  const t = c.token;
  const start = t.start;
  const upper = t.text.toUpperCase();
  if (c.peek().kind === "Path" && HTTP_METHODS.has(upper)) {
    if (t.kind !== "Keyword") c.reportMiscased(upper);
    c.advance();
    return parseEndpoint(c, start, upper as HttpMethod);
  }
  const keyword = DECLARATION_KEYWORDS.find((k) => c.isKeyword(k) || (startsDeclaration(c) && upper === k));
  if (keyword === undefined) {
    reportNotDeclaration(c, t);
    return null;
  }
  c.matchKeyword(keyword);
  switch (keyword) {
    case "IMPORT":
      return parseImport(c, start);
    case "CONNECT":
      return parseConnect(c, start);
    case "ENTITY":
      return parseEntity(c, start);
    case "VALIDATE": {
      const name = c.expectIdentifier("a name for the VALIDATE shape");
      const options = c.isPunct("(") && !c.token.newlineBefore ? parseShapeOptions(c) : [];
      const fields = parseFieldBlock(c, "the VALIDATE shape");
      return { kind: "Validate", span: c.spanFrom(start), name, options, fields, doc: null };
    }
    case "CACHE": {
      const name = c.expectIdentifier("a name for the CACHE");
      const properties = parsePropertyBlock(c, "the CACHE settings");
      return { kind: "Cache", span: c.spanFrom(start), name, properties };
    }
    case "SOCKET":
      return parseSocket(c, start);
    case "TASK":
      return parseTask(c, start);
    case "ON":
      return parseOnChange(c, start);
    case "AUTH":
      return parseAuth(c, start);
    case "RATE_LIMIT":
      return parseRateLimit(c, start);
    case "CORS": {
      const properties = parsePropertyBlock(c, "the CORS settings");
      return { kind: "Cors", span: c.spanFrom(start), properties } satisfies CorsDecl;
    }
    case "WORKER": {
      const name = c.expectIdentifier("a name for the WORKER");
      const body = parseBlock(c, "the WORKER body");
      return { kind: "Worker", span: c.spanFrom(start), name, body };
    }
    case "FN":
      return parseFunction(c, start);
    case "ACTION":
      return parseFunction(c, start, "ACTION");
    case "EVENT": {
      const name = c.expectIdentifier("a name for the EVENT, as in EVENT order_shipped { order: int }");
      const fields = parseFieldBlock(c, `the EVENT ${name.name}'s payload`);
      return { kind: "Event", span: c.spanFrom(start), name, fields };
    }
    case "VIEW":
      return parseView(c, start);
    case "READ":
      return parseReadModel(c, start);
    case "API":
      return parseApi(c, start);
    case "TEST": {
      const t = c.token;
      let name: StringLiteral;
      if (t.kind === "String") {
        c.advance();
        name = { kind: "String", span: c.tokenSpan(t), value: (t.parts ?? []).map((p) => (p.kind === "text" ? p.value : t.text)).join("") };
      } else {
        c.errorExpected('the test\'s name in quotes, as in TEST "adds a todo" { … }');
        name = { kind: "String", span: c.emptySpanHere(), value: "" };
      }
      c.inTest = true;
      let body;
      try {
        body = parseBlock(c, `TEST ${JSON.stringify(name.value)}`);
      } finally {
        c.inTest = false;
      }
      return { kind: "Test", span: c.spanFrom(start), title: name, body } satisfies TestDecl;
    }
  }
  return null;
}

/**
 * `API v2 DEPRECATED "…" SUNSET "…" { endpoints }`. Only endpoints go inside: entities, shapes
 * and the rest are shared by every version, so they stay at the top level.
 */
function parseApi(c: Cursor, start: number): ApiDecl {
  // `API 2` reads as a number: kept as the name so the checker can say "write v2".
  const number = c.token.kind === "Number" ? c.advance() : undefined;
  const version: Identifier = number !== undefined ? { kind: "Identifier", span: c.tokenSpan(number), name: number.text } : c.expectIdentifier("a version name after API, as in API v2 { … }");
  let deprecated: StringLiteral | null = null;
  let sunset: StringLiteral | null = null;
  for (;;) {
    if (c.matchKeyword("DEPRECATED")) deprecated = apiDate(c, "DEPRECATED");
    else if (c.matchKeyword("SUNSET")) sunset = apiDate(c, "SUNSET");
    else break;
  }
  const endpoints: EndpointDecl[] = [];
  if (c.expectPunct("{", `the endpoints of API ${version.name}`)) {
    while (!c.atEnd && !c.isPunct("}")) {
      const t = c.token;
      const before = c.mark;
      const doc = t.doc ?? null;
      const upper = t.text.toUpperCase();
      if (c.peek().kind === "Path" && HTTP_METHODS.has(upper)) {
        if (t.kind !== "Keyword") c.reportMiscased(upper);
        c.advance();
        const endpoint = parseEndpoint(c, t.start, upper as HttpMethod);
        endpoint.doc = doc;
        endpoints.push(endpoint);
      } else {
        c.error("ApiBlockContent", c.tokenSpan(t), `an API block holds endpoints only, not '${t.text}'`, {
          suggestion: "declare entities, shapes and functions at the top level (every version shares them); put GET /path { … } endpoints inside",
        });
        // Skip what it declares (braces balanced) up to the next endpoint or the block's end.
        let depth = 0;
        c.advance();
        while (!c.atEnd) {
          if (depth === 0 && (c.isPunct("}") || (c.token.newlineBefore && HTTP_METHODS.has(c.token.text.toUpperCase())))) break;
          if (c.isPunct("{")) depth++;
          else if (c.isPunct("}")) depth--;
          c.advance();
        }
      }
      if (c.mark === before) c.advance();
    }
    c.expectPunct("}", `the end of API ${version.name}`);
  }
  return { kind: "Api", span: c.spanFrom(start), version, deprecated, sunset, endpoints, doc: null };
}

function apiDate(c: Cursor, keyword: string): StringLiteral | null {
  const t = c.token;
  if (t.kind !== "String") {
    c.errorExpected(`a date in quotes after ${keyword}, as in ${keyword} "2027-01-01"`);
    return null;
  }
  c.advance();
  const value = (t.parts ?? []).map((p) => (p.kind === "text" ? p.value : t.text)).join("");
  return { kind: "String", span: c.tokenSpan(t), value };
}

function reportNotDeclaration(c: Cursor, t: Token): void {
  const isMethod = HTTP_METHODS.has(t.text.toUpperCase());
  let suggestion =
    "a file holds declarations: IMPORT, CONNECT, ENTITY, READ MODEL, VALIDATE, VIEW, FN, ACTION, EVENT, endpoints (GET /path { … }), CACHE, SOCKET, TASK, ON INSERT|UPDATE|DELETE, AUTH, WORKER";
  if (isMethod) suggestion = `an endpoint needs a path starting with '/', as in ${t.text.toUpperCase()} /users { … }`;
  else if (t.kind === "Keyword" && ["RESPOND", "SELECT", "IF", "ERROR"].includes(t.text)) suggestion = "statements belong inside an endpoint's { … }";
  const guess = t.kind === "Identifier" ? misspeltKeyword(t, [...DECLARATION_KEYWORDS, ...HTTP_METHODS]) : undefined;
  if (guess !== undefined && !isMethod) {
    c.error("ExpectedDeclaration", c.tokenSpan(t), `'${t.text}' is not a Kova keyword`, { suggestion: `did you mean ${guess}?`, replacement: guess });
    return;
  }
  c.error("ExpectedDeclaration", c.tokenSpan(t), `expected a declaration, found ${t.kind === "EOF" ? "the end of the file" : `'${t.text}'`}`, { suggestion });
}

function parseImport(c: Cursor, start: number): ImportDecl {
  const names: ImportName[] = [];
  if (c.isPunct("{")) {
    const open = c.advance();
    while (!c.isPunct("}") && !c.atEnd) {
      const before = c.mark;
      const nameStart = c.token.start;
      const imported = c.expectIdentifier("a function name to import");
      let local = imported;
      if (c.matchKeyword("AS")) local = c.expectIdentifier("a local name after AS");
      if (imported.name !== "") names.push({ kind: "ImportName", span: c.spanFrom(nameStart), imported, local });
      skipSeparator(c);
      if (c.mark === before) break;
    }
    closeBracket(c, open, "}");
    c.expectKeyword("FROM", "after the imported names");
  }
  const t = c.token;
  let source = "";
  let sourceSpan = c.emptySpanHere();
  if (t.kind === "String" && t.parts?.length === 1 && t.parts[0].kind === "text") {
    c.advance();
    source = t.parts[0].value;
    sourceSpan = c.tokenSpan(t);
  } else {
    c.errorExpected('a file path in quotes, as in IMPORT "./users.kova"');
  }
  return { kind: "Import", span: c.spanFrom(start), source, sourceSpan, names };
}

function parseConnect(c: Cursor, start: number): ConnectDecl {
  const name = c.expectIdentifier("a name for the data source");
  c.expectKeyword("USING", "after the data source name");
  const driver = c.expectIdentifier("a driver name, such as postgres");
  let args: Expression[] = [];
  if (c.isPunct("(")) args = parseArguments(c, c.advance());
  return { kind: "Connect", span: c.spanFrom(start), name, driver, args };
}

function parseEntity(c: Cursor, start: number): EntityDecl {
  const abstract = c.matchKeyword("ABSTRACT");
  const name = c.expectIdentifier("an entity name");
  const source = c.matchKeyword("USING") ? c.expectIdentifier("a data source name after USING") : null;
  // Modifiers after the name (and USING), in any order: NO HISTORY, AUDIT, SOFT DELETE, TENANT BY claim, PUBLIC ID kind, IDENTIFIER slug(fields), SUBJECT, PERSONAL DATA OF field.
  let noHistory = false;
  let audit = false;
  let softDelete = false;
  let tenant: Identifier | null = null;
  let publicId: Identifier | null = null;
  let identifier: EntityIdentifier | null = null;
  let parent: Identifier | null = null;
  let subject = false;
  let personalDataOf: Identifier | null = null;
  for (;;) {
    const modifierStart = c.token.start;
    if (c.matchKeyword("SUBJECT")) {
      subject = true;
    } else if (c.matchKeyword("PERSONAL")) {
      const word = c.expectIdentifier("DATA OF after PERSONAL (ENTITY Order PERSONAL DATA OF customer { … })");
      if (word.name !== "DATA") c.error("Expected", word.span, `expected DATA after PERSONAL, found '${word.name}' (ENTITY Order PERSONAL DATA OF customer { … })`);
      c.expectKeyword("OF", "after PERSONAL DATA (ENTITY Order PERSONAL DATA OF customer { … })");
      personalDataOf = c.expectIdentifier("the reference field naming the data subject, after PERSONAL DATA OF");
    } else if (c.matchKeyword("EXTENDS")) {
      parent = c.expectIdentifier("the entity to extend, after EXTENDS (ENTITY Customer EXTENDS Contact { … })");
    } else if (c.matchKeyword("NO")) {
      c.expectKeyword("HISTORY", "after NO (ENTITY Session NO HISTORY { … } keeps no versions)");
      noHistory = true;
    } else if (c.matchKeyword("AUDIT")) {
      audit = true;
    } else if (c.matchKeyword("SOFT")) {
      c.expectKeyword("DELETE", "after SOFT (ENTITY Ticket SOFT DELETE { … } keeps deleted records, hidden)");
      softDelete = true;
    } else if (c.matchKeyword("TENANT")) {
      c.expectKeyword("BY", "after TENANT (ENTITY Contact TENANT BY org { … } scopes rows to the caller's $auth.org)");
      tenant = c.expectIdentifier("the claim of $auth that names the caller's tenant, after TENANT BY");
    } else if (c.matchKeyword("PUBLIC")) {
      const word = c.expectIdentifier("ID after PUBLIC (ENTITY Customer PUBLIC ID uuid { … })");
      if (word.name !== "ID") c.error("Expected", word.span, `expected ID after PUBLIC, found '${word.name}' (ENTITY Customer PUBLIC ID uuid { … })`);
      publicId = c.expectIdentifier("the kind of public id after PUBLIC ID (uuid)");
    } else if (c.matchKeyword("IDENTIFIER")) {
      identifier = parseEntityIdentifier(c, modifierStart);
    } else break;
  }
  const constraints: EntityConstraint[] = [];
  // `ENTITY Supplier EXTENDS Organization` alone (no fields of its own) needs no braces.
  const fields = parent !== null && !c.isPunct("{") ? [] : parseFieldBlock(c, "the ENTITY", constraints);
  return { kind: "Entity", span: c.spanFrom(start), name, source, fields, constraints, noHistory, audit, softDelete, tenant, publicId, identifier, subject, personalDataOf, abstract, extends: parent, doc: null };
}

/** `{ name: type modifiers … }` — fields separated by line breaks, commas or semicolons. */
function parseFieldBlock(c: Cursor, context: string, constraints?: EntityConstraint[]): FieldDecl[] {
  const fields: FieldDecl[] = [];
  const open = c.token;
  if (!c.matchPunct("{")) {
    c.errorExpected(`'{' to start ${context}`);
    return fields;
  }
  if (!c.enter()) return fields;
  try {
    while (!c.isPunct("}") && !c.atEnd) {
      if (c.token.newlineBefore && startsDeclaration(c) && c.peek().kind !== "Punct") break;
      const before = c.mark;
      const errors = c.errorCount;
      if (constraints !== undefined && (c.isKeyword("UNIQUE") || c.isKeyword("INDEX")) && c.isPunct("(", c.peek())) {
        constraints.push(parseEntityConstraint(c));
      } else {
        const field = parseField(c);
        if (field !== null) fields.push(field);
      }
      skipSeparator(c);
      recoverToNextLine(c, errors, before);
    }
    closeBracket(c, open, "}");
  } finally {
    c.leave();
  }
  return fields;
}

/** `UNIQUE (a, b)` / `INDEX (a, b)`: a constraint over several fields of the entity. */
function parseEntityConstraint(c: Cursor): EntityConstraint {
  const start = c.token.start;
  const constraint = c.isKeyword("UNIQUE") ? "UNIQUE" : "INDEX";
  c.advance();
  const open = c.advance();
  const fields: Identifier[] = [];
  while (!c.isPunct(")") && !c.atEnd) {
    const before = c.mark;
    fields.push(c.expectIdentifier("a field name"));
    if (!c.matchPunct(",") && !c.isPunct(")")) {
      c.errorExpected(`',' or ')' in the ${constraint} field list`);
      if (c.mark === before) break;
      break;
    }
  }
  closeBracket(c, open, ")");
  if (fields.length === 0) c.errorExpected(`at least one field name in ${constraint} ( … )`);
  return { kind: "EntityConstraint", span: c.spanFrom(start), constraint, fields };
}

/** `ON DELETE RESTRICT | CASCADE | SET NULL` after a reference field's type (ON already read). */
function parseOnDelete(c: Cursor, start: number): FieldModifier {
  c.expectKeyword("DELETE", "after ON (ON DELETE RESTRICT, CASCADE or SET NULL)");
  let action: NonNullable<FieldModifier["action"]>;
  if (c.matchKeyword("RESTRICT")) action = "RESTRICT";
  else if (c.matchKeyword("CASCADE")) action = "CASCADE";
  else if (c.isKeyword("SET") && c.isKeyword("NULL", c.peek())) {
    c.advance();
    c.advance();
    action = "SET NULL";
  } else {
    c.error("ExpectedOnDeleteAction", c.tokenSpan(c.token), `expected RESTRICT, CASCADE or SET NULL after ON DELETE, found '${c.token.text || "the end of the file"}'`, {
      suggestion: "write ON DELETE RESTRICT (refuse the delete), CASCADE (delete these records too) or SET NULL (clear the reference)",
    });
    action = "RESTRICT";
  }
  return { kind: "FieldModifier", span: c.spanFrom(start), modifier: "ON DELETE", value: null, action, roles: [] };
}

function parseField(c: Cursor): FieldDecl | null {
  const start = c.token.start;
  const doc = c.token.doc ?? null;
  const name = c.expectIdentifier("a field name");
  if (name.name === "") return null;
  c.expectPunct(":", `after the field name '${name.name}'`);
  const type = parseTypeRef(c);
  // `posts: Post[] BY author`: an inverse relation (the checker allows it only on an entity).
  const by = c.matchKeyword("BY") ? c.expectIdentifier("the reference field after BY, as in posts: Post[] BY author") : null;
  const modifiers: FieldModifier[] = [];
  for (;;) {
    const t = c.token;
    if (c.isKeyword("ON") && c.isKeyword("DELETE", c.peek())) {
      c.advance();
      modifiers.push(parseOnDelete(c, t.start));
      continue;
    }
    // `UNIQUE (a, b)` on the next line is the entity's composite constraint, not this field's.
    if (t.newlineBefore && c.isPunct("(", c.peek())) break;
    const mod = (["UNIQUE", "INDEX", "PRIMARY", "DEFAULT", "SECRET", "ENCRYPTED", "MASKED"] as const).find((m) => c.isKeyword(m) || (c.isMiscasedKeyword(m) && !t.newlineBefore));
    if (mod === undefined) break;
    c.matchKeyword(mod);
    const value = mod === "DEFAULT" ? parseExpression(c) : null;
    const roles = mod === "MASKED" && c.matchKeyword("UNLESS") ? parseMaskRoles(c) : [];
    modifiers.push({ kind: "FieldModifier", span: c.spanFrom(t.start), modifier: mod, value, action: null, roles });
  }
  return { kind: "Field", span: c.spanFrom(start), name, type, modifiers, by, doc };
}

/**
 * After `MASKED UNLESS`: the roles that see the value whole, `admin, dpo`, on the same line. A
 * comma followed by `name:` separates the next field (`{ a: text MASKED UNLESS admin, b: text }`).
 */
function parseMaskRoles(c: Cursor): Identifier[] {
  const roles: Identifier[] = [];
  for (;;) {
    if (c.token.newlineBefore || c.token.kind !== "Identifier" || c.isPunct(":", c.peek())) {
      if (roles.length === 0) c.errorExpected("a role after UNLESS, as in MASKED UNLESS admin");
      break;
    }
    roles.push(c.expectIdentifier("a role"));
    if (!c.matchPunct(",")) break;
  }
  return roles;
}

/** `int`, `text?`, `string(min: 1)`, `enum("a", "b")`, `Tag[]`, `{ street: string }[]?` */
export function parseTypeRef(c: Cursor): TypeRef {
  const start = c.token.start;
  let name: Identifier;
  let fields: FieldDecl[] = [];
  const args: Expression[] = [];
  const options: Property[] = [];
  if (c.isPunct("{")) {
    const open = c.token;
    fields = parseFieldBlock(c, "the object shape");
    name = { kind: "Identifier", span: c.tokenSpan(open), name: "object" };
  } else {
    name = c.expectIdentifier("a type, such as text, int or email");
    if (c.isPunct("(") && !c.token.newlineBefore) {
      const open = c.advance();
      while (!c.isPunct(")") && !c.atEnd) {
        const before = c.mark;
        if ((c.token.kind === "Identifier" || c.token.kind === "Keyword") && c.isPunct(":", c.peek())) options.push(parseProperty(c));
        else args.push(parseExpression(c));
        if (!c.matchPunct(",") && !c.isPunct(")")) {
          c.errorExpected("',' or ')' in the type's arguments");
          if (c.mark === before) break;
        }
      }
      closeBracket(c, open, ")");
    }
  }
  let array = false;
  let optional = false;
  for (;;) {
    if (c.isPunct("[") && c.isPunct("]", c.peek()) && !c.token.newlineBefore) {
      c.advance();
      c.advance();
      array = true;
    } else if (c.isPunct("?") && !c.token.newlineBefore) {
      c.advance();
      optional = true;
    } else {
      break;
    }
  }
  return { kind: "TypeRef", span: c.spanFrom(start), name, args, options, fields, array, optional };
}

function parseEndpoint(c: Cursor, start: number, method: HttpMethod): EndpointDecl {
  const path = parsePath(c, c.advance());
  let validate: Identifier | null = null;
  let auth: EndpointAuth | null = null;
  let rateLimit: RateLimitDecl | null = null;
  let query: EndpointQuery | null = null;
  let cache: Identifier | null = null;
  for (;;) {
    const t = c.token;
    if (query === null && c.matchKeyword("QUERY")) {
      const fields = parseFieldBlock(c, "the QUERY parameters");
      query = { kind: "EndpointQuery", span: c.spanFrom(t.start), fields };
    } else if (c.matchKeyword("RATE_LIMIT")) {
      const clause = parseRateLimit(c, t.start);
      if (rateLimit !== null) {
        c.error("DuplicateRateLimit", clause.span, "this endpoint already has a RATE_LIMIT", { suggestion: "keep one RATE_LIMIT per endpoint (the app-wide one is a top-level RATE_LIMIT)" });
      } else rateLimit = clause;
    } else if (c.matchKeyword("VALIDATE")) {
      validate = c.expectIdentifier("the name of a VALIDATE shape");
    } else if (c.matchKeyword("AUTH")) {
      auth = parseEndpointAuth(c, t.start);
    } else if (cache === null && c.matchKeyword("CACHE")) {
      cache = c.expectIdentifier("the name of a CACHE, as in GET /posts/:id CACHE posts { … }");
    } else {
      break;
    }
  }
  const body = parseBlock(c, `${method} ${path.text}`);
  return { kind: "Endpoint", span: c.spanFrom(start), method, path, validate, auth, rateLimit, query, cache, body, doc: null };
}

/**
 * After `AUTH`: nothing (signed in), roles (`admin, editor`), `owner(field)`, `optional`, in any
 * mix on one line. `optional` and `owner` are words only here, so they stay usable as role names
 * nowhere else — a role called `optional` would read as the modifier.
 */
function parseEndpointAuth(c: Cursor, start: number): EndpointAuth {
  const roles: Identifier[] = [];
  let optional = false;
  let owner: Identifier | null = null;
  while (c.token.kind === "Identifier" && !c.token.newlineBefore) {
    const word = c.expectIdentifier("a role");
    if (word.name === "optional") optional = true;
    else if (word.name === "owner" && c.isPunct("(")) {
      const paren = c.advance();
      owner = c.expectIdentifier("the field that holds the owner's id, as in owner(author)");
      closeBracket(c, paren, ")");
    } else roles.push(word);
    c.matchPunct(",");
  }
  return { kind: "EndpointAuth", span: c.spanFrom(start), roles, optional, owner };
}

const SEGMENT = /^[A-Za-z0-9\-._~!$&'()*+,;=@]+$|^(?:%[0-9A-Fa-f]{2}|[A-Za-z0-9\-._~])+$/;
const PARAM = /^[A-Za-z_][A-Za-z0-9_]*$/;
const TYPED_PARAM = /^:([A-Za-z_][A-Za-z0-9_]*)\(([^)]*)\)$/;

/** Splits and checks a route path token such as `/users/:id/history`. */
function parsePath(c: Cursor, t: Token): RoutePath {
  const segments: PathSegment[] = [];
  const text = t.text;
  const bad = (offset: number, length: number, message: string, suggestion: string) =>
    c.error("InvalidPath", c.source.span(t.start + offset, t.start + offset + Math.max(1, length)), message, { suggestion });
  if (text !== "/") {
    let offset = 1;
    const parts = text.slice(1).split("/");
    parts.forEach((part, i) => {
      const span = c.source.span(t.start + offset, t.start + offset + part.length);
      if (part === "") {
        if (i === parts.length - 1) bad(offset - 1, 1, "a route path cannot end with '/'", `write ${text.replace(/\/+$/, "")}`);
        else bad(offset - 1, 2, "empty segment ('//') in the route path", "remove the extra '/'");
      } else if (part.startsWith(":")) {
        // `:id(int)`: a declared type in parentheses right after the name.
        const typed = TYPED_PARAM.exec(part);
        const name = typed ? typed[1] : part.slice(1);
        let type: Identifier | null = null;
        if (typed) {
          const at = t.start + offset + 1 + name.length + 1;
          if (PARAM.test(typed[2])) type = { kind: "Identifier", span: c.source.span(at, at + typed[2].length), name: typed[2] };
          else bad(offset + 1 + name.length, part.length - 1 - name.length, `'(${typed[2]})' is not a parameter type`, "write a type name in parentheses, as in :id(int) or :slug(text)");
        }
        if (!PARAM.test(name)) bad(offset, part.length, `':${name}' is not a valid parameter name`, "parameter names are letters, digits and _, as in :user_id");
        else segments.push({ kind: "PathSegment", span, param: true, value: name, type });
      } else if (!SEGMENT.test(part)) {
        bad(offset, part.length, `'${part}' is not a valid path segment`, "use letters, digits and - . _ ~ (percent-encode anything else)");
      } else {
        segments.push({ kind: "PathSegment", span, param: false, value: part, type: null });
      }
      offset += part.length + 1;
    });
  }
  // The routed text leaves the declared types out: `/users/:id(int)` is served at `/users/:id`.
  const routed = segments.some((s) => s.type !== null) ? text.replace(/(:[A-Za-z_][A-Za-z0-9_]*)\([^)/]*\)/g, "$1") : text;
  return { kind: "RoutePath", span: c.tokenSpan(t), text: routed, segments };
}

/** `{ key: value … }` for CACHE and AUTH settings. */
export function parsePropertyBlock(c: Cursor, context: string): Property[] {
  const properties: Property[] = [];
  const open = c.token;
  if (!c.matchPunct("{")) {
    c.errorExpected(`'{' to start ${context}`);
    return properties;
  }
  while (!c.isPunct("}") && !c.atEnd) {
    const before = c.mark;
    properties.push(parseProperty(c));
    skipSeparator(c);
    if (c.mark === before) c.advance();
  }
  closeBracket(c, open, "}");
  return properties;
}

/**
 * After `SOCKET`: `/path [AUTH …] [VALIDATE Shape] [WITH { settings }] { ON EVENT[(param)] { … } … }`.
 * The checker decides which events exist and which take a parameter.
 */
function parseSocket(c: Cursor, start: number): SocketDecl {
  let path: RoutePath;
  if (c.token.kind === "Path") {
    path = parsePath(c, c.advance());
  } else {
    // `SOCKET chat { … }`, the reserved form: a socket is served at a path now.
    const t = c.token;
    const word = t.kind === "Identifier" ? t.text : "chat";
    c.error("ExpectedDeclaration", c.tokenSpan(t), "expected the path the SOCKET is served at, as in SOCKET /chat { … }", { suggestion: `write SOCKET /${word} { … }` });
    if (t.kind === "Identifier") c.advance();
    path = { kind: "RoutePath", span: c.tokenSpan(t), text: `/${word}`, segments: [] };
  }
  let auth: EndpointAuth | null = null;
  let validate: Identifier | null = null;
  let settings: Property[] = [];
  for (;;) {
    const t = c.token;
    if (c.matchKeyword("AUTH")) auth = parseEndpointAuth(c, t.start);
    else if (c.matchKeyword("VALIDATE")) validate = c.expectIdentifier("the name of a VALIDATE shape for the messages");
    else if (c.matchKeyword("WITH")) settings = parsePropertyBlock(c, "the SOCKET settings");
    else break;
  }
  const handlers: SocketHandler[] = [];
  const open = c.token;
  if (c.expectPunct("{", "to start the SOCKET body")) {
    while (!c.isPunct("}") && !c.atEnd) {
      const handlerStart = c.token.start;
      if (!c.matchKeyword("ON")) {
        c.errorExpected("ON CONNECT, ON MESSAGE(msg) or ON CLOSE inside the SOCKET");
        c.advance();
        continue;
      }
      const eventToken = c.token;
      let event: Identifier;
      if (eventToken.kind === "Identifier" || eventToken.kind === "Keyword") {
        c.advance();
        event = { kind: "Identifier", span: c.tokenSpan(eventToken), name: eventToken.text.toLowerCase() };
      } else {
        event = c.expectIdentifier("an event name after ON: CONNECT, MESSAGE or CLOSE");
      }
      let param: Identifier | null = null;
      if (c.isPunct("(")) {
        const paren = c.advance();
        param = c.expectIdentifier("a parameter name");
        closeBracket(c, paren, ")");
      }
      const body = parseBlock(c, `the ON ${event.name.toUpperCase()} handler`);
      handlers.push({ kind: "SocketHandler", span: c.spanFrom(handlerStart), event, param, body });
    }
    closeBracket(c, open, "}");
  }
  return { kind: "Socket", span: c.spanFrom(start), path, auth, validate, settings, handlers };
}

/** `RATE_LIMIT <count> PER <duration> [BY <key>]` (the keyword already read). */
function parseRateLimit(c: Cursor, start: number): RateLimitDecl {
  const count = parseExpression(c);
  let window: Expression;
  if (c.expectKeyword("PER", "after the number of requests, as in RATE_LIMIT 100 PER 1m")) window = parseExpression(c);
  else window = { kind: "Missing", span: c.emptySpanHere() };
  const by = c.matchKeyword("BY") ? parseExpression(c) : null;
  return { kind: "RateLimit", span: c.spanFrom(start), count, window, by };
}

function parseAuth(c: Cursor, start: number): AuthDecl {
  const name = c.expectIdentifier("a name for the AUTH scheme, such as jwt");
  let using: CallExpr | null = null;
  if (c.matchKeyword("USING")) {
    const expr = parseExpression(c);
    if (expr.kind === "Call") using = expr;
    else c.error("Expected", expr.span, "USING takes a call, as in USING secret(env(\"JWT_KEY\"))");
  }
  const properties = c.isPunct("{") ? parsePropertyBlock(c, "the AUTH settings") : [];
  return { kind: "Auth", span: c.spanFrom(start), name, using, properties };
}

/** `(unknown: "drop")` after a VALIDATE shape's name: options as `name: value`, comma-separated. */
function parseShapeOptions(c: Cursor): Property[] {
  const open = c.advance();
  const options: Property[] = [];
  while (!c.isPunct(")") && !c.atEnd) {
    const before = c.mark;
    options.push(parseProperty(c));
    if (!c.matchPunct(",") && !c.isPunct(")")) {
      c.errorExpected("',' or ')' in the shape's options");
      if (c.mark === before) break;
    }
  }
  closeBracket(c, open, ")");
  return options;
}
