/**
 * PUBLIC ID uuid7 and PUBLIC ID ulid (issue 21, "Identifiers"): time-ordered public ids, on every
 * driver that runs PUBLIC ID. The form each kind makes, ids that sort in the order their records
 * were made (also within one millisecond), lookups by id (either case; a malformed id is a 400, an
 * unknown one a 404), and references written and read by such an id.
 */
import type { Case, OwnProgram } from "./cases.js";

const PROGRAM: OwnProgram = {
  name: "public-id-kinds",
  source: `
ENTITY Ticket PUBLIC ID uuid7 {
  tag: text INDEX
  title: text
}

ENTITY Badge PUBLIC ID ulid {
  tag: text INDEX
  label: text
}

ENTITY Pin {
  badge: Badge
  ticket: Ticket?
}

POST /tickets { RESPOND 201 INSERT INTO Ticket $body }
GET /tickets/:id {
  t = SELECT * FROM Ticket WHERE id = $id
  IF t IS NULL { ERROR 404 "no ticket {$id}" }
  RESPOND t
}
GET /tags/:tag/tickets { RESPOND SELECT id, title FROM Ticket WHERE tag = $tag ORDER_BY id }

POST /badges { RESPOND 201 INSERT INTO Badge $body }
GET /badges/:id {
  b = SELECT * FROM Badge WHERE id = $id
  IF b IS NULL { ERROR 404 "no badge {$id}" }
  RESPOND b
}
GET /tags/:tag/badges { RESPOND SELECT id, label FROM Badge WHERE tag = $tag ORDER_BY id }

POST /pins { RESPOND 201 INSERT INTO Pin $body }
GET /badges/:b/pins { RESPOND SELECT badge, ticket FROM Pin WHERE badge = $b ORDER_BY id }
`,
};

const UUID7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const ULID = /^[0-7][0-9A-HJKMNP-TV-Z]{25}$/;

type Api = Parameters<Case["run"]>[0];

async function made(api: Api, path: string, body: Record<string, unknown>): Promise<Record<string, unknown>> {
  const r = await api.request("POST", path, body);
  if (r.status !== 201) throw new Error(`POST ${path} failed: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body as Record<string, unknown>;
}

/** Records made one after another (many within one millisecond), in order. */
async function inOrder(api: Api, path: string, make: (i: number) => Record<string, unknown>, n: number): Promise<Array<Record<string, unknown>>> {
  const out: Array<Record<string, unknown>> = [];
  for (let i = 0; i < n; i++) out.push(await made(api, path, make(i)));
  return out;
}

const sorted = (ids: string[]) => [...ids].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));

export const PUBLIC_ID_KIND_CASES: Case[] = [
  {
    name: "PUBLIC ID uuid7: a v7 UUID made on insert, sorting in the order records were made, found by it",
    program: PROGRAM,
    async run(api, check) {
      const tickets = await inOrder(api, "/tickets", (i) => ({ tag: "k7", title: `t${i}` }), 12);
      const ids = tickets.map((t) => String(t.id));
      check("every id is a version 7 UUID", ids.every((id) => UUID7.test(id)), true);
      check("every record its own", new Set(ids).size, 12);
      check("the ids sort in the order the records were made", sorted(ids), ids);
      const list = (await api.request("GET", "/tags/k7/tickets")).body as Array<{ id: string }>;
      check("a list shows them in insertion order", list.map((t) => t.id), ids);
      const got = await api.request("GET", `/tickets/${ids[3]}`);
      check("found by its id", [got.status, got.body.title], [200, "t3"]);
      check("upper-case spelling", (await api.request("GET", `/tickets/${ids[3].toUpperCase()}`)).body.id, ids[3]);
      const bad = await api.request("GET", "/tickets/42");
      check("malformed: 400 naming id", [bad.status, bad.body.errors?.[0]?.field], [400, "id"]);
      check("unknown: 404", (await api.request("GET", "/tickets/00000000-0000-7000-8000-000000000000")).status, 404);
    },
  },
  {
    name: "PUBLIC ID ulid: a ULID made on insert, sorting in the order records were made, found by it; references by ULID",
    program: PROGRAM,
    async run(api, check) {
      const badges = await inOrder(api, "/badges", (i) => ({ tag: "kl", label: `b${i}` }), 12);
      const ids = badges.map((b) => String(b.id));
      check("every id is a ULID", ids.every((id) => ULID.test(id)), true);
      check("every record its own", new Set(ids).size, 12);
      check("the ids sort in the order the records were made", sorted(ids), ids);
      const list = (await api.request("GET", "/tags/kl/badges")).body as Array<{ id: string }>;
      check("a list shows them in insertion order", list.map((b) => b.id), ids);
      const got = await api.request("GET", `/badges/${ids[5]}`);
      check("found by its id", [got.status, got.body.label], [200, "b5"]);
      check("lower-case spelling", (await api.request("GET", `/badges/${ids[5].toLowerCase()}`)).body.id, ids[5]);
      const bad = await api.request("GET", "/badges/not-a-ulid");
      check("malformed: 400 naming id", [bad.status, bad.body.errors?.[0]?.field], [400, "id"]);
      check("a UUID is no ULID: 400", (await api.request("GET", "/badges/00000000-0000-4000-8000-000000000000")).status, 400);
      check("unknown: 404", (await api.request("GET", "/badges/00000000000000000000000000")).status, 404);
      const ticket = await made(api, "/tickets", { tag: "kl", title: "pinned" });
      const pin = await made(api, "/pins", { badge: ids[1].toLowerCase(), ticket: ticket.id });
      check("a reference is answered as the ULID (and the UUID v7)", [pin.badge, pin.ticket], [ids[1], ticket.id]);
      check("found by the referenced ULID", (await api.request("GET", `/badges/${ids[1]}/pins`)).body, [{ id: pin.id, badge: ids[1], ticket: ticket.id }]);
      check("an unknown ULID: 409", (await api.request("POST", "/pins", { badge: "00000000000000000000000000" })).status, 409);
      const wrong = await api.request("POST", "/pins", { badge: ticket.id });
      check("a UUID for a ULID reference: 400 naming the field", [wrong.status, wrong.body.errors?.[0]?.field], [400, "badge"]);
    },
  },
];
