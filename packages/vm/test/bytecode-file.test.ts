/**
 * Forged, altered and mis-signed bytecode: each refused by the loader, before anything runs, with
 * the reason named. A file signed by a trusted key is still verified instruction by instruction.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { test } from "node:test";
import { bytecode } from "@kova/compiler";
import { BytecodeLoadError, generateSigningKey, loadBytecode, signProgram, type LoadRefusal } from "../src/index.js";
import { compileProgram, execute, KEY } from "./helpers.js";

const SOURCE = `FN twice(x: int) {\n  RETURN x * 2\n}\nGET /x {\n  RESPOND { v: twice(21), s: "a{1 + 1}" }\n}`;

function refused(file: Uint8Array, reason: LoadRefusal, trusted = [KEY.publicKey]): BytecodeLoadError {
  try {
    loadBytecode(file, trusted);
  } catch (error) {
    assert.ok(error instanceof BytecodeLoadError, String(error));
    assert.equal(error.reason, reason, error.message);
    assert.equal(error.problem().type, `urn:kova:problem:bytecode-${reason}`);
    return error;
  }
  assert.fail(`the file was loaded; expected a ${reason} refusal`);
}

/** Re-signs a program changed by `edit`, with the trusted key: the loader's own checks must catch it. */
async function signedWith(edit: (p: bytecode.BytecodeProgram) => void): Promise<Uint8Array> {
  const { ready } = await compileProgram(SOURCE);
  const program = structuredClone(ready.program);
  edit(program);
  return signProgram(program, KEY).file;
}

test("a signed program loads and runs; its hash is the SHA-256 of header and body", async () => {
  const { ready, file } = await compileProgram(SOURCE);
  const run = await execute(ready, "GET /x");
  assert.deepEqual(run.body, { v: 42, s: "a2" });
  const body = file.subarray(0, file.length - bytecode.TRAILER_BYTES);
  assert.equal(ready.hash, createHash("sha256").update(body).digest("hex"));
  assert.equal(Buffer.from(file.subarray(0, 6)).toString(), "KOVABC");
});

test("the same program compiles to the same bytes (its hash is its identity)", async () => {
  const a = await compileProgram(SOURCE);
  const b = await compileProgram(SOURCE);
  assert.equal(a.ready.hash, b.ready.hash);
});

test("a file that is not bytecode", () => {
  refused(new TextEncoder().encode("console.log('hi') // not bytecode at all"), "not-bytecode");
  refused(new Uint8Array(3), "not-bytecode");
});

test("a newer format version", async () => {
  const { file } = await compileProgram(SOURCE);
  const changed = Uint8Array.from(file);
  changed[8] = 2;
  const error = refused(changed, "wrong-version");
  assert.match(error.message, /version 2; this VM reads version 1/);
});

test("one byte of the body altered", async () => {
  const { file } = await compileProgram(SOURCE);
  for (const at of [20, Math.floor(file.length / 2), file.length - bytecode.TRAILER_BYTES - 1]) {
    const changed = Uint8Array.from(file);
    changed[at] ^= 0x01;
    refused(changed, "bad-hash");
  }
});

test("a truncated file, and one with bytes appended", async () => {
  const { file } = await compileProgram(SOURCE);
  refused(file.subarray(0, file.length - 10), "malformed");
  refused(Uint8Array.from([...file, 0]), "malformed");
});

test("a body altered and its hash recomputed (the signature no longer matches)", async () => {
  const { file } = await compileProgram(SOURCE);
  const bodyEnd = file.length - bytecode.TRAILER_BYTES;
  const changed = Uint8Array.from(file);
  changed[bodyEnd - 1] ^= 0x01;
  changed.set(createHash("sha256").update(changed.subarray(0, bodyEnd)).digest(), bodyEnd);
  refused(changed, "bad-signature");
});

test("a signature copied from another program", async () => {
  const { file } = await compileProgram(SOURCE);
  const other = (await compileProgram(`GET /x {\n  RESPOND { two: 1 + 1 }\n}`)).file;
  const changed = Uint8Array.from(file);
  changed.set(other.subarray(other.length - 64), file.length - 64);
  refused(changed, "bad-signature");
});

test("a program signed with an unknown key", async () => {
  const { ready } = await compileProgram(SOURCE);
  const stranger = generateSigningKey();
  const error = refused(signProgram(ready.program, stranger).file, "unknown-key");
  assert.match(error.message, /not among the 1 trusted key/);
});

