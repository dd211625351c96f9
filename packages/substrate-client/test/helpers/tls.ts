// A substrate serving HTTPS with a throwaway self-signed certificate (made with openssl at test
// time, see tooling/test-support), for the tests of this package and of selftest.

import { rmSync } from "node:fs";
import { startTestSubstrate, type TestSubstrate } from "@hsagent/substrate-server/testing";
import { makeTestCert } from "@hsagent/test-support";

/** A running HTTPS substrate, the PEM of its certificate, and that certificate's file. */
export interface TlsSubstrate extends TestSubstrate {
  /** The certificate (PEM), to pass as `ca`. */
  readonly ca: string;
  /** The certificate's private key (PEM). */
  readonly key: string;
  /** The certificate's file (for NODE_EXTRA_CA_CERTS). */
  readonly certFile: string;
}

/** A certificate for localhost/127.0.0.1, and a SQLite substrate serving HTTPS with it (`tls`) or not. */
export async function startWithCert(options: { tls: boolean }): Promise<TlsSubstrate> {
  const cert = makeTestCert();
  const ca = cert.cert;
  const key = cert.key;
  const tls = options.tls ? { tls: { cert: ca, key } } : {};
  const running = await startTestSubstrate("sqlite", tls);
  return {
    ...running,
    ca,
    key,
    certFile: cert.certFile,
    stop: async () => {
      await running.stop();
      rmSync(cert.dir, { recursive: true, force: true });
    },
  };
}
