/** "Your first entity and endpoint": 30 seconds, three small steps from nothing to a list of notes. */
import type { Tutorial } from "./model.js";
import { endpoint, entity, field, shape } from "./requirements.js";

const ENTITY_NOTE = `ENTITY Note {
  body: text
}
`;

const LIST_NOTES = `${ENTITY_NOTE}
GET /notes {
  RESPOND SELECT * FROM Note
}
`;

const ADD_NOTES = `${ENTITY_NOTE}
VALIDATE NewNote {
  body: string(min: 1)
}

GET /notes {
  RESPOND SELECT * FROM Note
}

POST /notes VALIDATE NewNote {
  RESPOND 201 INSERT INTO Note $body
}
`;

export const firstEntity: Tutorial = {
  id: "first-entity",
  title: "Your first entity and endpoint",
  duration: "30 seconds",
  steps: [
    {
      title: "Declare an entity",
      text: "An entity is a kind of record the store keeps. Declare `ENTITY Note { body: text }`: every note has a `body`, and the store gives each an `id`. No table to create, no migration to write.",
      start: "// Your first Kova program: follow the tutorial's steps.\n",
      requires: [entity("Note", "ENTITY Note { body: text }"), field("Note", "body", "string", "body: text")],
      solution: ENTITY_NOTE,
    },
    {
      title: "Answer a request",
      text: "An endpoint answers an HTTP request with a query. Add `GET /notes` whose handler is `RESPOND SELECT * FROM Note`: it answers with every note, as JSON.",
      requires: [endpoint("GET", "/notes", { runs: { kind: "select", entity: "Note", single: false }, example: "GET /notes { RESPOND SELECT * FROM Note }" })],
      solution: LIST_NOTES,
    },
    {
      title: "Accept new notes",
      text: "A POST carries a body. `VALIDATE NewNote { body: string(min: 1) }` describes it: anything else is refused with a 400 naming the field, before your handler runs. Then `POST /notes VALIDATE NewNote` stores it with `RESPOND 201 INSERT INTO Note $body`.",
      requires: [
        shape("NewNote", ["body"], "VALIDATE NewNote { body: string(min: 1) }"),
        endpoint("POST", "/notes", { validates: "NewNote", runs: { kind: "insert", entity: "Note" }, status: 201, example: "POST /notes VALIDATE NewNote { RESPOND 201 INSERT INTO Note $body }" }),
      ],
      solution: ADD_NOTES,
      tryIt: "In the request panel, send POST /notes with { \"body\": \"hello\" }, then GET /notes.",
    },
  ],
};
