/**
 * Language-server help for SOCKET and rooms: the events after ON, the settings in a SOCKET's
 * WITH { }, the program's rooms after JOIN / LEAVE / BROADCAST TO / STREAM, hover on a SOCKET, a
 * handler or a room.
 */
import type { Node, Program, RoomRef, SocketDecl, SocketHandler } from "@kova/compiler";
import { CompletionItemKind } from "vscode-languageserver";
import { walk } from "./ast-walk.js";
import type { KovaCompletion } from "./completion.js";
import type { Analysis } from "./workspace.js";

const EVENTS: ReadonlyArray<[string, string]> = [
  ["CONNECT", "runs when a client has connected (after AUTH passed on the upgrade)"],
  ["MESSAGE(msg)", "runs for each message, validated by the SOCKET's VALIDATE shape"],
  ["CLOSE", "runs when the client has gone (it has left its rooms already)"],
];

const SETTINGS: ReadonlyArray<[string, string]> = [
  ["max_message", "the largest message in bytes; a larger one gets an error frame; default 65536"],
  ["heartbeat", "a ping this often; a client that did not answer the previous one is dropped; default 30s"],
  ["max_buffered", "unsent bytes a client may have before it is dropped as too slow; default 1048576"],
];

/** Completions for a SOCKET or room context at the cursor, or undefined when the cursor is elsewhere. */
export function realtimeCompletions(analysis: Analysis, prefix: string, offset: number, nodes: readonly { kind: string }[]): KovaCompletion[] | undefined {
  const inSocket = nodes.some((n) => n.kind === "Socket");
  const event = /^\s*ON\s+([A-Z]*)$/.exec(prefix);
  if (event && inSocket) {
    return EVENTS.map(([label, doc]) => ({ label, kind: CompletionItemKind.Event, documentation: doc, replaceFrom: offset - event[1].length }));
  }
  const setting = /\bWITH\s*\{(?:[^}]*[\s,])?([a-z_]*)$/.exec(prefix);
  if (setting && /^\s*SOCKET\b/.test(prefix)) {
    return SETTINGS.map(([name, doc]) => ({ label: name, kind: CompletionItemKind.Property, documentation: doc, replaceFrom: offset - setting[1].length }));
  }
  const room = /\b(?:JOIN|LEAVE|STREAM|BROADCAST\s+TO)\s+([A-Za-z_0-9]*)$/.exec(prefix);
  if (room) {
    return roomsOf(analysis, offset).map(([name, keyed]) => ({ label: name, kind: CompletionItemKind.EnumMember, detail: keyed ? `room ${name}(key)` : `room ${name}`, replaceFrom: offset - room[1].length }));
  }
  return undefined;
}

/** Hover text for a SOCKET's path, one of its handlers, or a room; undefined for anything else. */
export function realtimeHover(analysis: Analysis, nodes: readonly Node[], offset: number): string | undefined {
  const room = [...nodes].reverse().find((n): n is RoomRef => n.kind === "RoomRef");
  if (room && offset <= room.name.span.end.offset) {
    const uses = roomUses(analysis).filter((r) => r.name.name === room.name.name).length;
    return "```kova\nroom " + room.name.name + (room.key ? "(key)" : "") + "\n```\n" + `Used ${uses} time${uses === 1 ? "" : "s"} in the program (JOIN, LEAVE, BROADCAST TO, STREAM).`;
  }
  const handler = [...nodes].reverse().find((n): n is SocketHandler => n.kind === "SocketHandler");
  if (handler && offset <= handler.event.span.end.offset) {
    const doc = EVENTS.find(([label]) => label.startsWith(handler.event.name.toUpperCase()))?.[1];
    return "```kova\nON " + handler.event.name.toUpperCase() + (handler.param ? `(${handler.param.name})` : "") + "\n```\n" + (doc ?? "");
  }
  const socket = nodes.find((n): n is SocketDecl => n.kind === "Socket");
  if (socket && offset <= socket.path.span.end.offset) {
    const parts = [socket.auth ? "AUTH on the upgrade" : "no AUTH", socket.validate ? `messages match ${socket.validate.name}` : "messages: any JSON"];
    const events = socket.handlers.map((h) => `ON ${h.event.name.toUpperCase()}`).join(", ");
    return "```kova\nSOCKET " + socket.path.text + "\n```\nA WebSocket endpoint on the HTTP port · " + parts.join(" · ") + (events ? ` · ${events}` : "");
  }
  return undefined;
}

function roomUses(analysis: Analysis): RoomRef[] {
  const rooms: RoomRef[] = [];
  for (const file of analysis.result.files as Array<{ program: Program }>) walk(file.program, (n: Node) => void (n.kind === "RoomRef" && rooms.push(n)));
  return rooms;
}

/** The program's rooms: each name once, and whether it takes a key (not the one being typed at `offset`). */
function roomsOf(analysis: Analysis, offset: number): Array<[string, boolean]> {
  const rooms = new Map<string, boolean>();
  for (const ref of roomUses(analysis)) {
    const typing = ref.name.span.start.offset <= offset && offset <= ref.name.span.end.offset;
    if (ref.name.name !== "" && !typing && !rooms.has(ref.name.name)) rooms.set(ref.name.name, ref.key !== null);
  }
  return [...rooms];
}
