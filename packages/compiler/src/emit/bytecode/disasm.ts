import { INPUT_SOURCES, Op, OP_NAMES, OPERANDS } from "./opcodes.js";
import type { BytecodeProgram } from "./program.js";

/** `kova bytecode --disasm`: the program as text, one instruction a line, constants shown inline. */
export function disassemble(program: BytecodeProgram): string {
  const lines: string[] = [`; Kova bytecode v${program.version} — app ${JSON.stringify(program.app)}`];
  lines.push(`; ${program.constants.length} constants, ${program.functions.length} functions, ${program.routes.length} routes, ${program.queries.length} queries, ${program.views.length} views`);
  program.queries.forEach((q, i) => lines.push(`.query ${i} ${q.id} on ${q.source}`));
  program.views.forEach((v, i) => lines.push(`.view ${i} ${v.name} (${v.fields.join(", ")})`));
  program.routes.forEach((r) => lines.push(`.route ${r.id} -> fn ${r.fn}`));
  const k = (i: number) => (i >= 0 && i < program.constants.length ? JSON.stringify(program.constants[i]) : `#${i}?`);
  program.functions.forEach((f, index) => {
    lines.push("");
    lines.push(`fn ${index} ${f.kind === "route" ? "route" : "FN"} ${f.name}  params=${f.params} locals=[${f.localNames.join(", ")}]`);
    const view = new DataView(f.code.buffer, f.code.byteOffset, f.code.byteLength);
    let pc = 0;
    while (pc < f.code.length) {
      const op = f.code[pc] as Op;
      const count = OPERANDS[op];
      if (count === undefined || pc + 1 + count * 4 > f.code.length) {
        lines.push(`  ${String(pc).padStart(5)}  ?? byte ${op}`);
        break;
      }
      const a: number[] = [];
      for (let i = 0; i < count; i++) a.push(view.getInt32(pc + 1 + i * 4, true));
      lines.push(`  ${String(pc).padStart(5)}  ${OP_NAMES[op].padEnd(11)} ${describe(op, a, k, f.localNames, program)}`.trimEnd());
      pc += 1 + count * 4;
    }
  });
  return lines.join("\n") + "\n";
}

function describe(op: Op, a: number[], k: (i: number) => string, locals: string[], program: BytecodeProgram): string {
  const local = (i: number) => `${i} (${locals[i] ?? "?"})`;
  switch (op) {
    case Op.Const: case Op.Member: case Op.SetKey: case Op.RemoveKey: return k(a[0]);
    case Op.Load: case Op.Store: case Op.IterInit: return local(a[0]);
    case Op.Input: return `${INPUT_SOURCES[a[0]] ?? "?"}${a[1] === -1 ? "" : `.${JSON.parse(k(a[1]))}`}`;
    case Op.Builtin: return `${JSON.parse(k(a[0]))}/${a[1]}`;
    case Op.Call: case Op.Spawn: return `fn ${a[0]} (${program.functions[a[0]]?.name ?? "?"})/${a[1]}`;
    case Op.Query: return `${program.queries[a[0]]?.id ?? "?"}/${a[1]}`;
    case Op.Coerce: case Op.Canonical: return `${k(a[0])} ${k(a[1])}`;
    case Op.View: return program.views[a[0]]?.name ?? "?";
    case Op.IterNext: return `${local(a[0])} -> ${local(a[1])} else ${a[2]}`;
    case Op.OrderIndex: return `${k(a[0])} ${k(a[1])}`;
    case Op.Respond: return `${a[0]} flags=${a[1]}${a[2] === -1 ? "" : ` notFound=${k(a[2])}`}${a[3] === -1 ? "" : ` serialize=${program.queries[a[3]]?.id ?? "?"}`}`;
    default: return a.join(" ");
  }
}
