/**
 * SOCKET declarations, rooms and STREAM (docs/language.md, "SOCKET: WebSockets", docs/realtime.md).
 *
 *   - a SOCKET has at most one handler per event (CONNECT, MESSAGE, CLOSE); ON MESSAGE binds the
 *     message, validated by the SOCKET's VALIDATE shape when it has one;
 *   - each handler is checked as the body of an endpoint at the socket's path (so `$room`, `$auth`,
 *     queries and FN calls mean what they mean in an endpoint), with SEND/JOIN/LEAVE allowed and
 *     RESPOND/REDIRECT/$body refused;
 *   - rooms are named by the program: a room exists because some JOIN or STREAM uses its name, so
 *     a BROADCAST TO or LEAVE of any other name is a typo, reported with a did-you-mean.
 */
import type { EndpointDecl, Program, Property, RoomRef, SocketDecl, SocketHandler, Span } from "../ast/nodes.js";
import { closestName } from "../diagnostics/suggest.js";
import { checkEndpointAuth } from "./auth.js";
import { report, type CheckContext } from "./context.js";
import { checkEndpoint } from "./endpoints.js";
import { checkExpression } from "./expressions.js";
import { constantValue } from "./fold.js";
import type { EndpointInfo } from "./model.js";
import { unknownType, type KovaType } from "./types.js";

export const SOCKET_EVENTS = ["connect", "message", "close"] as const;
export type SocketEvent = (typeof SOCKET_EVENTS)[number];

/** `WITH { … }` on a SOCKET, with the defaults the runtime uses. */
export interface SocketSettings {
  /** A message larger than this (bytes) gets an error frame and is not handled. */
  maxMessageBytes: number;
  /** A ping every this often; a client that has not answered the previous one is dropped. */
  heartbeatMs: number;
  /** A client whose unsent data passes this (bytes) is too slow to keep: it is dropped. */
  maxBufferedBytes: number;
}

export const SOCKET_DEFAULTS: SocketSettings = { maxMessageBytes: 65_536, heartbeatMs: 30_000, maxBufferedBytes: 1_048_576 };

const SETTINGS: Record<string, { field: keyof SocketSettings; kind: "int" | "duration"; min: number; max: number; help: string }> = {
  max_message: { field: "maxMessageBytes", kind: "int", min: 16, max: 16_777_216, help: "a size in bytes from 16 to 16777216, as in max_message: 65536" },
  heartbeat: { field: "heartbeatMs", kind: "duration", min: 1_000, max: 3_600_000, help: "a duration from 1s to 1h, as in heartbeat: 30s" },
  max_buffered: { field: "maxBufferedBytes", kind: "int", min: 1_024, max: 1_073_741_824, help: "a size in bytes from 1024 to 1073741824, as in max_buffered: 1048576" },
};

export interface SocketHandlerInfo {
  event: SocketEvent;
  handler: SocketHandler;
  /** The handler checked as an endpoint body at the socket's path. */
  endpoint: EndpointInfo;
}

export interface SocketInfo {
  decl: SocketDecl;
  file: string;
  /** The VALIDATE shape's name, when the socket has one that exists. */
  shape: string | null;
  settings: SocketSettings;
  handlers: SocketHandlerInfo[];
}

/** Where the checker is inside a SOCKET handler. */
export interface SocketScope {
  info: SocketInfo;
  event: SocketEvent;
}

/** A room as one statement uses it, for the program-wide check at the end. */
interface RoomUse {
  ref: RoomRef;
  file: string;
  /** JOIN and STREAM make a room known; BROADCAST TO and LEAVE must name a known one. */
  defines: boolean;
}

/** Per program check: the rooms used so far (filled while statements are checked). */
const roomUses = new WeakMap<CheckContext["model"], RoomUse[]>();

export function checkSockets(base: CheckContext, programs: Program[]): SocketInfo[] {
  const sockets: SocketInfo[] = [];
  const paths = new Map<string, SocketDecl>();
  for (const program of programs) {
    const ctx = { ...base, file: program.file };
    for (const decl of program.declarations) {
      if (decl.kind !== "Socket") continue;
      const shape = decl.path.segments.map((s) => (s.param ? ":" : s.value)).join("/");
      const previous = paths.get(shape);
      if (previous) {
        ctx.diagnostics.report("DuplicateSocket", decl.path.span, `SOCKET ${decl.path.text} is already declared at ${previous.span.file}:${previous.span.start.line}`, { suggestion: "merge the two SOCKETs, or change one path" });
      } else paths.set(shape, decl);
      sockets.push(checkSocket(ctx, decl));
    }
  }
  return sockets;
}

