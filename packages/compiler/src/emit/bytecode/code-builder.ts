import { OPERANDS, type Op } from "./opcodes.js";

/** Writes one function's instructions; jumps to labels are patched when the label is placed. */
export class CodeBuilder {
  private bytes: number[] = [];
  private readonly labels: Array<number | null> = [];
  private readonly patches: Array<{ at: number; label: number }> = [];

  emit(op: Op, ...operands: number[]): void {
    if (operands.length !== OPERANDS[op]) throw new Error(`internal: opcode ${op} takes ${OPERANDS[op]} operands, got ${operands.length}`);
    this.bytes.push(op);
    for (const o of operands) this.int(o);
  }

  /** A jump-like instruction whose last operand is a label's position. */
  jump(op: Op, label: number, ...before: number[]): void {
    this.bytes.push(op);
    for (const o of before) this.int(o);
    this.patches.push({ at: this.bytes.length, label });
    this.int(0);
  }

  label(): number {
    this.labels.push(null);
    return this.labels.length - 1;
  }

  place(label: number): void {
    this.labels[label] = this.bytes.length;
  }

  finish(): Uint8Array {
    const out = Uint8Array.from(this.bytes);
    const view = new DataView(out.buffer);
    for (const p of this.patches) {
      const target = this.labels[p.label];
      if (target === null || target === undefined) throw new Error("internal: a jump to a label never placed");
      view.setInt32(p.at, target, true);
    }
    return out;
  }

  private int(n: number): void {
    const b = new DataView(new ArrayBuffer(4));
    b.setInt32(0, n, true);
    for (let i = 0; i < 4; i++) this.bytes.push(b.getUint8(i));
  }
}
