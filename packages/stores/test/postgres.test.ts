// The store contract suites against the substrate implementations, on a real
// substrate server backed by PostgreSQL (a random schema for this file,
// dropped afterwards). Skipped without HSAGENT_TEST_PG_URL, except in CI.

import { afterAll, beforeAll, describe } from "vitest";
import { auditContract } from "./contract/audit.contract.js";
import { identityContract } from "./contract/identity.contract.js";
import { nonceContract } from "./contract/nonces.contract.js";
import { sessionContract } from "./contract/sessions.contract.js";
import { pgAvailable, type ServerHandle, startServer, substrateEnv } from "./helpers/env.js";

describe.runIf(pgAvailable())("substrate/postgres", () => {
  let handle: ServerHandle;
  beforeAll(async () => {
    handle = await startServer("postgres");
  });
  afterAll(() => handle?.stop());

  const env = substrateEnv(() => handle.server.url);
  identityContract("substrate/postgres", env);
  sessionContract("substrate/postgres", env);
  nonceContract("substrate/postgres", env);
  auditContract("substrate/postgres", env);
});
