/**
 * The Kova VM's instruction set (docs/bytecode.md). A stack machine: each instruction is one opcode
 * byte followed by its operands, each a little-endian 32-bit integer (signed for jump offsets, which
 * are absolute code positions). Operands name constants (`k`), local slots, functions, queries,
 * views or counts. The table below is the one source of names and operand counts, for the
 * compiler, the encoder, the loader's verifier, the disassembler and the interpreter.
 */
export const enum Op {
  Const = 1, // k → push constants[k]
  Null, // → push null
  Pop, // a →
  Dup, // a → a a
  Load, // slot → push locals[slot]
  Store, // slot: a → (locals[slot] = a)
  Input, // from, k (name; -1: the whole object) → push the request value
  Env, // name default → value of the resolved environment
  Member, // k: object → object[k] (own keys only; null-safe)
  Index, // object index → object[index]
  Builtin, // k (name), argc: args → result
  Call, // fn, argc: args → result (a new frame)
  Query, // q, argc: args → rows
  Coerce, // k (type), k (label): value → converted value (or a 400)
  View, // v: value → shaped value
  Not, // a → !a
  Neg, // a → -a
  Add, Sub, Mul, Div, Mod, Lt, Le, Gt, Ge, Eq, Ne, In, Like, // a b → a op b
  IsNull, // a → a == null
  Has, // object key → boolean
  Between, // value low high → boolean
  Str, // a → a as text
  Concat, // n: n texts → joined text
  NewObject, // → {}
  SetKey, // k: object value → object (object[k] = value)
  Spread, // object source → object (own keys copied)
  RemoveKey, // k: object → object without k
  NewArray, // → []
  Push, // array value → array
  PushAll, // array list → array (elements appended; null appends none)
  Jump, // target
  JumpIfFalse, // target: a → (jump when a is falsy)
  JumpIfTrueKeep, // target: a → a (jump when truthy, keeping it; else pops) — OR
  JumpIfFalseKeep, // target: a → a (jump when falsy, keeping it; else pops) — AND
  JumpIfNotNullKeep, // target: a → a (jump when not null, keeping it; else pops) — ??
  IterInit, // slot: list → (iterator in locals[slot]; null is empty)
  IterNext, // slot, var, target: (next element into locals[var], or jump to target when done)
  OrderIndex, // k (label), k (fields): value → index of the field (or a 400)
  Respond, // status, flags, k (notFound; -1 none), q (serialiser's query; -1 none): [value] [headers] [cookies] → ends the handler
  Fail, // status: detail → ends the handler with a problem
  Return, // a → ends the function with a
  Canonical, // k (rich type), k (label): value → the value in the type's canonical form (or a 400); lists item by item
  Spawn, // fn, argc: args → task (the FN runs as a task of this execution, interleaved with the others)
  Await, // task → its result (its error is thrown here); a value that is not a task stays itself
}

/** How many 32-bit operands each opcode has (index: opcode). */
export const OPERANDS: Readonly<Record<number, number>> = {
  [Op.Const]: 1, [Op.Null]: 0, [Op.Pop]: 0, [Op.Dup]: 0, [Op.Load]: 1, [Op.Store]: 1, [Op.Input]: 2, [Op.Env]: 0,
  [Op.Member]: 1, [Op.Index]: 0, [Op.Builtin]: 2, [Op.Call]: 2, [Op.Query]: 2, [Op.Coerce]: 2, [Op.View]: 1,
  [Op.Not]: 0, [Op.Neg]: 0, [Op.Add]: 0, [Op.Sub]: 0, [Op.Mul]: 0, [Op.Div]: 0, [Op.Mod]: 0, [Op.Lt]: 0, [Op.Le]: 0,
  [Op.Gt]: 0, [Op.Ge]: 0, [Op.Eq]: 0, [Op.Ne]: 0, [Op.In]: 0, [Op.Like]: 0, [Op.IsNull]: 0, [Op.Has]: 0, [Op.Between]: 0,
  [Op.Str]: 0, [Op.Concat]: 1, [Op.NewObject]: 0, [Op.SetKey]: 1, [Op.Spread]: 0, [Op.RemoveKey]: 1, [Op.NewArray]: 0,
  [Op.Push]: 0, [Op.PushAll]: 0, [Op.Jump]: 1, [Op.JumpIfFalse]: 1, [Op.JumpIfTrueKeep]: 1, [Op.JumpIfFalseKeep]: 1,
  [Op.JumpIfNotNullKeep]: 1, [Op.IterInit]: 1, [Op.IterNext]: 3, [Op.OrderIndex]: 2, [Op.Respond]: 4, [Op.Fail]: 1, [Op.Return]: 0, [Op.Canonical]: 2,
  [Op.Spawn]: 2, [Op.Await]: 0,
};

