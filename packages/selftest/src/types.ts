// Public types of @hsagent/selftest: the options of a run, one result per
// check, and the report. Kept in one small module so the bin, the runner and
// callers (the agent's start-up) share exactly one shape.

import type { Backend } from "@hsagent/crypto";

/** Stable names of the checks, in the order they run. */
export const CHECK_NAMES = [
  "login",
  "objects",
  "version-clash",
  "associations",
  "tenant-isolation",
  "nonces",
  "sessions",
  "audit",
  "crypto-native",
  "crypto-noble",
  "vault",
  "cleanup",
] as const;

/** The name of one check (see {@link CHECK_NAMES}). */
export type CheckName = (typeof CHECK_NAMES)[number];

/** Outcome of one check. */
export interface CheckResult {
  /** Which check. */
  readonly name: CheckName;
  /** True if every assertion of the check held. */
  readonly ok: boolean;
  /** Wall time the check took, in milliseconds (one decimal). */
  readonly ms: number;
  /** Short human reason when `ok` is false (one line, never a secret). */
  readonly error?: string;
}

/** Outcome of a whole run. */
export interface SelfTestReport {
  /** True iff every check passed. */
  readonly ok: boolean;
  /** One entry per check, in run order. */
  readonly checks: readonly CheckResult[];
}

/** Crypto backends to test, replacing the built-in ones (to vet a custom or patched backend). */
export interface SelfTestBackends {
  /** Backend used by the `crypto-native` check and to seal the vault (default: the native backend). */
  readonly native?: Backend;
  /** Backend used by the `crypto-noble` check and to open the vault (default: the noble backend). */
  readonly noble?: Backend;
}

/** Options of {@link runSelfTest}. */
export interface SelfTestOptions {
  /** Substrate origin, e.g. `http://127.0.0.1:7780` (the API lives under `/api`). */
  readonly baseUrl: string;
  /** Time limit of each check and of each HTTP request, ms (default 15000). */
  readonly timeoutMs?: number;
  /** Called after each check, in order (progress output). Exceptions it throws are ignored. */
  readonly onCheck?: (result: CheckResult) => void;
  /** Crypto backends under test (default: the native and noble backends of @hsagent/crypto). */
  readonly backends?: SelfTestBackends;
  /** Extra CA certificates (PEM) to trust for an `https://` substrate, besides the system roots. */
  readonly ca?: string;
}
