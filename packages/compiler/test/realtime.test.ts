// Issue 15 items 3–5 in the compiler: SOCKET, rooms, STREAM and STREAM LIVE — checker findings for
// good and bad programs, the IR's sockets and room statements, the emitted JavaScript, the formatter.
import assert from "node:assert/strict";
import { test } from "node:test";
import { checkText, emitApp, formatSource, lower, type Diagnostic } from "../src/index.js";

function check(text: string): Diagnostic[] {
  return checkText(text, "/app/app.kova", { readFile: () => undefined }).diagnostics;
}

function only(text: string, code: string): Diagnostic {
  const all = check(text);
  assert.deepEqual(all.map((d) => d.code), [code], JSON.stringify(all.map((d) => `${d.code} ${d.message}`)));
  return all[0];
}

function lowered(text: string) {
  const result = checkText(text, "/app/app.kova", { readFile: () => undefined });
  assert.deepEqual(result.diagnostics.map((d) => `${d.code} ${d.message}`), []);
  return lower(result.programs[0].model, { name: "app" });
}

function emit(text: string): string {
  const app = lowered(text);
  const compiled = new Map(app.queries.map((q) => [q.id, { sql: `-- ${q.id}` } as never]));
  return emitApp(app, compiled, { sourcePath: () => "app.kova", sourceText: () => text, moduleSpecifier: (_f, m) => m, outputFile: "/app/dist/app.js" }).code;
}

const GOOD = `VALIDATE ChatIn {
  text: string(min: 1)
}

ENTITY Message {
  room: text
  body: text
}

SOCKET /chat/:room VALIDATE ChatIn WITH { max_message: 1024, heartbeat: 10s, max_buffered: 4096 } {
  ON CONNECT {
    JOIN room($room)
    SEND { hello: $room }
  }
  ON MESSAGE(msg) {
    saved = INSERT INTO Message { room: $room, body: msg.text }
    BROADCAST TO room($room) { id: saved.id, text: msg.text }
    BROADCAST { everyone: true }
  }
  ON CLOSE {
    LEAVE room($room)
  }
}

GET /rooms/:room/events {
  STREAM room($room)
}

GET /rooms/:room/live {
  STREAM LIVE SELECT id, body FROM Message WHERE room = $room ORDER_BY id DESC LIMIT 5
}

POST /rooms/:room VALIDATE ChatIn {
  BROADCAST TO room($room) { text: $body.text }
  RESPOND 202
}
`;

test("a program with a SOCKET, rooms, STREAM and STREAM LIVE checks clean", () => {
  assert.deepEqual(check(GOOD).map((d) => `${d.code} ${d.message}`), []);
});

test("IR: the socket's path, inputs, settings, message shape and handlers; room statements; live reads", () => {
  const app = lowered(GOOD);
  assert.equal(app.sockets.length, 1);
  const socket = app.sockets[0];
  assert.deepEqual({ id: socket.id, path: socket.path, message: socket.message, max: socket.maxMessageBytes, heartbeat: socket.heartbeatMs, buffered: socket.maxBufferedBytes }, { id: "SOCKET /chat/:room", path: "/chat/:room", message: "ChatIn", max: 1024, heartbeat: 10_000, buffered: 4096 });
  assert.deepEqual(socket.inputs.path.map((p) => p.name), ["room"]);
  assert.deepEqual(socket.handlers.map((h) => [h.event, h.param, h.writes]), [["connect", null, []], ["message", "msg", ["default"]], ["close", null, []]]);
  assert.deepEqual(socket.handlers[0].body.map((s) => s.kind), ["join", "send"]);
  assert.deepEqual(socket.handlers[1].body.map((s) => s.kind), ["assign", "broadcast", "broadcast"]);
  const live = app.entryPoints.find((r) => r.path === "/rooms/:room/live")!.body[0];
  assert.equal(live.kind, "stream");
  assert.deepEqual(live.kind === "stream" ? live.live?.reads : null, ["Message"]);
});

