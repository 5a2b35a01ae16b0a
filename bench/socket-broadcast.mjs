// Socket broadcast throughput: 1,000 clients connected to one room; one of them sends M messages;
// the figure is deliveries per second (M × 1,000 over the time until every client has every
// message), for Kova (SOCKET + BROADCAST TO, apps/kova-socket), `ws` used directly and socket.io 4
// (apps/socket-peers.mjs). Each server runs in its own process; the clients share this one.
// Usage: node bench/socket-broadcast.mjs [clients=1000] [messages=200] [rounds=3]   (after `npx tsc -b`)
import { fork, spawn, spawnSync } from "node:child_process";
import { createServer } from "node:net";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import WebSocket from "ws";
import { io as ioClient } from "socket.io-client";

const BENCH = dirname(fileURLToPath(import.meta.url));
const [clients, messages, rounds] = [Number(process.argv[2] ?? 1000), Number(process.argv[3] ?? 200), Number(process.argv[4] ?? 3)];

function freePort() {
  return new Promise((resolve) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

async function startKova(port) {
  const dir = join(BENCH, "apps", "kova-socket");
  const built = spawnSync(process.execPath, [join(BENCH, "..", "packages", "cli", "bin", "kova.js"), "build", dir], { encoding: "utf8" });
  if (built.status !== 0) throw new Error(`kova build failed:\n${built.stdout}${built.stderr}`);
  const child = spawn(process.execPath, [join(dir, "dist", "server.js")], { env: { ...process.env, PORT: String(port), HOST: "127.0.0.1", KOVA_LOG_LEVEL: "warn" }, stdio: "inherit" });
  for (let i = 0; i < 200; i++) {
    if (await fetch(`http://127.0.0.1:${port}/_kova/health`).then((r) => r.ok, () => false)) return child;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error("the Kova server did not start");
}

async function startPeer(kind, port) {
  const child = fork(join(BENCH, "apps", "socket-peers.mjs"), [kind, String(port)], { stdio: "inherit" });
  await new Promise((resolve) => child.once("message", resolve));
  return child;
}

/** Plain WebSocket clients (Kova and ws): counts deliveries; resolves when each has `messages`. */
async function wsRound(port) {
  const sockets = [];
  let delivered = 0;
  let done;
  const finished = new Promise((r) => (done = r));
  for (let i = 0; i < clients; i++) {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/bench`, { perMessageDeflate: false });
    ws.on("message", (data) => {
      // Kova's presence frames ({"kova": …}) are not benchmark messages.
      if (data[0] === 123 && data.includes("kova")) return;
      if (++delivered === clients * messages) done();
    });
    await new Promise((resolve, reject) => ws.once("open", resolve).once("error", reject));
    sockets.push(ws);
  }
  await new Promise((r) => setTimeout(r, 500)); // joins and presence settle
  const t0 = performance.now();
  for (let i = 0; i < messages; i++) sockets[0].send(JSON.stringify({ n: i, text: "hello, everyone" }));
  await finished;
  const ms = performance.now() - t0;
  for (const ws of sockets) ws.terminate();
  return (clients * messages) / (ms / 1000);
}

async function socketIoRound(port) {
  const sockets = [];
  let delivered = 0;
  let done;
  const finished = new Promise((r) => (done = r));
  for (let i = 0; i < clients; i++) {
    const s = ioClient(`http://127.0.0.1:${port}`, { transports: ["websocket"], forceNew: true });
    s.on("msg", () => {
      if (++delivered === clients * messages) done();
    });
    await new Promise((resolve, reject) => s.once("connect", resolve).once("connect_error", reject));
    sockets.push(s);
  }
  await new Promise((r) => setTimeout(r, 500));
  const t0 = performance.now();
  for (let i = 0; i < messages; i++) sockets[0].emit("msg", { n: i, text: "hello, everyone" });
  await finished;
  const ms = performance.now() - t0;
  for (const s of sockets) s.disconnect();
  return (clients * messages) / (ms / 1000);
}

const results = {};
for (const [name, start, round] of [["kova", startKova, wsRound], ["ws", (p) => startPeer("ws", p), wsRound], ["socket.io", (p) => startPeer("socketio", p), socketIoRound]]) {
  const port = await freePort();
  const child = await start(port);
  const figures = [];
  for (let r = 0; r < rounds; r++) figures.push(await round(port));
  child.kill();
  figures.sort((a, b) => a - b);
  results[name] = { median: Math.round(figures[Math.floor(figures.length / 2)]), rounds: figures.map(Math.round) };
  console.log(name, JSON.stringify(results[name]));
}
console.log(JSON.stringify({ clients, messages, rounds, deliveriesPerSecond: results, kovaOverWs: +(results.kova.median / results.ws.median).toFixed(2), kovaOverSocketIo: +(results.kova.median / results["socket.io"].median).toFixed(2), load1m: (await import("node:os")).loadavg()[0] }));
process.exit(0);