export const OP_NAMES: Readonly<Record<number, string>> = {
  [Op.Const]: "CONST", [Op.Null]: "NULL", [Op.Pop]: "POP", [Op.Dup]: "DUP", [Op.Load]: "LOAD", [Op.Store]: "STORE", [Op.Input]: "INPUT",
  [Op.Env]: "ENV", [Op.Member]: "MEMBER", [Op.Index]: "INDEX", [Op.Builtin]: "BUILTIN", [Op.Call]: "CALL", [Op.Query]: "QUERY",
  [Op.Coerce]: "COERCE", [Op.View]: "VIEW", [Op.Not]: "NOT", [Op.Neg]: "NEG", [Op.Add]: "ADD", [Op.Sub]: "SUB", [Op.Mul]: "MUL",
  [Op.Div]: "DIV", [Op.Mod]: "MOD", [Op.Lt]: "LT", [Op.Le]: "LE", [Op.Gt]: "GT", [Op.Ge]: "GE", [Op.Eq]: "EQ", [Op.Ne]: "NE",
  [Op.In]: "IN", [Op.Like]: "LIKE", [Op.IsNull]: "ISNULL", [Op.Has]: "HAS", [Op.Between]: "BETWEEN", [Op.Str]: "STR",
  [Op.Concat]: "CONCAT", [Op.NewObject]: "NEWOBJ", [Op.SetKey]: "SETKEY", [Op.Spread]: "SPREAD", [Op.RemoveKey]: "REMOVEKEY",
  [Op.NewArray]: "NEWARR", [Op.Push]: "PUSH", [Op.PushAll]: "PUSHALL", [Op.Jump]: "JUMP", [Op.JumpIfFalse]: "JUMPF",
  [Op.JumpIfTrueKeep]: "JUMPT_KEEP", [Op.JumpIfFalseKeep]: "JUMPF_KEEP", [Op.JumpIfNotNullKeep]: "JUMPNN_KEEP",
  [Op.IterInit]: "ITER", [Op.IterNext]: "NEXT", [Op.OrderIndex]: "ORDER", [Op.Respond]: "RESPOND", [Op.Fail]: "FAIL", [Op.Return]: "RETURN",
  [Op.Canonical]: "CANONICAL", [Op.Spawn]: "SPAWN", [Op.Await]: "AWAIT",
};

/** `Input`'s first operand: where the value comes from. */
export const INPUT_SOURCES = ["path", "query", "headers", "cookies", "body", "auth"] as const;

/** `Respond`'s flags: which optional parts are on the stack (pushed in this order). */
export const RESPOND_VALUE = 1;
export const RESPOND_HEADERS = 2;
export const RESPOND_COOKIES = 4;

/** Built-ins the VM tier runs (pure functions of their arguments, plus uuid() and now()). */
export const VM_BUILTINS: ReadonlySet<string> = new Set([
  "number", "string", "lower", "upper", "trim", "slug", "substring", "replace", "starts_with", "ends_with", "pad", "pad_end",
  "matches", "format", "split", "pattern", "round", "floor", "ceil", "abs", "min", "max", "len", "sum", "sort", "unique", "join",
  "contains", "keys", "values", "omit", "pick", "now", "uuid", "date_trunc", "iso", "format_date", "epoch_ms", "year", "month",
  "day", "hour", "minute", "second", "weekday", "days", "hours", "minutes", "seconds", "date_add", "date_diff", "like_escape",
  "without_fields", "hash_token", "random_token",
]);
