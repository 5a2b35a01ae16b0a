/**
 * Keywords are written in upper case and are case-sensitive: `SELECT` is a keyword, `select` is an
 * ordinary name. This keeps every lower-case word free for fields and variables (`order`, `from`,
 * `limit`, `key` are common column names), and lets the parser suggest the upper-case form when a
 * keyword is typed in lower case.
 */
export const KEYWORDS = [
  "IMPORT", "FROM", "AS", "CONNECT", "USING", "ENTITY", "VALIDATE",
  "GET", "POST", "PUT", "PATCH", "DELETE",
  "SELECT", "INSERT", "UPDATE", "SAVE", "INTO", "HISTORY", "SET",
  "WHERE", "ORDER_BY", "ASC", "DESC", "LIMIT", "OFFSET", "OF",
  "DISTINCT", "GROUP_BY", "HAVING", "WITH", "TOTAL", "AFTER", "COUNT", "SUM", "AVG", "MIN", "MAX",
  "RESPOND", "HEADERS", "COOKIES", "REDIRECT", "QUERY", "ERROR", "IF", "ELSE",
  "AND", "OR", "NOT", "IN", "LIKE", "IS", "NULL", "BETWEEN",
  "FN", "RETURN", "FOR", "VIEW",
  "UNIQUE", "INDEX", "PRIMARY", "DEFAULT", "BY", "EXISTS",
  "CACHE", "SOCKET", "TASK", "AUTH", "WORKER", "ON", "BROADCAST", "EVERY", "CRON", "TZ", "ENQUEUE", "DELAY", "KEY",
  "RATE_LIMIT", "PER", "CORS",
  // Realtime: `JOIN room`, `LEAVE room`, `SEND msg`, `BROADCAST TO room msg`, `STREAM room`.
  "JOIN", "LEAVE", "SEND", "TO", "STREAM", "LIVE",
  "CASCADE", "RESTRICT",
  // History control: `password: text SECRET`, `ENTITY Session NO HISTORY { … }`.
  "SECRET", "NO",
  // Audit trail: `ENTITY Post AUDIT { … }` (created/updated at and by, set by every write).
  "AUDIT",
  // Soft delete: `ENTITY Ticket SOFT DELETE { … }`, `RESTORE Ticket WHERE …`, `SELECT … WITH DELETED | ONLY DELETED`.
  "SOFT", "RESTORE", "DELETED", "ONLY",
  // Tenants: `ENTITY Contact TENANT BY org { … }` (every query scoped to the caller's `$auth.org`).
  "TENANT",
  // Public identifiers: `ENTITY Customer PUBLIC ID uuid { … }` (ID and uuid are read as names).
  "PUBLIC",
  // Human-readable identifiers: `ENTITY Article IDENTIFIER slug(title) VERSIONED { … }` (slug is read as a name).
  "IDENTIFIER", "VERSIONED",
  // API versions: `API v1 DEPRECATED "2026-06-01" SUNSET "2027-01-01" { … }`.
  "API", "DEPRECATED", "SUNSET",
  // Tests: `TEST "adds a todo" { r = POST /todos { … }  EXPECT r.status == 201 }` in *.test.kova files.
  "TEST", "EXPECT",
  // Actions and events: `ACTION ship(order: Order) { … EMIT order_shipped { … } }`, `EVENT order_shipped { … }`.
  "ACTION", "EVENT", "EMIT",
  // Concurrent work in one request: `t = SPAWN total(xs)` … `n = AWAIT t`.
  "SPAWN", "AWAIT",
  // Sensitive data: `email: email ENCRYPTED` (AES-256-GCM at rest, erasable with `kova db forget`).
  "ENCRYPTED",
  // `ssn: text MASKED UNLESS admin` (partly shown in answers), `ENTITY Person SUBJECT`,
  // `ENTITY Order PERSONAL DATA OF customer` (forgotten with its subject; DATA is read as a name).
  "MASKED", "UNLESS", "SUBJECT", "PERSONAL",
  // Read models: `READ MODEL ProductSummary FROM Product GROUP_BY category { category, n: COUNT(*) }`.
  "READ", "MODEL",
  // Reuse: `ENTITY ABSTRACT Contact { … }` (no table), `ENTITY Customer EXTENDS Contact { … }`.
  "ABSTRACT", "EXTENDS",
] as const;

export type Keyword = (typeof KEYWORDS)[number];

export const KEYWORD_SET: ReadonlySet<string> = new Set(KEYWORDS);

export const HTTP_METHODS: ReadonlySet<string> = new Set(["GET", "POST", "PUT", "PATCH", "DELETE"]);

export type TokenKind =
  | "EOF"
  | "Identifier"
  | "Keyword"
  | "String"
  | "Number"
  | "Duration"
  | "Param"
  | "Path"
  | "Punct";

/** A piece of a double-quoted string: literal text, or the source range of a `{…}` expression. */
export type StringPart =
  | { kind: "text"; value: string; start: number; end: number }
  | { kind: "expr"; start: number; end: number };

export interface Token {
  kind: TokenKind;
  /** The source text of the token. */
  text: string;
  start: number;
  end: number;
  /** A line break (or the start of the file) lies between the previous token and this one. */
  newlineBefore: boolean;
  /** Strings: the cooked parts (one text part when there is no interpolation). */
  parts?: StringPart[];
  /** Numbers and durations: the value (durations in milliseconds). */
  value?: number;
  /** The `///` doc comment lines just before this token, joined by line breaks (their `/// ` cut off). */
  doc?: string;
}

/** Punctuation, longest first so that the scanner can match greedily. */
export const PUNCTUATION = [
  "...", "??", "==", "!=", "<>", "<=", ">=", "&&", "||",
  "{", "}", "(", ")", "[", "]", ",", ":", ";", ".", "?", "=", "<", ">", "+", "-", "*", "/", "%", "!",
] as const;

export const DURATION_UNITS: Readonly<Record<string, number>> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
};

/** A byte-size unit glued to a number (`512KB`, `5MB`, `1GB`) makes a Number of bytes; 1 KB = 1024 bytes. */
export const SIZE_UNITS: Readonly<Record<string, number>> = {
  B: 1,
  KB: 1024,
  MB: 1024 * 1024,
  GB: 1024 * 1024 * 1024,
};
