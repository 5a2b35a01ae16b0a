/** The files `kova init` writes. Kept small: one entity, one shape, the five routes everyone needs. */
export const SCAFFOLD: Readonly<Record<string, string>> = {
  "app.kova": `// A notes API on Kova's embedded store: every write is versioned.
// Run it: npx kova run .   Check it: npx kova check .

ENTITY Note {
  title: text
  body: text?
  pinned: bool DEFAULT false
}

VALIDATE NewNote {
  title: string(min: 1, max: 200)
  body: string?
  pinned: boolean?
}

GET /notes {
  RESPOND SELECT * FROM Note ORDER_BY id DESC LIMIT $query.limit ?? 50
}

GET /notes/:id {
  RESPOND SELECT * FROM Note WHERE id = $id
}

POST /notes VALIDATE NewNote {
  note = INSERT INTO Note $body
  RESPOND 201 note HEADERS { location: "/notes/{note.id}" }
}

PUT /notes/:id VALIDATE NewNote {
  RESPOND UPDATE Note SET $body WHERE id = $id
}

DELETE /notes/:id {
  gone = DELETE FROM Note WHERE id = $id
  IF gone IS NULL {
    ERROR 404 "no note {$id}"
  }
  RESPOND 204
}

GET /notes/:id/history {
  RESPOND HISTORY Note WHERE id = $id
}
`,
  "app.test.kova": `// The app's tests: npx kova test .   Each TEST runs on a fresh store.
IMPORT "./app.kova"

TEST "adds a note and reads it back" {
  created = POST /notes { title: "hello" }
  EXPECT created.status == 201
  EXPECT created.headers.location == "/notes/{created.body.id}"
  note = GET "/notes/{created.body.id}"
  EXPECT note.body.title == "hello"
  EXPECT note.body.pinned == false
}
`,
  "README.md": `# A Kova app

    npx kova run .          # build and start on http://127.0.0.1:3000
    npx kova dev .          # the same, rebuilding on every save
    npx kova test .         # run the TESTs in app.test.kova

    curl -X POST localhost:3000/notes -H 'content-type: application/json' -d '{"title":"hello"}'
    curl localhost:3000/notes
    curl localhost:3000/notes/1/history

Data lives in .kova/ (SQLite); every write is kept as a version.
`,
  ".gitignore": "dist/\n.kova/\nnode_modules/\n",
};
