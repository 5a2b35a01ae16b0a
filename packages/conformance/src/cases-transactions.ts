/**
 * Endpoint transactions and declared constraints (composite UNIQUE/INDEX, references with ON
 * DELETE): every relational driver must give the same answers. Redis serves key-value programs
 * only, and the build refuses these declarations on it (KV9020/KV9021, see compiler tests).
 */
import { Mismatch, type Case } from "./cases.js";

export const TRANSACTION_PROGRAM = `
ENTITY Author { name: text UNIQUE }

ENTITY Book {
  author: Author ON DELETE CASCADE
  editor: Author? ON DELETE SET NULL
  title: text
  UNIQUE (author, title)
  INDEX (title, author)
}

ENTITY Review {
  book: Book ON DELETE CASCADE
  stars: int
}

ENTITY Loan {
  book: Book
  who: text
}

VALIDATE NewAuthor { name: string }
VALIDATE NewBook { author: int  editor: int?  title: string }
VALIDATE NewReview { book: int  stars: int }
VALIDATE NewLoan { book: int  who: string }
VALIDATE Pair { first: string  second: string }
VALIDATE Later { name: string  stars: any }

POST /authors VALIDATE NewAuthor { RESPOND 201 INSERT INTO Author $body }
GET /authors/:id { RESPOND SELECT * FROM Author WHERE id = $id }
DELETE /authors/:id { RESPOND DELETE FROM Author WHERE id = $id }
GET /authors-named/:name { RESPOND SELECT * FROM Author WHERE name = $name }
GET /authors-named/:name/as-of/:t { RESPOND SELECT * FROM Author AS OF $t WHERE name = $name }
POST /books VALIDATE NewBook { RESPOND 201 INSERT INTO Book $body }
GET /books/:id { RESPOND SELECT * FROM Book WHERE id = $id }
GET /books/:id/history { RESPOND HISTORY Book WHERE id = $id }
GET /books/:id/as-of/:t { RESPOND SELECT * FROM Book AS OF $t WHERE id = $id }
DELETE /books/:id { RESPOND DELETE FROM Book WHERE id = $id }
POST /reviews VALIDATE NewReview { RESPOND 201 INSERT INTO Review $body }
GET /reviews/:id/history { RESPOND HISTORY Review WHERE id = $id }
POST /loans VALIDATE NewLoan { RESPOND 201 INSERT INTO Loan $body }
DELETE /loans/:id { RESPOND DELETE FROM Loan WHERE id = $id }

// Writes, then ends with ERROR: nothing may be kept.
POST /pair-then-error VALIDATE Pair {
  INSERT INTO Author { name: $body.first }
  INSERT INTO Author { name: $body.second }
  ERROR 409 "changed my mind"
}

// Two inserts; the second may break a UNIQUE: then the first is not kept either.
POST /pair VALIDATE Pair {
  a = INSERT INTO Author { name: $body.first }
  b = INSERT INTO Author { name: $body.second }
  RESPOND 201 [a, b]
}

// Writes, then fails on a value only known at run time (an int converted from the body): a 400, nothing kept.
POST /write-then-fail VALIDATE Later {
  a = INSERT INTO Author { name: $body.name }
  RESPOND INSERT INTO Review { book: a.id, stars: $body.stars }
}

// Reads inside the endpoint see its own writes.
POST /read-your-writes VALIDATE NewAuthor {
  a = INSERT INTO Author $body
  UPDATE Author SET name = "{$body.name} (renamed)" WHERE id = a.id
  seen = SELECT * FROM Author WHERE id = a.id
  again = SELECT * FROM Author WHERE name = "{$body.name} (renamed)"
  RESPOND { inserted: a.name, seen: seen.name, byName: again.id == a.id }
}
`;

async function created(api: Parameters<Case["run"]>[0], path: string, body: unknown): Promise<number> {
  const r = await api.request("POST", path, body);
  if (r.status !== 201) throw new Mismatch(`POST ${path} ${JSON.stringify(body)}: status ${r.status} ${JSON.stringify(r.body)}`);
  return r.body.id;
}

/** How many authors have this name (UNIQUE: 0 or 1). */
const named = async (api: Parameters<Case["run"]>[0], name: string) => ((await api.request("GET", `/authors-named/${encodeURIComponent(name)}`)).status === 200 ? 1 : 0);
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** The same, read AS OF an instant after the request: a write rolled back left no version in the history either. */
const namedAsOf = async (api: Parameters<Case["run"]>[0], name: string) =>
  (await api.request("GET", `/authors-named/${encodeURIComponent(name)}/as-of/${new Date(Date.now() + 60_000).toISOString()}`)).status === 200 ? 1 : 0;

const own = { program: "full" as const, source: TRANSACTION_PROGRAM };

