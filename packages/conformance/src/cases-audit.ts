/**
 * AUDIT (issue 21 item 3) on every driver that runs filters: `ENTITY Ticket AUDIT` has
 * created_at, updated_at, created_by and updated_by, stamped by every INSERT, UPDATE and SAVE (the
 * caller's `$auth.sub`, null when anonymous), never taken from a client's body (ignored, as an
 * insert ignores `id`), and recorded in every version (HISTORY, AS OF).
 */
import type { Api, Case, OwnProgram } from "./cases.js";

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

const PROGRAM: OwnProgram = {
  name: "audit",
  source: `
ENTITY Ticket AUDIT {
  title: text
  status: text DEFAULT "open"
}

VALIDATE TicketIn { title: string  status: string?  created_by: string?  updated_at: string? }
VALIDATE TicketChanges { title: string?  status: string?  updated_by: string? }
VALIDATE Claims { sub: string }
VALIDATE SignIn { name: string }

AUTH jwt USING secret(env("KOVA_CONFORMANCE_JWT_KEY")) {
  claims: Claims
}

POST /sign-in VALIDATE SignIn { RESPOND { token: sign_token({ sub: $body.name }) } }
POST /tickets VALIDATE TicketIn AUTH optional { RESPOND 201 INSERT INTO Ticket $body }
PATCH /tickets/:id VALIDATE TicketChanges AUTH optional { RESPOND UPDATE Ticket SET $body WHERE id = $id }
PATCH /tickets/:id/close AUTH { RESPOND UPDATE Ticket SET status = "closed" WHERE id = $id }
PUT /tickets/:id VALIDATE TicketIn AUTH optional { RESPOND SAVE { ...$body, id: $id } INTO Ticket }
GET /tickets/:id { RESPOND SELECT * FROM Ticket WHERE id = $id }
GET /tickets/by/:who { RESPOND SELECT id, title FROM Ticket WHERE created_by = $who ORDER_BY id }
GET /tickets/:id/history { RESPOND HISTORY Ticket WHERE id = $id }
GET /tickets/:id/as-of/:t { RESPOND SELECT * FROM Ticket AS OF $t WHERE id = $id }

// Writes inside an FN or ACTION are stamped with the request's caller too (null without one).
FN ticket_note(title: text) {
  RETURN INSERT INTO Ticket { title: title }
}
ACTION ticket_reopen(ticket: Ticket) {
  RETURN UPDATE Ticket SET status = "open" WHERE id = ticket.id
}
POST /notes VALIDATE SignIn AUTH optional { RESPOND 201 ticket_note($body.name) }
POST /tickets/:id/reopen AUTH { RESPOND ticket_reopen($id) }
`,
};

async function bearer(api: Api, name: string): Promise<Record<string, string>> {
  const signed = await api.request("POST", "/sign-in", { name });
  return { authorization: `Bearer ${signed.body.token as string}` };
}

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

export const AUDIT_CASES: Case[] = [
  {
    name: "AUDIT: an insert stamps created/updated at and by (the caller, null when anonymous); a body's values are ignored",
    program: PROGRAM,
    async run(api, check) {
      const before = Date.now();
      const anon = await api.request("POST", "/tickets", { title: "a", created_by: "mallory", updated_at: "2000-01-01T00:00:00.000Z" });
      check("anonymous insert", [anon.status, anon.body.created_by, anon.body.updated_by], [201, null, null]);
      check("instants are ISO and equal", [ISO.test(anon.body.created_at), anon.body.created_at === anon.body.updated_at], [true, true]);
      check("stamped now, not the body's instant", Date.parse(anon.body.created_at) >= before - 1000, true);
      const ada = await api.request("POST", "/tickets", { title: "b" }, await bearer(api, "ada"));
      check("signed-in insert", [ada.status, ada.body.created_by, ada.body.updated_by], [201, "ada", "ada"]);
      check("read back", (await api.request("GET", `/tickets/${ada.body.id}`)).body, ada.body);
      check("audit fields filter like any", (await api.request("GET", "/tickets/by/ada")).body, [{ id: ada.body.id, title: "b" }]);
    },
  },
  {
    name: "AUDIT: UPDATE (listed or object) and SAVE stamp updated at/by and keep created at/by; versions hold them",
    program: PROGRAM,
    async run(api, check) {
      const made = await api.request("POST", "/tickets", { title: "c" }, await bearer(api, "ada"));
      const id = made.body.id as number;
      await pause(15);
      const between = new Date().toISOString();
      await pause(15);
      const grace = await bearer(api, "grace");
      const closed = await api.request("PATCH", `/tickets/${id}/close`, undefined, grace);
      check("listed SET stamps", [closed.body.status, closed.body.created_by, closed.body.updated_by, closed.body.created_at], ["closed", "ada", "grace", made.body.created_at]);
      check("updated_at moves on", closed.body.updated_at > made.body.updated_at, true);
      const patched = await api.request("PATCH", `/tickets/${id}`, { title: "c2", updated_by: "mallory" });
      check("object SET stamps (anonymous), ignores the body's updated_by", [patched.body.title, patched.body.updated_by, patched.body.created_by], ["c2", null, "ada"]);
      const saved = await api.request("PUT", `/tickets/${id}`, { title: "c3", created_by: "mallory" }, grace);
      check("SAVE keeps created at/by", [saved.body.title, saved.body.created_by, saved.body.created_at, saved.body.updated_by], ["c3", "ada", made.body.created_at, "grace"]);
      const empty = await api.request("PATCH", `/tickets/${id}`, {});
      check("an update that sets nothing stamps nothing", [empty.body.updated_by, empty.body.updated_at], ["grace", saved.body.updated_at]);
      const history = (await api.request("GET", `/tickets/${id}/history`)).body as Array<{ operation: string; data: Record<string, unknown> }>;
      check("versions record who", history.map((h) => [h.operation, h.data.created_by, h.data.updated_by]), [
        ["insert", "ada", "ada"],
        ["update", "ada", "grace"],
        ["update", "ada", null],
        ["update", "ada", "grace"],
      ]);
      const then = (await api.request("GET", `/tickets/${id}/as-of/${encodeURIComponent(between)}`)).body;
      check("AS OF sees the first stamps", [then.title, then.updated_by, then.updated_at], ["c", "ada", made.body.updated_at]);
    },
  },
  {
    name: "AUDIT: writes inside an FN or an ACTION are stamped with the request's caller (null when anonymous)",
    program: PROGRAM,
    async run(api, check) {
      const ada = await bearer(api, "ada");
      const signed = await api.request("POST", "/notes", { name: "n1" }, ada);
      check("FN insert, signed in", [signed.status, signed.body.created_by, signed.body.updated_by], [201, "ada", "ada"]);
      const anon = await api.request("POST", "/notes", { name: "n2" });
      check("FN insert, anonymous", [anon.status, anon.body.created_by, anon.body.updated_by], [201, null, null]);
      const reopened = await api.request("POST", `/tickets/${signed.body.id}/reopen`, {}, await bearer(api, "grace"));
      check("ACTION update", [reopened.status, reopened.body.created_by, reopened.body.updated_by], [200, "ada", "grace"]);
    },
  },
];
