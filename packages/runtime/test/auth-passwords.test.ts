// hash_password / verify_password / password_needs_rehash (issue 14 item 3).
import assert from "node:assert/strict";
import { test } from "node:test";
import { hash } from "@node-rs/argon2";
import { hashPassword, passwordNeedsRehash, randomToken, verifyPassword } from "../src/index.js";

test("a hash verifies its password and no other; each hash has its own salt", async () => {
  const a = await hashPassword("correct horse battery staple");
  const b = await hashPassword("correct horse battery staple");
  assert.match(a, /^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
  assert.notEqual(a, b);
  assert.equal(await verifyPassword("correct horse battery staple", a), true);
  assert.equal(await verifyPassword("correct horse battery stapler", a), false);
  assert.equal(await verifyPassword("", a), false);
  assert.equal(await verifyPassword(42, a), false);
  assert.equal(passwordNeedsRehash(a), false);
});

test("no stored hash (unknown user), or an unreadable one, is false — after a full verify against a dummy", async () => {
  for (const stored of [null, undefined, "", "plain text", "$argon2id$v=19$m=999999999,t=99,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaA"]) {
    assert.equal(await verifyPassword("kova dummy password", stored), false, String(stored));
  }
});

test("an old hash made with a lower cost still verifies, and is flagged for an upgrade", async () => {
  const old = await hash("an old password", { algorithm: 2, memoryCost: 8192, timeCost: 1, parallelism: 1 });
  assert.equal(await verifyPassword("an old password", old), true);
  assert.equal(passwordNeedsRehash(old), true);
  assert.equal(passwordNeedsRehash(null), true);
});

test("hash_password refuses empty and over-long input; random_token bounds its length", async () => {
  await assert.rejects(hashPassword(""), /non-empty/);
  await assert.rejects(hashPassword("x".repeat(1025)), /at most 1024/);
  assert.equal(randomToken(16).length, 22);
  assert.throws(() => randomToken(8), /16 to 1024/);
});
