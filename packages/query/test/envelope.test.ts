// The envelope of ENCRYPTED fields (secrets/envelope.ts): values round-trip, are bound to their
// entity and field, fail loudly when altered; master keys are read from the environment with
// errors naming the variable; a data key wrapped by a retired master key still unwraps; and the
// record codec refuses plaintext in an ENCRYPTED field.
import assert from "node:assert/strict";
import { test } from "node:test";
import { checkFieldValue, ciphertextKeyId, DataKeyError, decryptValue, encryptValue, isCiphertext, MasterKeys, newDataKey, type FieldSchema } from "../src/index.js";

const KEY = Buffer.alloc(32, 3).toString("base64");
const OLD = Buffer.alloc(32, 4).toString("base64");

test("a value round-trips, is versioned by its prefix, names its data key and never shows the plaintext", async () => {
  const key = await newDataKey();
  const stored = await encryptValue(key, "Ada Lovelace", "Patient", "name");
  assert.ok(isCiphertext(stored) && stored.startsWith("kova1:"));
  assert.equal(ciphertextKeyId(stored), key.id);
  assert.ok(!stored.includes("Ada"));
  assert.notEqual(stored, await encryptValue(key, "Ada Lovelace", "Patient", "name"), "a fresh IV every time");
  assert.equal(await decryptValue(key, stored, "Patient", "name"), "Ada Lovelace");
});

test("a value does not open in another field, under another key, or once altered", async () => {
  const key = await newDataKey();
  const stored = await encryptValue(key, "ada@example.com", "Patient", "email");
  await assert.rejects(decryptValue(key, stored, "Patient", "name"), DataKeyError);
  await assert.rejects(decryptValue({ ...(await newDataKey()), id: key.id }, stored, "Patient", "email"), DataKeyError);
  const body = stored.slice(stored.lastIndexOf(":") + 1);
  const flipped = stored.slice(0, stored.length - body.length) + (body[0] === "A" ? "B" : "A") + body.slice(1);
  await assert.rejects(decryptValue(key, flipped, "Patient", "email"), /altered/);
});

test("master keys: errors name the variable; a data key wrapped by a retired key still unwraps", async () => {
  await assert.rejects(MasterKeys.fromEnv({}), /KOVA_DATA_KEY is not set/);
  await assert.rejects(MasterKeys.fromEnv({ KOVA_DATA_KEY: Buffer.alloc(16).toString("base64") }), /KOVA_DATA_KEY holds 16 bytes; AES-256 needs 32/);
  await assert.rejects(MasterKeys.fromEnv({ KOVA_DATA_KEY: KEY, KOVA_DATA_KEYS_RETIRED: "short" }), /KOVA_DATA_KEYS_RETIRED \(key 1\)/);
  const old = await MasterKeys.fromEnv({ KOVA_DATA_KEY: OLD });
  const both = await MasterKeys.fromEnv({ KOVA_DATA_KEY: KEY, KOVA_DATA_KEYS_RETIRED: OLD });
  const alone = await MasterKeys.fromEnv({ KOVA_DATA_KEY: KEY });
  assert.match(old.current.id, /^[0-9a-f]{8}$/);
  assert.notEqual(old.current.id, alone.current.id);
  const dataKey = await newDataKey();
  const wrapped = await old.wrap(dataKey);
  const value = await encryptValue(dataKey, "x", "E", "f");
  assert.equal(await decryptValue(await both.unwrap(dataKey.id, wrapped.master, wrapped.wrapped), value, "E", "f"), "x");
  await assert.rejects(alone.unwrap(dataKey.id, wrapped.master, wrapped.wrapped), /neither KOVA_DATA_KEY nor in KOVA_DATA_KEYS_RETIRED/);
  await assert.rejects(both.unwrap((await newDataKey()).id, wrapped.master, wrapped.wrapped), /does not unwrap/, "bound to its key id");
});

test("the record codec refuses plaintext in an ENCRYPTED field and passes ciphertext through", async () => {
  const field: FieldSchema = { name: "email", type: "string", optional: true, unique: false, index: false, rich: { name: "email" }, encrypted: true };
  assert.throws(() => checkFieldValue(field, "ada@example.com"), /ENCRYPTED but was written without encryption/);
  const stored = await encryptValue(await newDataKey(), "ada@example.com", "Patient", "email");
  assert.equal(checkFieldValue(field, stored), stored);
  assert.equal(checkFieldValue(field, null), null);
});
