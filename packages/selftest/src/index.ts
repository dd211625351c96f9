// Public API of @hsagent/selftest: the agent's pre-flight check. runSelfTest
// proves, against the live substrate, that every piece the agent relies on
// works (accounts, objects, version clashes, association paging, tenant
// isolation, nonce/session/audit stores, both crypto backends, the vault) and
// cleans up after itself; formatReport renders the human checklist.

export { CheckFailure, NotRunError, SelftestError, type SelftestErrorCode } from "./errors.js";
export { type FormatOptions, formatCheck, formatReport } from "./format.js";
export { DEFAULT_TIMEOUT_MS, runSelfTest } from "./run.js";
export {
  CHECK_NAMES,
  type CheckName,
  type CheckResult,
  type SelfTestBackends,
  type SelfTestOptions,
  type SelfTestReport,
} from "./types.js";