export const TRANSACTION_CASES: Case[] = [
  {
    name: "transaction: rollback on ERROR",
    ...own,
    async run(api, check) {
      const r = await api.request("POST", "/pair-then-error", { first: "tx-e1", second: "tx-e2" });
      check("status", r.status, 409);
      check("no write kept", [await named(api, "tx-e1"), await named(api, "tx-e2")], [0, 0]);
      check("no version kept (AS OF)", [await namedAsOf(api, "tx-e1"), await namedAsOf(api, "tx-e2")], [0, 0]);
    },
  },
  {
    name: "transaction: rollback on a run-time failure",
    ...own,
    async run(api, check) {
      const r = await api.request("POST", "/write-then-fail", { name: "tx-f1", stars: "many" });
      check("status", r.status, 400);
      check("first write not kept", await named(api, "tx-f1"), 0);
    },
  },
  {
    name: "transaction: rollback on a constraint violation",
    ...own,
    async run(api, check) {
      await created(api, "/authors", { name: "tx-taken" });
      const r = await api.request("POST", "/pair", { first: "tx-c1", second: "tx-taken" });
      check("status", r.status, 409);
      check("names the field", r.body.errors?.map((e: { field: string }) => e.field), ["name"]);
      check("first write not kept", await named(api, "tx-c1"), 0);
      check("no version of it kept (AS OF)", await namedAsOf(api, "tx-c1"), 0);
      const ok = await api.request("POST", "/pair", { first: "tx-c2", second: "tx-c3" });
      check("both kept when it succeeds", [ok.status, await named(api, "tx-c2"), await named(api, "tx-c3")], [201, 1, 1]);
      check("and both versioned (AS OF)", [await namedAsOf(api, "tx-c2"), await namedAsOf(api, "tx-c3")], [1, 1]);
    },
  },
  {
    name: "transaction: reads see the endpoint's own writes",
    ...own,
    async run(api, check) {
      const r = await api.request("POST", "/read-your-writes", { name: "tx-ryw" });
      check("response", [r.status, r.body], [200, { inserted: "tx-ryw", seen: "tx-ryw (renamed)", byName: true }]);
    },
  },
  {
    name: "constraint: composite UNIQUE is a 409 naming its fields",
    ...own,
    async run(api, check) {
      const author = await created(api, "/authors", { name: "cu-author" });
      const other = await created(api, "/authors", { name: "cu-other" });
      await created(api, "/books", { author, title: "Same" });
      await created(api, "/books", { author: other, title: "Same" });
      const r = await api.request("POST", "/books", { author, title: "Same" });
      check("status", r.status, 409);
      check("fields", r.body.errors?.map((e: { field: string }) => e.field), ["author", "title"]);
      check("names the entity", /Book/.test(r.body.detail), true);
    },
  },
  {
    name: "constraint: a reference to a missing record is a 409",
    ...own,
    async run(api, check) {
      const r = await api.request("POST", "/books", { author: 987654, title: "Orphan" });
      check("status", r.status, 409);
      check("field", r.body.errors?.map((e: { field: string }) => e.field), ["author"]);
      const author = await created(api, "/authors", { name: "fk-author" });
      const book = await created(api, "/books", { author, title: "Kept" });
      const loan = await api.request("POST", "/loans", { book: book + 1000, who: "x" });
      check("loan to a missing book", [loan.status, loan.body.errors?.[0]?.field], [409, "book"]);
    },
  },
  {
    name: "constraint: ON DELETE RESTRICT is a 409 and deletes nothing",
    ...own,
    async run(api, check) {
      const author = await created(api, "/authors", { name: "rs-author" });
      const book = await created(api, "/books", { author, title: "Lent" });
      const loan = await created(api, "/loans", { book, who: "ann" });
      const r = await api.request("DELETE", `/books/${book}`);
      check("status", r.status, 409);
      check("field", r.body.errors?.map((e: { field: string }) => e.field), ["book"]);
      // Deleting the author cascades to the book, which the loan still restricts: nothing is deleted.
      const a = await api.request("DELETE", `/authors/${author}`);
      check("cascade stopped by RESTRICT", a.status, 409);
      check("author kept", (await api.request("GET", `/authors/${author}`)).status, 200);
      check("book kept", (await api.request("GET", `/books/${book}`)).status, 200);
      check("delete the loan", (await api.request("DELETE", `/loans/${loan}`)).status, 200);
      check("then the book goes", (await api.request("DELETE", `/books/${book}`)).status, 200);
    },
  },
  {
    name: "constraint: ON DELETE CASCADE writes history versions",
    ...own,
    async run(api, check) {
      const author = await created(api, "/authors", { name: "cc-author" });
      const book = await created(api, "/books", { author, title: "Doomed" });
      const review = await created(api, "/reviews", { book, stars: 4 });
      await pause(5);
      const before = new Date().toISOString();
      await pause(5);
      const r = await api.request("DELETE", `/authors/${author}`);
      check("delete status", r.status, 200);
      check("book gone", (await api.request("GET", `/books/${book}`)).status, 404);
      const bookHistory = (await api.request("GET", `/books/${book}/history`)).body as Array<{ operation: string }>;
      check("book versions", bookHistory.map((h) => h.operation), ["insert", "delete"]);
      const reviewHistory = (await api.request("GET", `/reviews/${review}/history`)).body as Array<{ operation: string; data: { stars: number } }>;
      check("review versions (two levels down)", reviewHistory.map((h) => [h.operation, h.data.stars]), [["insert", 4], ["delete", 4]]);
      const asOf = await api.request("GET", `/books/${book}/as-of/${encodeURIComponent(before)}`);
      check("AS OF before the cascade", [asOf.status, asOf.body?.title], [200, "Doomed"]);
    },
  },
  {
    name: "constraint: ON DELETE SET NULL writes an update version",
    ...own,
    async run(api, check) {
      const author = await created(api, "/authors", { name: "sn-author" });
      const editor = await created(api, "/authors", { name: "sn-editor" });
      const book = await created(api, "/books", { author, editor, title: "Edited" });
      check("delete the editor", (await api.request("DELETE", `/authors/${editor}`)).status, 200);
      const row = (await api.request("GET", `/books/${book}`)).body;
      check("editor cleared, book kept", [row.editor, row.author, row.title], [null, author, "Edited"]);
      const history = (await api.request("GET", `/books/${book}/history`)).body as Array<{ operation: string; data: { editor: number | null } }>;
      check("versions", history.map((h) => [h.operation, h.data.editor]), [["insert", editor], ["update", null]]);
    },
  },
];
