import type { Block, IfStmt, RoomRef, Statement } from "../ast/nodes.js";
import { join, type Doc } from "./doc.js";
import { printExpression } from "./expressions.js";
import type { Printer } from "./printer.js";
import { printCondition } from "./queries.js";

/** `{ … }` with one statement per line, keeping at most one blank line where the user had one. */
export function printBlock(p: Printer, block: Block): Doc {
  const start = block.span.start.offset;
  const end = block.span.end.offset;
  return p.bracketed("{", "}", start + 1, block.statements, (s) => printStatement(p, s), { end: end - 1, blankLines: "keep" });
}

export function printStatement(p: Printer, s: Statement): Doc {
  switch (s.kind) {
    case "Assign":
      return [s.target.name, " = ", printExpression(p, s.value)];
    case "Respond": {
      const parts: Doc[] = ["RESPOND"];
      if (s.status !== null) parts.push(" ", s.status.raw);
      if (s.value !== null) {
        // Without a status, a whole number right after RESPOND would be read as one: keep it a value.
        const value = s.value;
        const readAsStatus = s.status === null && value.kind === "Number" && Number.isInteger(value.value);
        parts.push(" ", readAsStatus ? ["(", printExpression(p, value), ")"] : printExpression(p, value));
      }
      if (s.headers !== null) parts.push(" HEADERS ", printExpression(p, s.headers));
      if (s.cookies !== null) parts.push(" COOKIES ", printExpression(p, s.cookies));
      return parts;
    }
    case "Redirect": {
      const parts: Doc[] = ["REDIRECT"];
      if (s.status !== null) parts.push(" ", s.status.raw);
      parts.push(" ", printExpression(p, s.location));
      if (s.cookies !== null) parts.push(" COOKIES ", printExpression(p, s.cookies));
      return parts;
    }
    case "Error":
      return ["ERROR ", s.status.raw, s.detail === null ? "" : [" ", printExpression(p, s.detail)]];
    case "If":
      return printIf(p, s);
    case "Broadcast":
      return ["BROADCAST ", s.room === null ? "" : ["TO ", printRoomRef(p, s.room), " "], printExpression(p, s.value)];
    case "Join":
      return ["JOIN ", printRoomRef(p, s.room)];
    case "Leave":
      return ["LEAVE ", printRoomRef(p, s.room)];
    case "Stream":
      return s.live !== null ? ["STREAM LIVE ", printExpression(p, s.live)] : ["STREAM ", printRoomRef(p, s.room!)];
    case "Send":
      return ["SEND ", printExpression(p, s.value)];
    case "ExpressionStatement":
      return printExpression(p, s.expression);
    case "For":
      return ["FOR ", s.variable.name, " IN ", printExpression(p, s.list, 0, false), " ", printBlock(p, s.body)];
    case "Return":
      return s.value === null ? "RETURN" : ["RETURN ", printExpression(p, s.value)];
    case "Expect":
      return ["EXPECT ", printExpression(p, s.condition)];
    case "Emit":
      return ["EMIT ", s.event.name, " ", printExpression(p, s.payload)];
    case "Enqueue": {
      const parts: Doc[] = ["ENQUEUE ", s.task.name, "(", join(", ", s.args.map((a) => printExpression(p, a))), ")"];
      if (s.delay !== null) parts.push(" DELAY ", printExpression(p, s.delay, 0, false));
      if (s.key !== null) parts.push(" KEY ", printExpression(p, s.key, 0, false));
      return parts;
    }
  }
}

/** `IF a { } ELSE IF b { } ELSE { }`: an ELSE IF chain stays flat, never nested blocks. */
function printIf(p: Printer, s: IfStmt): Doc {
  const parts: Doc[] = ["IF ", printCondition(p, s.condition), " ", printBlock(p, s.then)];
  if (s.else === null) return parts;
  parts.push(" ELSE ", s.else.kind === "If" ? printIf(p, s.else) : printBlock(p, s.else));
  return parts;
}

/** `lobby` or `room(key)`. */
function printRoomRef(p: Printer, room: RoomRef): Doc {
  return room.key === null ? room.name.name : [room.name.name, "(", printExpression(p, room.key, 0, false), ")"];
}
