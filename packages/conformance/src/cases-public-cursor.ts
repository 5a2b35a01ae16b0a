/**
 * Keyset pages of PUBLIC ID entities (issue 21 item 2: "routes and queries accept the public forms
 * only"): a page's `next` cursor holds the last row's order keys, and where the integer key would
 * break ties (or be the order) the public id stands instead, so no cursor carries the integer key;
 * pages stay exact — every row once, in order — with ties, and across an insert between pages.
 */
import type { Api, Case, OwnProgram } from "./cases.js";

const PROGRAM: OwnProgram = {
  name: "public-cursor",
  source: `
ENTITY Ledger PUBLIC ID uuid {
  grp: text
  name: text
  rank: int
}

ENTITY Entry PUBLIC ID ulid {
  grp: text
  note: text
}

POST /ledgers { RESPOND 201 INSERT INTO Ledger $body }
GET /ledgers/:grp { RESPOND SELECT id, name, rank FROM Ledger WHERE grp = $grp ORDER_BY rank LIMIT 2 AFTER $query.cursor }
POST /entries { RESPOND 201 INSERT INTO Entry $body }
GET /entries/:grp { RESPOND SELECT id, note FROM Entry WHERE grp = $grp ORDER_BY id DESC LIMIT 2 AFTER $query.cursor }
`,
};

const unsupported = {
  redis: "AFTER pages are refused at build time on Redis (KV9006)",
  mongodb: "AFTER pages are refused at build time on MongoDB (KV9006)",
};

/** The keys a cursor holds (its text is base64url JSON, then a checksum). */
function cursorKeys(cursor: string): unknown[] {
  return JSON.parse(Buffer.from(cursor.split(".")[0], "base64url").toString("utf8")) as unknown[];
}

/** Every page of `path`, following `next` until there is none. */
async function allPages(api: Api, path: string): Promise<{ items: Array<Record<string, unknown>>; cursors: string[] }> {
  const items: Array<Record<string, unknown>> = [];
  const cursors: string[] = [];
  let next: string | null = null;
  for (let page = 0; page < 20; page++) {
    const r = await api.request("GET", next === null ? path : `${path}?cursor=${encodeURIComponent(next)}`);
    if (r.status !== 200) throw new Error(`page ${page}: ${r.status} ${JSON.stringify(r.body)}`);
    items.push(...(r.body.items as Array<Record<string, unknown>>));
    next = r.body.next as string | null;
    if (next === null) break;
    cursors.push(next);
  }
  return { items, cursors };
}

export const PUBLIC_CURSOR_CASES: Case[] = [
  {
    name: "PUBLIC ID pages: ties broken by the public id, and no cursor carries the integer key",
    program: PROGRAM,
    unsupported,
    async run(api, check) {
      const made: Array<Record<string, unknown>> = [];
      for (const [name, rank] of [["a", 1], ["b", 1], ["c", 1], ["d", 2], ["e", 2]] as const) {
        made.push((await api.request("POST", "/ledgers", { grp: "c1", name, rank })).body);
      }
      const { items, cursors } = await allPages(api, "/ledgers/c1");
      check("every row once", items.map((i) => i.name).sort(), ["a", "b", "c", "d", "e"]);
      check("in rank order", items.map((i) => i.rank), [1, 1, 1, 2, 2]);
      const ties = items.filter((i) => i.rank === 1).map((i) => i.id as string);
      check("ties in public id order", ties, [...ties].sort());
      check("two cursors", cursors.length, 2);
      for (const cursor of cursors) {
        const keys = cursorKeys(cursor);
        check("a cursor holds the rank and a public id", [keys.length, Number(keys[0]) >= 1, made.some((m) => m.id === keys[1])], [2, true, true]);
      }
    },
  },
  {
    name: "PUBLIC ID pages: ORDER_BY id of a time-ordered id pages newest first by the public id",
    program: PROGRAM,
    unsupported,
    async run(api, check) {
      const made: string[] = [];
      for (const note of ["first", "second", "third"]) made.push((await api.request("POST", "/entries", { grp: "c2", note })).body.id as string);
      const first = await api.request("GET", "/entries/c2");
      check("newest first", (first.body.items as Array<{ note: string }>).map((i) => i.note), ["third", "second"]);
      check("the cursor is the last row's public id", cursorKeys(first.body.next as string), [made[1]]);
      await api.request("POST", "/entries", { grp: "c2", note: "fourth" });
      const second = await api.request("GET", `/entries/c2?cursor=${encodeURIComponent(first.body.next as string)}`);
      check("the next page, whatever was made meanwhile", [(second.body.items as Array<{ note: string }>).map((i) => i.note), second.body.next], [["first"], null]);
    },
  },
];
