/**
 * The World table for the hand-written apps, on their own copy of the database the Kova app uses
 * (same file layout, made by the Kova driver: live table + versioned history). The statements and
 * pragmas are the ones @kova/driver-embedded runs, so every framework does the same database work:
 *   - WAL, synchronous=NORMAL, locking_mode=EXCLUSIVE, 64 MiB page cache (sqlite-driver.ts);
 *   - a versioned write = the UPDATE … RETURNING plus one history row per updated row, in one
 *     transaction, at an instant that never goes back in time (sqlite-runner.ts).
 */
import Database from "better-sqlite3";

const BY_ID = `SELECT "r"."id" AS "id", "r"."randomnumber" AS "randomnumber" FROM "world" AS "r" WHERE ("r"."id" IS ?) ORDER BY "r"."id" ASC`;
const BY_IDS = `SELECT "r"."id" AS "id", "r"."randomnumber" AS "randomnumber" FROM "world" AS "r" WHERE ("r"."id" IN (SELECT value FROM json_each(?))) ORDER BY "r"."id" ASC`;
const UPDATE = `UPDATE "world" SET "randomnumber" = ? WHERE ("world"."id" IN (SELECT value FROM json_each(?))) RETURNING "id", "randomnumber"`;
const HISTORY = `INSERT INTO "world__history" ("id", "op", "at", "randomnumber") VALUES (?, 'update', ?, ?)`;

export function openWorldStore(path) {
  const db = new Database(path, { timeout: 5000 });
  db.pragma("locking_mode = EXCLUSIVE");
  db.pragma("journal_mode = WAL");
  db.pragma("synchronous = NORMAL");
  db.pragma("cache_size = -65536");
  const byId = db.prepare(BY_ID);
  const byIds = db.prepare(BY_IDS);
  const update = db.prepare(UPDATE).raw(true);
  const history = db.prepare(HISTORY);
  let lastInstant = db.prepare(`SELECT max("at") FROM "world__history"`).pluck().get() ?? 0;

  const updateAll = db.transaction((value, idsJson) => {
    const now = Date.now();
    if (now > lastInstant) lastInstant = now;
    const rows = update.all(value, idsJson);
    const out = new Array(rows.length);
    for (let i = 0; i < rows.length; i++) {
      history.run(rows[i][0], lastInstant, rows[i][1]);
      out[i] = { id: rows[i][0], randomnumber: rows[i][1] };
    }
    return out;
  });

  return {
    /** One row or undefined. */
    world: (id) => byId.get(id),
    worlds: (ids) => byIds.all(JSON.stringify(ids)),
    updateWorlds: (ids, value) => updateAll(value, JSON.stringify(ids)),
    close: () => db.close(),
  };
}
