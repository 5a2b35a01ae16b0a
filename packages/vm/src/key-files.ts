import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { generateSigningKey, signingKeyFromPem, type SigningKey } from "./signing.js";

/** Where `kova build --target bytecode` keeps the app's key pair when none is configured (KOVA_SIGNING_KEY). */
export const KEY_FILES = { dir: ".kova/keys", private: "bytecode-signing.pem", public: "bytecode-signing.pub.pem" } as const;

/** The app's signing key: $KOVA_SIGNING_KEY (a PEM file), else .kova/keys/, made there (0600) on first use. */
export function readKeyPair(appDir: string, env: NodeJS.ProcessEnv = process.env): { key: SigningKey; created: boolean; path: string } {
  const configured = env.KOVA_SIGNING_KEY;
  if (configured !== undefined && configured !== "") return { key: signingKeyFromPem(readFileSync(configured, "utf8")), created: false, path: configured };
  const path = join(appDir, KEY_FILES.dir, KEY_FILES.private);
  if (existsSync(path)) return { key: signingKeyFromPem(readFileSync(path, "utf8")), created: false, path };
  const key = generateSigningKey();
  writeKeyPair(join(appDir, KEY_FILES.dir), key);
  return { key, created: true, path };
}

export function writeKeyPair(dir: string, key: SigningKey): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  writeFileSync(join(dir, KEY_FILES.private), key.privateKey.export({ format: "pem", type: "pkcs8" }), { mode: 0o600 });
  writeFileSync(join(dir, KEY_FILES.public), key.publicKey.export({ format: "pem", type: "spki" }));
}
