/**
 * Sanity measurement: one JSON route (`GET /users/:id`, typed int param, small object reply) on the
 * Kova runtime versus a raw node:http server doing the same work. Each server runs in its own child
 * process so autocannon (in this process) does not share its event loop.
 *
 *   npx tsc -b packages/runtime && node packages/runtime/dist/bench/json-route.js [seconds=5] [rounds=3]
 */
import { fork } from "node:child_process";
import { createServer as createRawServer } from "node:http";
import { fileURLToPath } from "node:url";
import autocannon from "autocannon";
import { pino } from "pino";
import { createServer } from "../src/index.js";

type Variant = "raw" | "kova" | "kova-logging";

async function serve(variant: Variant): Promise<number> {
  if (variant === "raw") {
    const server = createRawServer((req, res) => {
      const match = /^\/users\/(\d+)$/.exec(req.url ?? "");
      if (req.method !== "GET" || match === null) {
        res.writeHead(404).end();
        return;
      }
      const payload = JSON.stringify({ id: Number(match[1]), name: "Ada", email: "ada@example.com" });
      res.writeHead(200, { "content-type": "application/json; charset=utf-8", "content-length": Buffer.byteLength(payload) });
      res.end(payload);
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    return (server.address() as { port: number }).port;
  }
  // "kova" measures the runtime with request logging off; "kova-logging" with the default info
  // line per request, written to /dev/null so the terminal is not the bottleneck.
  const logger = variant === "kova"
    ? pino({ level: "warn" })
    : pino({ level: "info" }, pino.destination({ dest: "/dev/null", sync: false }));
  const kova = createServer(
    {
      name: "bench",
      env: [],
      dataSources: [],
      routes: [{
        method: "GET", path: "/users/:id", params: [{ name: "id", type: "int" }],
        handler: (ctx) => ({ body: { id: ctx.params.id, name: "Ada", email: "ada@example.com" } }),
      }],
    },
    { logger },
  );
  return (await kova.listen(0, "127.0.0.1")).port;
}

function startChild(variant: Variant): Promise<{ port: number; stop: () => void }> {
  const child = fork(fileURLToPath(import.meta.url), ["serve", variant], { stdio: ["ignore", "ignore", "inherit", "ipc"] });
  return new Promise((resolve) => child.once("message", (port) => resolve({ port: port as number, stop: () => child.kill() })));
}

async function load(variant: Variant, port: number, seconds: number): Promise<number> {
  const result = await autocannon({ url: `http://127.0.0.1:${port}/users/42`, connections: 100, pipelining: 1, duration: seconds });
  if (result.non2xx > 0 || result.errors > 0) throw new Error(`${variant}: ${result.non2xx} non-2xx, ${result.errors} errors`);
  return result.requests.average;
}

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

if (process.argv[2] === "serve") {
  const port = await serve(process.argv[3] as Variant);
  process.send!(port);
} else {
  // Rounds alternate the variants so a noisy neighbour on the machine hits all of them alike.
  const seconds = Number(process.argv[2] ?? 5);
  const rounds = Number(process.argv[3] ?? 3);
  const variants: Variant[] = ["raw", "kova", "kova-logging"];
  const servers = await Promise.all(variants.map(startChild));
  try {
    for (const [i, variant] of variants.entries()) await load(variant, servers[i].port, 1); // warm-up
    const samples = new Map<Variant, number[]>(variants.map((v) => [v, []]));
    for (let round = 0; round < rounds; round++) {
      for (const [i, variant] of variants.entries()) samples.get(variant)!.push(await load(variant, servers[i].port, seconds));
    }
    const raw = median(samples.get("raw")!);
    for (const variant of variants) {
      const rate = median(samples.get(variant)!);
      const runs = samples.get(variant)!.map((r) => r.toFixed(0)).join(", ");
      console.log(`${variant.padEnd(13)} median ${rate.toFixed(0).padStart(6)} req/s = ${(rate / raw).toFixed(2)} × raw   (runs: ${runs})`);
    }
  } finally {
    for (const server of servers) server.stop();
  }
}