test("emitter: a function per handler, the sockets list, room names, streams and broadcast flags", () => {
  const code = emit(GOOD);
  assert.match(code, /async function socket_0_message\(ctx, v_msg\)/);
  assert.match(code, /await ctx\.join\("room:" \+ str\(ctx\.params\["room"\]\)\);/);
  assert.match(code, /ctx\.broadcast\(null, \{ "everyone": true \}\);/);
  assert.match(code, /sockets: \[\n\s+\{ path: "\/chat\/:room", params: \[\{ name: "room", type: "string" \}\], validateMessage: \(message\) => validate_ChatIn\(message, "", \[\]\), maxMessageBytes: 1024, heartbeatMs: 10000, maxBufferedBytes: 4096, on: \{ connect: \{ run: socket_0_connect \}, message: \{ run: socket_0_message, writes: \["default"\] \}, close: \{ run: socket_0_close \} \}/);
  assert.match(code, /return \{ status: 200, stream: \{ room: "room:" \+ str\(ctx\.params\["room"\]\) \} \};/);
  assert.match(code, /stream: \{ live: \{ entities: \["Message"\], load: async \(\) => /);
  assert.match(code, /path: "\/rooms\/:room\/live".*stream: true, live: true/);
  assert.match(code, /path: "\/rooms\/:room", .*broadcasts: true/);
});

test("formatter: SOCKET with AUTH, VALIDATE and settings, room statements and STREAM print canonically and are stable", () => {
  const messy = `VALIDATE M {\n  t: string\n}\nSOCKET   /chat/:room   VALIDATE M   WITH {max_message:1024} {\n ON connect { JOIN   room( $room )\n SEND  {a:1} }\n ON MESSAGE(m) { BROADCAST   TO room($room)   m\n BROADCAST m }\n}\nGET /e { STREAM   lobby }\nGET /l { STREAM LIVE   SELECT * FROM Message }\nSOCKET /lobby { ON CONNECT { JOIN lobby } ON CLOSE { LEAVE lobby } }\nENTITY Message { body: text }\n`;
  const once = formatSource(messy, "app.kova");
  assert.deepEqual(once.diagnostics.map((d) => d.message), []);
  const text = once.text;
  assert.match(text, /SOCKET \/chat\/:room VALIDATE M WITH \{\n  max_message: 1024\n\} \{\n  ON CONNECT \{\n    JOIN room\(\$room\)\n    SEND \{ a: 1 \}\n  \}/);
  assert.match(text, /BROADCAST TO room\(\$room\) m\n/);
  assert.match(text, /GET \/e \{\n  STREAM lobby\n\}/);
  assert.match(text, /STREAM LIVE SELECT \* FROM Message/);
  assert.equal(formatSource(text, "app.kova").text, text, "formatting is stable");
});

test("events: unknown (KV2600, did-you-mean), twice (KV2601), parameters (KV2602)", () => {
  const unknown = only(`SOCKET /s {\n  ON MESAGE(m) {\n    SEND m\n  }\n}\n`, "KV2600");
  assert.equal(unknown.suggestion, "did you mean ON MESSAGE?");
  only(`SOCKET /s {\n  ON CLOSE {\n    BROADCAST 1\n  }\n  ON CLOSE {\n    BROADCAST 2\n  }\n}\n`, "KV2601");
  only(`SOCKET /s {\n  ON MESSAGE {\n    BROADCAST 1\n  }\n}\n`, "KV2602");
  only(`SOCKET /s {\n  ON CONNECT(x) {\n    BROADCAST 1\n  }\n}\n`, "KV2602");
});

test("settings: unknown names (KV2603, did-you-mean), values of the wrong kind or out of range (KV2604)", () => {
  assert.equal(only(`SOCKET /s WITH { heartbeet: 5s } {\n  ON CONNECT {\n    SEND 1\n  }\n}\n`, "KV2603").suggestion, "did you mean 'heartbeat'?");
  only(`SOCKET /s WITH { heartbeat: 10 } {\n  ON CONNECT {\n    SEND 1\n  }\n}\n`, "KV2604");
  only(`SOCKET /s WITH { max_message: 2 } {\n  ON CONNECT {\n    SEND 1\n  }\n}\n`, "KV2604");
});

test("inside a SOCKET: no RESPOND, REDIRECT or $body (KV2605); the message has its VALIDATE shape's type", () => {
  only(`SOCKET /s {\n  ON MESSAGE(m) {\n    RESPOND 200 m\n  }\n}\n`, "KV2605");
  only(`SOCKET /s {\n  ON MESSAGE(m) {\n    SEND $body\n  }\n}\n`, "KV2605");
  // A field the shape does not have is an unknown member, as in an endpoint's $body.
  const typed = check(`VALIDATE In {\n  text: string\n}\n\nSOCKET /s VALIDATE In {\n  ON MESSAGE(m) {\n    SEND m.txt\n  }\n}\n`);
  assert.equal(typed.length, 1);
  assert.match(typed[0].message, /txt/);
});

test("rooms: an unknown room (KV2606, did-you-mean) and a key used inconsistently (KV2607)", () => {
  const unknown = only(`SOCKET /s {\n  ON CONNECT {\n    JOIN lobby\n  }\n  ON MESSAGE(m) {\n    BROADCAST TO lobbby m\n  }\n}\n`, "KV2606");
  assert.equal(unknown.suggestion, "did you mean 'lobby'?");
  only(`SOCKET /s/:k {\n  ON CONNECT {\n    JOIN room($k)\n  }\n}\n\nPOST /x {\n  BROADCAST TO room 1\n  RESPOND 204\n}\n`, "KV2607");
  // A room a STREAM names is known too: an endpoint may BROADCAST TO it.
  assert.deepEqual(check(`GET /feed {\n  STREAM news\n}\n\nPOST /news {\n  BROADCAST TO news { hi: 1 }\n  RESPOND 204\n}\n`), []);
});

test("placement: JOIN/LEAVE/SEND/bare BROADCAST outside a SOCKET (KV2608); STREAM outside GET (KV2609); LIVE needs a SELECT (KV2611)", () => {
  only(`POST /x {\n  SEND 1\n  RESPOND 204\n}\n`, "KV2608");
  only(`POST /x {\n  BROADCAST 1\n  RESPOND 204\n}\n`, "KV2608");
  only(`TASK t EVERY 1m {\n  JOIN lobby\n}\n`, "KV2608");
  only(`SOCKET /s {\n  ON CONNECT {\n    JOIN lobby\n  }\n}\n\nPOST /x {\n  STREAM lobby\n}\n`, "KV2609");
  only(`SOCKET /s {\n  ON CONNECT {\n    STREAM lobby\n  }\n}\n`, "KV2609");
  only(`GET /x {\n  STREAM LIVE 42\n}\n`, "KV2611");
  // A TASK may BROADCAST TO a room.
  assert.deepEqual(check(`SOCKET /s {\n  ON CONNECT {\n    JOIN lobby\n  }\n}\n\nTASK tick EVERY 1m {\n  BROADCAST TO lobby { tick: now() }\n}\n`), []);
});

test("two SOCKETs at one path: KV2610; the reserved form SOCKET name is a syntax error naming the fix", () => {
  only(`SOCKET /a/:x {\n  ON CONNECT {\n    SEND 1\n  }\n}\n\nSOCKET /a/:y {\n  ON CONNECT {\n    SEND 2\n  }\n}\n`, "KV2610");
  const old = check(`SOCKET chat {\n  ON CONNECT {\n    SEND 1\n  }\n}\n`);
  assert.equal(old.length, 1);
  assert.equal(old[0].suggestion, "write SOCKET /chat { … }");
});
