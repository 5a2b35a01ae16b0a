/**
 * How fast is the front end? Generates a realistic 10,000-line Kova program in memory (entities,
 * validators, CRUD endpoints with queries, IF/ELSE, string interpolation), then times
 * scan+parse and checkText: one warm-up, then the median of 5 runs.
 *
 *   npx tsc -b packages/compiler && node packages/compiler/dist/bench/frontend-speed.js [lines]
 *
 * The generator is exported for the test that keeps the figures honest (test/frontend-speed.test.ts).
 */
import { performance } from "node:perf_hooks";
import { pathToFileURL } from "node:url";
import { checkText, memoryHost, parse } from "../src/index.js";

const NOUNS = ["Product", "Order", "Customer", "Invoice", "Shipment", "Review", "Coupon", "Supplier", "Ticket", "Article"];

/** One entity with its validator and five endpoints; ~80 lines, each module slightly different. */
function module(i: number): string {
  const noun = `${NOUNS[i % NOUNS.length]}${Math.floor(i / NOUNS.length) + 1}`;
  const path = `/${noun.toLowerCase()}s`;
  const statuses = ['"draft"', '"live"', '"retired"', '"archived"'].slice(0, 3 + (i % 2));
  return `// ── ${noun}: catalogue entry ${i} ──────────────────────────────

ENTITY ${noun} {
  name: text
  sku: text UNIQUE
  price: float DEFAULT 0
  stock: int INDEX
  status: enum(${statuses.join(", ")}) DEFAULT "draft"
  notes: text?
  created: timestamp?
}

VALIDATE New${noun} {
  name: string(min: 1, max: ${80 + (i % 5) * 10})
  sku: string(min: 3, max: 32)
  price: float(min: 0)
  stock: int(min: 0)?
  notes: string(max: 2000)?
}

/* Paged list: ?limit, ?offset and ?max filter and page the rows. */
GET ${path} {
  limit = $query.limit ?? ${10 + (i % 4) * 10}
  offset = $query.offset ?? 0
  rows = SELECT id, name, price, stock FROM ${noun}
    WHERE status = "live" AND stock > ${i % 3} AND price <= ($query.max ?? 1_000)
    ORDER_BY name ASC, id DESC
    LIMIT limit
    OFFSET offset
  RESPOND { items: rows, limit, offset, next: "${path}?offset={offset + limit}&limit={limit}" }
}

GET ${path}/:id {
  row = SELECT * FROM ${noun} WHERE id = $id
  IF row IS NULL {
    ERROR 404 "there is no ${noun.toLowerCase()} {$id}"
  } ELSE IF row.status == "retired" OR row.stock < 0 {
    ERROR 410 "${noun.toLowerCase()} {$id} was retired on {row.created ?? "an unknown date"}"
  }
  RESPOND row
}

POST ${path} VALIDATE New${noun} {
  saved = INSERT INTO ${noun} { ...$body, status: "draft" }
  RESPOND 201 saved HEADERS { location: "${path}/{saved.id}" }
}

PATCH ${path}/:id VALIDATE New${noun} {
  current = SELECT * FROM ${noun} WHERE id = $id
  IF current IS NULL {
    ERROR 404 "there is no ${noun.toLowerCase()} {$id}"
  } ELSE {
    UPDATE ${noun} SET name = $body.name, price = $body.price * ${1 + (i % 7) / 10}, stock = $body.stock ?? current.stock WHERE id = $id
  }
  RESPOND 204
}

DELETE ${path}/:id {
  DELETE FROM ${noun} WHERE id = $id AND status != "live"
  RESPOND
}

GET ${path}/:id/history {
  versions = HISTORY ${noun} WHERE id = $id ORDER_BY id DESC LIMIT 50
  RESPOND { id: $id, versions, count: 50, note: 'no {interpolation} in single quotes' }
}

`;
}

/** A deterministic program of exactly `lines` lines (padded at the end with comment lines). */
export function generateProgram(lines = 10_000): string {
  const parts: string[] = [];
  let count = 0;
  for (let i = 0; ; i++) {
    const next = module(i);
    const nextLines = next.split("\n").length - 1;
    if (count + nextLines > lines) break;
    parts.push(next);
    count += nextLines;
  }
  for (; count < lines; count++) parts.push(`// end of generated program, line ${count + 1}\n`);
  return parts.join("");
}

export interface Timing {
  /** Median wall-clock milliseconds of the timed runs. */
  ms: number;
  linesPerSecond: number;
}

/** Median of `runs` timed calls after one warm-up call. */
export function time(lines: number, run: () => void, runs = 5): Timing {
  run();
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    run();
    samples.push(performance.now() - start);
  }
  samples.sort((a, b) => a - b);
  const ms = samples[Math.floor(samples.length / 2)];
  return { ms, linesPerSecond: (lines / ms) * 1000 };
}

function main(args: string[]): number {
  const lines = args[0] === undefined ? 10_000 : Number(args[0]);
  if (!Number.isInteger(lines) || lines < 1) {
    console.error(`usage: frontend-speed.js [lines]  (a whole number of lines, got ${JSON.stringify(args[0])})`);
    return 2;
  }
  const text = generateProgram(lines);
  const host = memoryHost({});
  const parsed = parse(text, "bench.kova");
  const checked = checkText(text, "bench.kova", host);
  const errors = checked.diagnostics.filter((d) => d.severity === "error");
  const scanParse = time(lines, () => void parse(text, "bench.kova"));
  const check = time(lines, () => void checkText(text, "bench.kova", host));
  const row = (label: string, t: Timing) =>
    `${label.padEnd(12)} ${t.ms.toFixed(1).padStart(8)} ms  ${Math.round(t.linesPerSecond).toLocaleString("en-US").padStart(11)} lines/s`;
  console.log(`Kova front end: ${lines.toLocaleString("en-US")} lines, ${text.length.toLocaleString("en-US")} characters, ${parsed.program.declarations.length} declarations`);
  console.log(`(median of 5 runs after a warm-up; node ${process.version})`);
  console.log(row("scan+parse", scanParse));
  console.log(row("checkText", check));
  console.log(`diagnostics: ${parsed.diagnostics.length} from the parser, ${checked.diagnostics.length} from checkText (${errors.length} errors)`);
  return 0;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = main(process.argv.slice(2));
}
