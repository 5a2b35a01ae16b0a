export { compileBytecode, bytecodeRefusals, type BytecodeResult } from "./compile.js";
export { encodeProgram, decodeProgram, readHeader, BytecodeFormatError, MAGIC, HEADER_BYTES, TRAILER_BYTES } from "./format.js";
export { BYTECODE_VERSION, type BytecodeProgram, type BytecodeFunction, type BytecodeQuery, type BytecodeView } from "./program.js";
export { Op, OPERANDS, OP_NAMES, INPUT_SOURCES, RESPOND_VALUE, RESPOND_HEADERS, RESPOND_COOKIES, VM_BUILTINS } from "./opcodes.js";
export { CodeBuilder } from "./code-builder.js";
export { compileRegex, regexRefusal, LinearRegex, RegexRefusal } from "./linear-regex.js";
export { disassemble } from "./disasm.js";