test("the trusted key's id on a stranger's signature", async () => {
  const { ready } = await compileProgram(SOURCE);
  const stranger = generateSigningKey();
  const file = Uint8Array.from(signProgram(ready.program, stranger).file);
  const own = signProgram(ready.program, KEY).file;
  file.set(own.subarray(own.length - 96, own.length - 64), file.length - 96);
  refused(file, "bad-signature");
});

test("after a key rotation, programs signed with the old key are refused", async () => {
  const { ready } = await compileProgram(SOURCE);
  const old = generateSigningKey();
  const rotated = generateSigningKey();
  const file = signProgram(ready.program, old).file;
  assert.ok(loadBytecode(file, [old.publicKey, rotated.publicKey]));
  refused(file, "unknown-key", [rotated.publicKey]);
});

test("signed, but an unknown opcode", async () => {
  const file = await signedWith((p) => {
    const f = p.functions[0];
    f.code = Uint8Array.from([250, ...f.code]);
  });
  assert.match(refused(file, "malformed").message, /unknown opcode 250/);
});

test("signed, but a jump outside the code", async () => {
  const file = await signedWith((p) => {
    const code = new bytecode.CodeBuilder();
    const far = code.label();
    code.jump(bytecode.Op.Jump, far);
    code.place(far);
    const bytes = code.finish();
    new DataView(bytes.buffer).setInt32(1, 9999, true);
    p.functions[p.functions.length - 1].code = Uint8Array.from([...bytes, ...p.functions[p.functions.length - 1].code]);
  });
  assert.match(refused(file, "malformed").message, /jump to byte 9999/);
});

test("signed, but a slot outside the frame", async () => {
  const file = await signedWith((p) => {
    const code = new bytecode.CodeBuilder();
    code.emit(bytecode.Op.Load, 77);
    p.functions[0].code = Uint8Array.from([...code.finish(), ...p.functions[0].code]);
  });
  assert.match(refused(file, "malformed").message, /slot 77/);
});

test("signed, but a built-in outside the VM's list (constructor, process)", async () => {
  for (const name of ["constructor", "process", "fetch_json", "hash_password"]) {
    const file = await signedWith((p) => {
      p.constants.push(name);
      const code = new bytecode.CodeBuilder();
      code.emit(bytecode.Op.Builtin, p.constants.length - 1, 0);
      p.functions[0].code = Uint8Array.from([...code.finish(), ...p.functions[0].code]);
    });
    assert.match(refused(file, "malformed").message, /is not a built-in of the VM/);
  }
});

test("signed, but a call with the wrong number of arguments", async () => {
  const file = await signedWith((p) => {
    const code = new bytecode.CodeBuilder();
    code.emit(bytecode.Op.Call, 0, 5);
    p.functions[1].code = Uint8Array.from([...code.finish(), ...p.functions[1].code]);
  });
  assert.match(refused(file, "malformed").message, /takes 1 arguments, not 5/);
});

test("signed, hand-written recursion is stopped by the stack quota", async () => {
  const file = await signedWith((p) => {
    // FN twice calls itself forever (the checker refuses recursion in source; bytecode can still hold it).
    const code = new bytecode.CodeBuilder();
    code.emit(bytecode.Op.Load, 0);
    code.emit(bytecode.Op.Call, 0, 1);
    code.emit(bytecode.Op.Return);
    p.functions[0].code = code.finish();
  });
  const ready = loadBytecode(file, [KEY.publicKey]);
  const run = await execute(ready, "GET /x", {}, { stackDepth: 200 });
  assert.equal(run.problem?.quota, "stackDepth");
});

test("signed, a hand-written endless loop is stopped by fuel, and by the deadline with fuel to spare", async () => {
  const file = await signedWith((p) => {
    const code = new bytecode.CodeBuilder();
    const top = code.label();
    code.place(top);
    code.jump(bytecode.Op.Jump, top);
    p.functions[p.functions.length - 1].code = code.finish();
  });
  const ready = loadBytecode(file, [KEY.publicKey]);
  assert.equal((await execute(ready, "GET /x", {}, { fuel: 1_000_000 })).problem?.quota, "fuel");
  const started = performance.now();
  const run = await execute(ready, "GET /x", {}, { fuel: 1e15, deadlineMs: 50 });
  assert.equal(run.problem?.quota, "deadlineMs");
  // Stopped by the loop itself: within a few ms of the deadline (the machine is shared, so with slack).
  assert.ok(performance.now() - started < 50 + 100, `${performance.now() - started} ms`);
});

test("a route table that names a function which is not a handler", async () => {
  const file = await signedWith((p) => {
    p.routes[0].fn = 0;
  });
  assert.match(refused(file, "malformed").message, /not a handler/);
});
