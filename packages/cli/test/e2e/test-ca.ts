/**
 * A certificate authority made for one test with the openssl CLI: a CA, and server certificates
 * it signs for 127.0.0.1 / localhost. Nothing is downloaded and nothing outlives the test folder.
 */
import { execFileSync } from "node:child_process";
import { X509Certificate } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export interface TestCa {
  /** The CA certificate (PEM), what a client trusts. */
  caPem: string;
  caCert: string;
  /** Signs a server certificate for 127.0.0.1 and localhost; returns its paths and SHA-256 fingerprint. */
  issue(name: string): { cert: string; key: string; fingerprint: string };
}

function openssl(dir: string, args: string[]): void {
  execFileSync("openssl", args, { cwd: dir, stdio: ["ignore", "ignore", "pipe"] });
}

export function makeTestCa(dir: string, name = "Kova Test CA"): TestCa {
  const caKey = join(dir, `${name.replace(/\W+/g, "-")}.key`);
  const caCert = join(dir, `${name.replace(/\W+/g, "-")}.crt`);
  openssl(dir, ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", caKey, "-out", caCert, "-days", "2", "-subj", `/CN=${name}`]);
  let serial = 1;
  return {
    caPem: readFileSync(caCert, "utf8"),
    caCert,
    issue(server: string) {
      const key = join(dir, `${server}.key`);
      const csr = join(dir, `${server}.csr`);
      const cert = join(dir, `${server}.crt`);
      const ext = join(dir, `${server}.ext`);
      writeFileSync(ext, "subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature\nextendedKeyUsage=serverAuth\n");
      openssl(dir, ["req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", key, "-out", csr, "-subj", `/CN=${server}`]);
      openssl(dir, ["x509", "-req", "-in", csr, "-CA", caCert, "-CAkey", caKey, "-set_serial", String(serial++), "-days", "2", "-out", cert, "-extfile", ext]);
      return { cert, key, fingerprint: new X509Certificate(readFileSync(cert)).fingerprint256 };
    },
  };
}
