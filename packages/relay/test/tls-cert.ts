// Test helper: a throwaway self-signed certificate for localhost/127.0.0.1, made with the
// openssl binary in a fresh temporary directory (nothing is committed to the repository).

import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** Paths and contents of a fresh self-signed certificate and its key. */
export interface TestCert {
  dir: string;
  certFile: string;
  keyFile: string;
  cert: Buffer;
  key: Buffer;
}

/** Create a P-256 self-signed certificate valid for one day for `localhost` and 127.0.0.1. */
export function makeTestCert(): TestCert {
  const dir = mkdtempSync(join(tmpdir(), "hsagent-relay-tls-"));
  const certFile = join(dir, "cert.pem");
  const keyFile = join(dir, "key.pem");
  execFileSync(
    "openssl",
    [
      "req",
      "-x509",
      "-newkey",
      "ec",
      "-pkeyopt",
      "ec_paramgen_curve:prime256v1",
      "-nodes",
      "-days",
      "1",
      "-subj",
      "/CN=localhost",
      "-addext",
      "subjectAltName=DNS:localhost,IP:127.0.0.1",
      "-keyout",
      keyFile,
      "-out",
      certFile,
    ],
    { stdio: "ignore" },
  );
  return { dir, certFile, keyFile, cert: readFileSync(certFile), key: readFileSync(keyFile) };
}
