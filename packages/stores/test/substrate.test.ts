// The store contract suites against the substrate implementations, on a real substrate server
// started in this process: on SQLite, and on PostgreSQL (a random schema for this file, dropped
// afterwards; skipped without HSAGENT_TEST_PG_URL, except in CI).

import { afterAll, beforeAll, describe } from "vitest";
import { auditContract } from "./contract/audit.contract.js";
import { identityContract } from "./contract/identity.contract.js";
import { nonceContract } from "./contract/nonces.contract.js";
import { sessionContract } from "./contract/sessions.contract.js";
import { pgAvailable, type ServerHandle, startServer, substrateEnv } from "./helpers/env.js";

describe.each([
  { backend: "sqlite" as const, runs: true },
  { backend: "postgres" as const, runs: pgAvailable() },
])("substrate/$backend", ({ backend, runs }) => {
  describe.runIf(runs)("store contracts", () => {
    let handle: ServerHandle;
    beforeAll(async () => {
      handle = await startServer(backend);
    });
    afterAll(() => handle?.stop());

    const env = substrateEnv(() => handle.server.url);
    for (const contract of [identityContract, sessionContract, nonceContract, auditContract]) {
      contract(`substrate/${backend}`, env);
    }
  });
});
