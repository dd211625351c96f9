// `--tls-cert FILE --tls-key FILE` of `hsagent substrate serve`: both or neither, each a readable PEM
// file. The key's content never appears in errors.

import { readFileSync } from "node:fs";
import { UsageError } from "./errors.js";

/** Certificate chain and private key (PEM) for the server's HTTPS. */
export interface TlsPem {
  readonly cert: string;
  readonly key: string;
}

function readPem(path: string, flag: string, marker: RegExp): string {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    throw new UsageError(
      `${flag}: cannot read ${path} (${(err as NodeJS.ErrnoException).code ?? "error"})`,
      "TLS_FILE",
    );
  }
  if (!marker.test(text))
    throw new UsageError(`${flag}: ${path} is not a PEM file of the right kind`, "TLS_FILE");
  return text;
}

/** Read the TLS pair from the flags; null when neither is given. */
export function readTlsFlags(certFile: string | undefined, keyFile: string | undefined): TlsPem | null {
  if (certFile === undefined && keyFile === undefined) return null;
  if (certFile === undefined || keyFile === undefined) {
    throw new UsageError("--tls-cert and --tls-key go together", "TLS_FILE");
  }
  return {
    cert: readPem(certFile, "--tls-cert", /-----BEGIN CERTIFICATE-----/),
    key: readPem(keyFile, "--tls-key", /-----BEGIN [A-Z ]*PRIVATE KEY-----/),
  };
}
