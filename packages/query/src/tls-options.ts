/**
 * TLS to a database server, the same setting for every server driver (PostgreSQL, MySQL, Redis):
 *
 *   tls: true                                  encrypt, verify the server against the system CAs
 *   tls: { caFile: "/etc/ssl/db-ca.pem" }      … against this CA (PEM file), e.g. a cloud's RDS bundle
 *   tls: { ca: env("DB_CA_PEM") }              … against this CA given as PEM text
 *   tls: { servername: "db.internal" }         the name the certificate must carry, if not the host
 *   tls: { verify: false }                     encrypt without verifying (named so it is never an accident)
 *
 * Verification is on unless `verify: false` says otherwise: an attacker between the app and the
 * database must not be able to present any certificate it likes.
 */
import { readFileSync } from "node:fs";
import type { ConnectionOptions } from "node:tls";

export type TlsSetting = boolean | { ca?: string; caFile?: string; servername?: string; verify?: boolean };

const KEYS = ["ca", "caFile", "servername", "verify"];

/** node:tls options for the setting, or undefined for none (plain TCP). Errors name the data source. */
export function tlsConnectionOptions(setting: unknown, source: string): ConnectionOptions | undefined {
  if (setting === undefined || setting === null || setting === false) return undefined;
  if (setting === true) return { rejectUnauthorized: true };
  if (typeof setting !== "object" || Array.isArray(setting)) throw new Error(`data source "${source}": tls must be true, false or an object with ca, caFile, servername, verify`);
  const given = setting as Record<string, unknown>;
  for (const key of Object.keys(given)) if (!KEYS.includes(key)) throw new Error(`data source "${source}": unknown tls setting "${key}"; known: ${KEYS.join(", ")}`);
  const out: ConnectionOptions = { rejectUnauthorized: given.verify !== false };
  if (given.verify !== undefined && typeof given.verify !== "boolean") throw new Error(`data source "${source}": tls.verify must be true or false`);
  if (given.ca !== undefined) {
    if (typeof given.ca !== "string" || !given.ca.includes("-----BEGIN CERTIFICATE-----")) throw new Error(`data source "${source}": tls.ca must be PEM text (-----BEGIN CERTIFICATE-----…)`);
    out.ca = given.ca;
  }
  if (given.caFile !== undefined) {
    if (typeof given.caFile !== "string") throw new Error(`data source "${source}": tls.caFile must be a path`);
    try {
      out.ca = readFileSync(given.caFile, "utf8");
    } catch (error) {
      throw new Error(`data source "${source}": cannot read tls.caFile ${given.caFile}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
    }
  }
  if (given.servername !== undefined) {
    if (typeof given.servername !== "string") throw new Error(`data source "${source}": tls.servername must be a host name`);
    out.servername = given.servername;
  }
  return out;
}
