/**
 * "Time travel basics": 2 minutes. A price list whose every write is kept: change a price, list its
 * versions with HISTORY, read it as it was with AS OF, then see an old price (in the app's answer,
 * or at a fixed moment the program names).
 */
import type { Tutorial } from "./model.js";
import { answeredOr, answerOf, endpoint, endpointRunning, shape } from "./requirements.js";

const START = `/// A price list. Every write to an entity is kept as a version.
ENTITY Price {
  item: text UNIQUE
  cents: int
}

VALIDATE NewPrice {
  item: string(min: 1)
  cents: int(min: 0)
}

GET /prices/:id {
  RESPOND SELECT * FROM Price WHERE id = $id
}

POST /prices VALIDATE NewPrice {
  RESPOND 201 INSERT INTO Price $body
}
`;

const CHANGE = `${START}
VALIDATE PriceChange {
  cents: int(min: 0)
}

PATCH /prices/:id VALIDATE PriceChange {
  RESPOND UPDATE Price SET $body WHERE id = $id
}
`;

const HISTORY = `${CHANGE}
GET /prices/:id/history {
  RESPOND HISTORY Price WHERE id = $id
}
`;

const AS_OF = `${HISTORY}
GET /prices/:id/as-of/:when {
  RESPOND SELECT * FROM Price AS OF $when WHERE id = $id
}
`;

const AT_LAUNCH = `${AS_OF}
GET /prices/at-launch {
  RESPOND SELECT * FROM Price AS OF "2025-01-01T00:00:00Z" ORDER_BY item
}
`;

export const timeTravel: Tutorial = {
  id: "time-travel",
  title: "Time travel basics",
  duration: "2 minutes",
  steps: [
    {
      title: "Change a price",
      text: "On Kova's store an UPDATE does not overwrite: the row changes, and the version before it is kept. Add a shape for the change, `VALIDATE PriceChange { cents: int(min: 0) }`, and `PATCH /prices/:id VALIDATE PriceChange` answering `UPDATE Price SET $body WHERE id = $id`.",
      start: START,
      requires: [
        shape("PriceChange", ["cents"], "VALIDATE PriceChange { cents: int(min: 0) }"),
        endpoint("PATCH", "/prices/:id", { validates: "PriceChange", runs: { kind: "update", entity: "Price", single: true }, example: "PATCH /prices/:id VALIDATE PriceChange { RESPOND UPDATE Price SET $body WHERE id = $id }" }),
      ],
      solution: CHANGE,
    },
    {
      title: "List the versions",
      text: "`HISTORY Price WHERE id = $id` lists every version of a price, oldest first: each with its `version`, its `operation` (insert, update, delete), the instant it was written (`at`) and the row's `data`. Answer `GET /prices/:id/history` with it.",
      requires: [endpointRunning("GET", { kind: "history", entity: "Price", filtered: true }, "GET /prices/:id/history { RESPOND HISTORY Price WHERE id = $id }")],
      solution: HISTORY,
    },
    {
      title: "Read the past",
      text: "`AS OF` reads rows as they were at an instant: an ISO-8601 date-time or milliseconds since 1970. Add `GET /prices/:id/as-of/:when` answering `SELECT * FROM Price AS OF $when WHERE id = $id`: the request says when.",
      requires: [endpointRunning("GET", { kind: "select", entity: "Price", single: true, asOf: "input" }, "GET /prices/:id/as-of/:when { RESPOND SELECT * FROM Price AS OF $when WHERE id = $id }")],
      solution: AS_OF,
    },
    {
      title: "See an old price",
      text: "Now look back. With the request panel: create a price, note the time, change it, and ask `/prices/1/as-of/` that time: the old price comes back. Without it, let the program name a moment itself: `GET /prices/at-launch` answering `SELECT * FROM Price AS OF \"2025-01-01T00:00:00Z\" ORDER_BY item` lists the prices as they were on that day.",
      requires: [
        answeredOr(
          (response, outline) => answerOf(response, outline, { kind: "select", entity: "Price", asOf: "input" }),
          "Ask the app for a price as it was: GET /prices/1/as-of/ an instant before your change.",
          endpointRunning("GET", { kind: "select", entity: "Price", asOf: "fixed" }, 'GET /prices/at-launch { RESPOND SELECT * FROM Price AS OF "2025-01-01T00:00:00Z" ORDER_BY item }'),
        ),
      ],
      solution: AT_LAUNCH,
      tryIt: "POST /prices { \"item\": \"tea\", \"cents\": 250 }, then PATCH /prices/1 { \"cents\": 300 }, then GET /prices/1/as-of/ with an instant between the two.",
    },
  ],
};