function checkSocket(ctx: CheckContext, decl: SocketDecl): SocketInfo {
  let shape: string | null = null;
  let messageType: KovaType = unknownType;
  if (decl.validate && decl.validate.name !== "") {
    const validator = ctx.model.validators.get(decl.validate.name);
    if (validator) {
      shape = decl.validate.name;
      messageType = validator.type;
      ctx.model.resolutions.set(decl.validate, validator.decl);
    } else {
      report(ctx, "UnknownValidator", decl.validate.span, `no VALIDATE shape named '${decl.validate.name}'`, ctx.model.validators.keys(), decl.validate.name);
    }
  }
  if (decl.auth) checkEndpointAuth(ctx, decl.auth);
  const info: SocketInfo = { decl, file: ctx.file, shape, settings: checkSettings(ctx, decl.settings), handlers: [] };
  const seen = new Map<string, SocketHandler>();
  for (const handler of decl.handlers) {
    const name = handler.event.name;
    if (!(SOCKET_EVENTS as readonly string[]).includes(name)) {
      const guess = closestName(name, SOCKET_EVENTS);
      ctx.diagnostics.report("UnknownSocketEvent", handler.event.span, `a SOCKET has no event '${name.toUpperCase()}' (its events: CONNECT, MESSAGE, CLOSE)`, guess ? { suggestion: `did you mean ON ${guess.toUpperCase()}?`, replacement: guess.toUpperCase() } : { suggestion: "write ON CONNECT, ON MESSAGE(msg) or ON CLOSE" });
      continue;
    }
    const event = name as SocketEvent;
    const earlier = seen.get(event);
    if (earlier) {
      ctx.diagnostics.report("DuplicateSocketHandler", handler.event.span, `this SOCKET already has ON ${event.toUpperCase()} (line ${earlier.span.start.line})`, { suggestion: "merge the two handlers into one" });
      continue;
    }
    seen.set(event, handler);
    if (event === "message" && handler.param === null) {
      ctx.diagnostics.report("SocketHandlerParam", handler.event.span, "ON MESSAGE needs a name for the message", { suggestion: "write ON MESSAGE(msg) { … }" });
    } else if (event !== "message" && handler.param !== null) {
      ctx.diagnostics.report("SocketHandlerParam", handler.param.span, `ON ${event.toUpperCase()} has no payload to bind`, { suggestion: `write ON ${event.toUpperCase()} { … }; read the path as $name and the caller as $auth` });
    }
    // The handler is an endpoint body at the socket's path: path parameters, $auth, $query and
    // queries mean the same there. The pseudo-endpoint is the checker's view only, never emitted.
    const asEndpoint: EndpointDecl = { kind: "Endpoint", span: handler.span, method: "GET", path: decl.path, validate: null, auth: decl.auth, rateLimit: null, query: null, cache: null, body: handler.body, doc: null };
    const param = event === "message" ? handler.param : null;
    const endpoint = checkEndpoint({ ...ctx, socket: { info, event } }, asEndpoint, {
      authChecked: true,
      prepare: (scope) => {
        if (param === null || param.name === "") return;
        const variable = scope.define(param, messageType);
        variable.used = true;
        ctx.model.resolutions.set(param, param);
      },
    });
    info.handlers.push({ event, handler, endpoint });
  }
  return info;
}

function checkSettings(ctx: CheckContext, settings: Property[]): SocketSettings {
  const out: SocketSettings = { ...SOCKET_DEFAULTS };
  for (const property of settings) {
    const rule = SETTINGS[property.key.name];
    if (rule === undefined) {
      report(ctx, "UnknownSocketSetting", property.key.span, `a SOCKET has no setting '${property.key.name}' (settings: ${Object.keys(SETTINGS).join(", ")})`, Object.keys(SETTINGS), property.key.name);
      continue;
    }
    checkExpression(ctx, property.value);
    const constant = constantValue(property.value);
    const value = rule.kind === "duration" ? (property.value.kind === "Duration" ? property.value.value : undefined) : typeof constant?.value === "number" && Number.isInteger(constant.value) ? constant.value : undefined;
    if (value === undefined || value < rule.min || value > rule.max) {
      ctx.diagnostics.report("InvalidSocketSetting", property.value.span, `${property.key.name} must be ${rule.help}`);
      continue;
    }
    out[rule.field] = value;
  }
  return out;
}

/** A room in JOIN, LEAVE, STREAM or BROADCAST TO: its key is checked, and the use noted for the end. */
export function checkRoom(ctx: CheckContext, ref: RoomRef, defines: boolean): void {
  if (ref.key !== null) checkExpression(ctx, ref.key);
  let uses = roomUses.get(ctx.model);
  if (uses === undefined) roomUses.set(ctx.model, (uses = []));
  uses.push({ ref, file: ctx.file, defines });
}

/** After every body is checked: each room named by BROADCAST TO or LEAVE is joined or streamed somewhere. */
export function checkRooms(base: CheckContext): void {
  const uses = roomUses.get(base.model) ?? [];
  const known = new Map<string, RoomUse>();
  for (const use of uses) if (use.defines && !known.has(use.ref.name.name)) known.set(use.ref.name.name, use);
  for (const use of uses) {
    const ctx = { ...base, file: use.file };
    const name = use.ref.name.name;
    if (name === "") continue;
    const first = known.get(name);
    if (first === undefined) {
      report(ctx, "UnknownRoom", use.ref.name.span, `no JOIN or STREAM uses a room '${name}', so nobody can be in it`, known.keys(), name);
      continue;
    }
    if ((first.ref.key === null) !== (use.ref.key === null)) {
      const keyed = first.ref.key !== null;
      ctx.diagnostics.report("RoomKeyMismatch", use.ref.span, `the room '${name}' is ${keyed ? "a family of rooms picked by a key" : "a single room"} (${spanText(first.ref.span)}), but here it ${keyed ? "has no key" : "has a key"}`, {
        suggestion: keyed ? `write ${name}(key), as at ${spanText(first.ref.span)}` : `write ${name} without a key, or give every use of it a key`,
      });
    }
  }
}

function spanText(span: Span): string {
  return `${span.file}:${span.start.line}:${span.start.column}`;
}
