// The store contract suites against the substrate implementations, on a real
// substrate server (SQLite backend) started in this process.

import { afterAll, beforeAll } from "vitest";
import { auditContract } from "./contract/audit.contract.js";
import { identityContract } from "./contract/identity.contract.js";
import { nonceContract } from "./contract/nonces.contract.js";
import { sessionContract } from "./contract/sessions.contract.js";
import { type ServerHandle, startServer, substrateEnv } from "./helpers/env.js";

let handle: ServerHandle;
beforeAll(async () => {
  handle = await startServer("sqlite");
});
afterAll(() => handle?.stop());

const env = substrateEnv(() => handle.server.url);
identityContract("substrate/sqlite", env);
sessionContract("substrate/sqlite", env);
nonceContract("substrate/sqlite", env);
auditContract("substrate/sqlite", env);
