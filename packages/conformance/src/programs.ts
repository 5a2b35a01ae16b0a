/**
 * The Kova programs the conformance suite runs. Each driver runs them unchanged; the runner only
 * adds the `CONNECT` line that points the program at that driver's database.
 */

/** The full program: every query form, for drivers that run arbitrary filters (SQL and documents). */
export const FULL_PROGRAM = `
ENTITY Item {
  grp: text INDEX
  name: text
  qty: int?
  price: decimal?
  ratio: float?
  active: bool DEFAULT true
  seen_at: datetime?
  day: date?
  code: text? UNIQUE
  meta: json?
}

VALIDATE NewItem {
  grp: string
  name: string
  qty: int?
  price: number?
  ratio: number?
  active: boolean?
  seen_at: datetime?
  day: date?
  code: string?
  meta: any?
}

VALIDATE ItemChanges {
  name: string?
  qty: int?
  price: number?
  active: boolean?
  code: string?
}

VALIDATE IdList { ids: int[] }

POST /items VALIDATE NewItem { RESPOND 201 INSERT INTO Item $body }
GET /items/:id { RESPOND SELECT * FROM Item WHERE id = $id }
PUT /items/:id VALIDATE ItemChanges { RESPOND UPDATE Item SET $body WHERE id = $id }
DELETE /items/:id {
  gone = DELETE FROM Item WHERE id = $id
  IF gone IS NULL { ERROR 404 "no item {$id}" }
  RESPOND 204
}
GET /items/:id/history { RESPOND HISTORY Item WHERE id = $id }
GET /items/:id/as-of/:t { RESPOND SELECT * FROM Item AS OF $t WHERE id = $id }

GET /groups/:g/by-name { RESPOND SELECT * FROM Item WHERE grp = $g ORDER_BY name }
GET /groups/:g/by-qty { RESPOND SELECT * FROM Item WHERE grp = $g ORDER_BY qty, id }
GET /groups/:g/by-qty-desc { RESPOND SELECT * FROM Item WHERE grp = $g ORDER_BY qty DESC, id }
GET /groups/:g/sorted QUERY { by: text DEFAULT "name" } { RESPOND SELECT name FROM Item WHERE grp = $g ORDER_BY $query.by IN [name, qty] DESC, id }
GET /groups/:g/page { RESPOND SELECT name FROM Item WHERE grp = $g ORDER_BY id LIMIT $query.limit OFFSET $query.offset }
GET /groups/:g/no-qty { RESPOND SELECT name FROM Item WHERE grp = $g AND qty IS NULL ORDER_BY id }
GET /groups/:g/with-qty { RESPOND SELECT name FROM Item WHERE grp = $g AND qty IS NOT NULL ORDER_BY id }
GET /groups/:g/qty-equals { RESPOND SELECT name FROM Item WHERE grp = $g AND qty = $query.qty ORDER_BY id }
GET /groups/:g/named { RESPOND SELECT name FROM Item WHERE grp = $g AND name = $query.name ORDER_BY id }
GET /groups/:g/like { RESPOND SELECT name FROM Item WHERE grp = $g AND name LIKE pattern($query.p) ORDER_BY id }
GET /groups/:g/like-value { RESPOND SELECT name FROM Item WHERE grp = $g AND name LIKE $query.p ORDER_BY id }
GET /groups/:g/starting { RESPOND SELECT name FROM Item WHERE grp = $g AND name LIKE "{$query.p}%" ORDER_BY id }
GET /groups/:g/seen-after { RESPOND SELECT name FROM Item WHERE grp = $g AND seen_at > $query.t ORDER_BY seen_at }
GET /groups/:g/cheap-or-inactive { RESPOND SELECT name FROM Item WHERE grp = $g AND (price < 1 OR NOT active) ORDER_BY id }
GET /groups/:g/as-of/:t { RESPOND SELECT name, qty FROM Item AS OF $t WHERE grp = $g ORDER_BY id }
GET /groups/:g/history { RESPOND HISTORY Item WHERE grp = $g ORDER_BY version }
GET /groups/:g/count { RESPOND { count: len(SELECT * FROM Item WHERE grp = $g) } }
POST /groups/:g/find VALIDATE IdList { RESPOND SELECT name FROM Item WHERE grp = $g AND id IN $body.ids ORDER_BY id }
GET /groups/:g/optional-active {
  RESPOND SELECT name FROM Item WHERE grp = $g AND ($query.active IS NULL OR active = $query.active) ORDER_BY id
}
POST /items/:id/bump { RESPOND UPDATE Item SET qty = qty + 1 WHERE id = $id }

// Fields named like the history's own columns: every lower-case word is free for fields.
ENTITY Stamp {
  at: text
  version: int
  op: text?
}

VALIDATE NewStamp { at: string  version: int  op: string? }
VALIDATE StampChanges { at: string?  version: int?  op: string? }

POST /stamps VALIDATE NewStamp { RESPOND 201 INSERT INTO Stamp $body }
GET /stamps/:id { RESPOND SELECT * FROM Stamp WHERE id = $id }
PUT /stamps/:id VALIDATE StampChanges { RESPOND UPDATE Stamp SET $body WHERE id = $id }
GET /stamps/:id/history { RESPOND HISTORY Stamp WHERE id = $id }
GET /stamps/:id/as-of/:t { RESPOND SELECT * FROM Stamp AS OF $t WHERE id = $id }
GET /stamps-at/:at { RESPOND SELECT * FROM Stamp WHERE at = $at ORDER_BY id }
`;

