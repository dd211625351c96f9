// The store contract suites against the in-memory implementations.

import { auditContract } from "./contract/audit.contract.js";
import { identityContract } from "./contract/identity.contract.js";
import { nonceContract } from "./contract/nonces.contract.js";
import { sessionContract } from "./contract/sessions.contract.js";
import { memoryEnv } from "./helpers/env.js";

const env = memoryEnv();
identityContract("memory", env);
sessionContract("memory", env, 50);
nonceContract("memory", env);
auditContract("memory", env);
