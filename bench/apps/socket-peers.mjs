// The socket broadcast benchmark's peers (bench/socket-broadcast.mjs), one per process:
//   node apps/socket-peers.mjs ws PORT        — `ws` used directly: each message to every client
//   node apps/socket-peers.mjs socketio PORT  — socket.io 4: each client in one room, io.to(room).emit
import { createServer } from "node:http";

const [kind, portText] = process.argv.slice(2);
const server = createServer();
if (kind === "ws") {
  const { WebSocketServer } = await import("ws");
  const wss = new WebSocketServer({ server, path: "/bench", perMessageDeflate: false });
  wss.on("connection", (socket) => {
    socket.on("message", (data) => {
      const text = data.toString();
      for (const client of wss.clients) client.send(text);
    });
  });
} else if (kind === "socketio") {
  const { Server } = await import("socket.io");
  const io = new Server(server, { transports: ["websocket"], perMessageDeflate: false });
  io.on("connection", (socket) => {
    socket.join("everyone");
    socket.on("msg", (value) => io.to("everyone").emit("msg", value));
  });
} else throw new Error(`unknown peer ${kind}`);
server.listen(Number(portText), "127.0.0.1", () => process.send?.("listening"));