/** What a key-value store can serve: by id, whole-entity listing by id, history and AS OF of one row. */
export const KEY_VALUE_PROGRAM = `
ENTITY Note {
  title: text
  stars: int?
}

VALIDATE NewNote { title: string  stars: int? }
VALIDATE NoteChanges { title: string?  stars: int? }

POST /notes VALIDATE NewNote { RESPOND 201 INSERT INTO Note $body }
GET /notes { RESPOND SELECT * FROM Note ORDER_BY id LIMIT $query.limit ?? 100 OFFSET $query.offset ?? 0 }
GET /notes/:id { RESPOND SELECT * FROM Note WHERE id = $id }
PUT /notes/:id VALIDATE NoteChanges { RESPOND UPDATE Note SET $body WHERE id = $id }
DELETE /notes/:id {
  gone = DELETE FROM Note WHERE id = $id
  IF gone IS NULL { ERROR 404 "no note {$id}" }
  RESPOND 204
}
GET /notes/:id/history { RESPOND HISTORY Note WHERE id = $id }
GET /notes/:id/as-of/:t { RESPOND SELECT * FROM Note AS OF $t WHERE id = $id }

ENTITY Card {
  title: text
  stars: int?
  color: text DEFAULT "plain"
}

VALIDATE CardBody { title: string?  stars: int?  color: string? }

PUT /cards/:id VALIDATE CardBody { RESPOND SAVE { ...$body, id: $id } INTO Card }
POST /cards VALIDATE CardBody { RESPOND SAVE $body INTO Card }
GET /cards/:id { RESPOND SELECT * FROM Card WHERE id = $id }
GET /cards { RESPOND SELECT * FROM Card ORDER_BY id }
DELETE /cards/:id {
  gone = DELETE FROM Card WHERE id = $id
  IF gone IS NULL { ERROR 404 "no card {$id}" }
  RESPOND 204
}
GET /cards/:id/history { RESPOND HISTORY Card WHERE id = $id }

// History control: a SECRET field is out of SELECT *, write replies and every version; a NO
// HISTORY entity records no versions (cases-history-control.ts).
ENTITY Login {
  user: text
  token: text SECRET
}

VALIDATE NewLogin { user: string  token: string }
VALIDATE LoginChanges { user: string?  token: string? }

POST /logins VALIDATE NewLogin { RESPOND 201 INSERT INTO Login $body }
PUT /logins/:id VALIDATE LoginChanges { RESPOND UPDATE Login SET $body WHERE id = $id }
GET /logins/:id { RESPOND SELECT * FROM Login WHERE id = $id }
GET /logins/:id/token { RESPOND SELECT token FROM Login WHERE id = $id }
GET /logins/:id/history { RESPOND HISTORY Login WHERE id = $id }
GET /logins/:id/as-of/:t { RESPOND SELECT * FROM Login AS OF $t WHERE id = $id }
DELETE /logins/:id { RESPOND DELETE FROM Login WHERE id = $id }

ENTITY Tick NO HISTORY {
  label: text
  n: int?
}

VALIDATE NewTick { label: string  n: int? }
VALIDATE TickChanges { label: string?  n: int? }

POST /ticks VALIDATE NewTick { RESPOND 201 INSERT INTO Tick $body }
PUT /ticks/:id VALIDATE TickChanges { RESPOND UPDATE Tick SET $body WHERE id = $id }
PUT /ticks/:id/replace VALIDATE TickChanges { RESPOND SAVE { ...$body, id: $id } INTO Tick }
GET /ticks/:id { RESPOND SELECT * FROM Tick WHERE id = $id }
DELETE /ticks/:id { RESPOND DELETE FROM Tick WHERE id = $id }

// DEFAULT now() stamps a record when it is made; a SAVE that leaves the field out keeps it.
ENTITY Memo {
  text: text
  made: datetime DEFAULT now()
}

VALIDATE MemoBody { text: string?  made: datetime? }

POST /memos VALIDATE MemoBody { RESPOND 201 SAVE $body INTO Memo }
PUT /memos/:id VALIDATE MemoBody { RESPOND SAVE { ...$body, id: $id } INTO Memo }
GET /memos/:id { RESPOND SELECT * FROM Memo WHERE id = $id }

// Computed defaults: DEFAULT slug(title) and DEFAULT uuid(), per record.
ENTITY Page {
  title: text
  slug: text DEFAULT slug(title)
  ref: uuid DEFAULT uuid()
}

VALIDATE PageBody { title: string?  slug: string? }

POST /pages VALIDATE PageBody { RESPOND 201 INSERT INTO Page $body }
PUT /pages/:id VALIDATE PageBody { RESPOND SAVE { ...$body, id: $id } INTO Page }
GET /pages/:id { RESPOND SELECT * FROM Page WHERE id = $id }
`;

/**
 * A schema change across a restart (`evolve` cases): the app runs EVOLVE_BEFORE, stops, and starts
 * again on the same database with EVOLVE_AFTER, which adds a field with a constant DEFAULT.
 */
const PAINT_ROUTES = `
POST /paints VALIDATE NewPaint { RESPOND 201 INSERT INTO Paint $body }
GET /paints/:id { RESPOND SELECT * FROM Paint WHERE id = $id }
PUT /paints/:id VALIDATE PaintChanges { RESPOND UPDATE Paint SET $body WHERE id = $id }
GET /paints/:id/history { RESPOND HISTORY Paint WHERE id = $id }
GET /paints/:id/as-of/:t { RESPOND SELECT * FROM Paint AS OF $t WHERE id = $id }
`;

export const EVOLVE_BEFORE = `
ENTITY Paint {
  name: text
}
VALIDATE NewPaint { name: string }
VALIDATE PaintChanges { name: string? }
${PAINT_ROUTES}`;

export const EVOLVE_AFTER = `
ENTITY Paint {
  name: text
  color: text DEFAULT "red"
}
VALIDATE NewPaint { name: string  color: string? }
VALIDATE PaintChanges { name: string?  color: string? }
${PAINT_ROUTES}`;
