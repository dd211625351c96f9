// runSelfTest: probes that the substrate answers at all, then runs every
// check in order, each under its own time limit, catching its failure so the
// next ones still run. Results are timed, reported through onCheck as they
// complete, and carry a short secret-free reason when they fail.

import { performance } from "node:perf_hooks";
import { associationsCheck } from "./checks/associations.js";
import { auditCheck } from "./checks/audit.js";
import { cleanupCheck } from "./checks/cleanup.js";
import { cryptoNativeCheck, cryptoNobleCheck } from "./checks/crypto.js";
import { loginCheck } from "./checks/login.js";
import { noncesCheck } from "./checks/nonces.js";
import { objectsCheck } from "./checks/objects.js";
import { sessionsCheck } from "./checks/sessions.js";
import { tenantIsolationCheck } from "./checks/tenant.js";
import type { CheckFn } from "./checks/types.js";
import { vaultCheck } from "./checks/vault.js";
import { versionClashCheck } from "./checks/version-clash.js";
import { RunContext } from "./context.js";
import { CheckFailure, SelftestError } from "./errors.js";
import { probeReachable } from "./http.js";
import { humanError, Redactor } from "./redact.js";
import type { CheckName, CheckResult, SelfTestOptions, SelfTestReport } from "./types.js";

/** Default time limit of one check and of one HTTP request, ms. */
export const DEFAULT_TIMEOUT_MS = 15_000;

const CHECKS: ReadonlyArray<readonly [CheckName, CheckFn]> = [
  ["login", loginCheck],
  ["objects", objectsCheck],
  ["version-clash", versionClashCheck],
  ["associations", associationsCheck],
  ["tenant-isolation", tenantIsolationCheck],
  ["nonces", noncesCheck],
  ["sessions", sessionsCheck],
  ["audit", auditCheck],
  ["crypto-native", cryptoNativeCheck],
  ["crypto-noble", cryptoNobleCheck],
  ["vault", vaultCheck],
  ["cleanup", cleanupCheck],
];

function withTimeout(work: Promise<void>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new CheckFailure(`did not finish within ${ms} ms`)), ms);
  });
  return Promise.race([work, limit]).finally(() => clearTimeout(timer));
}

function checkOptions(options: SelfTestOptions): { baseUrl: string; timeoutMs: number } {
  let url: URL;
  try {
    url = new URL(options.baseUrl);
  } catch {
    throw new SelftestError("baseUrl is not a URL", "INVALID_ARGUMENT");
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new SelftestError("baseUrl must be an http(s) URL", "INVALID_ARGUMENT");
  }
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  if (!Number.isInteger(timeoutMs) || timeoutMs < 1 || timeoutMs > 3_600_000) {
    throw new SelftestError("timeoutMs must be an integer in 1..3600000", "INVALID_ARGUMENT");
  }
  return { baseUrl: url.origin, timeoutMs };
}

/**
 * Runs the pre-flight checks against the substrate at `baseUrl`, with two
 * temporary accounts it provisions itself, and removes everything it created
 * (accounts cannot be deleted through the API and stay, empty).
 *
 * @returns the report: `ok` iff every check passed.
 * @throws SelftestError `INVALID_ARGUMENT` (bad options) or `SUBSTRATE_UNREACHABLE`
 *   (no HTTP answer at `baseUrl`): then no check ran.
 * @example
 * const report = await runSelfTest({ baseUrl: "http://127.0.0.1:7780" });
 * if (!report.ok) console.error(report.checks.filter((c) => !c.ok));
 */
export async function runSelfTest(options: SelfTestOptions): Promise<SelfTestReport> {
  const { baseUrl, timeoutMs } = checkOptions(options);
  await probeReachable(baseUrl, timeoutMs, options.ca);
  const ctx = new RunContext({
    baseUrl,
    timeoutMs,
    ca: options.ca,
    redactor: new Redactor(),
    ...(options.backends ? { backends: options.backends } : {}),
  });
  const checks: CheckResult[] = [];
  for (const [name, fn] of CHECKS) {
    const started = performance.now();
    let error: string | undefined;
    try {
      await withTimeout(
        Promise.resolve().then(() => fn(ctx)),
        timeoutMs,
      );
    } catch (thrown) {
      error = humanError(thrown, ctx.redactor);
    }
    const ms = Math.round((performance.now() - started) * 10) / 10;
    const result: CheckResult = error === undefined ? { name, ok: true, ms } : { name, ok: false, ms, error };
    checks.push(result);
    try {
      options.onCheck?.(result);
    } catch {
      // a faulty progress callback must not break the run
    }
  }
  return { ok: checks.every((c) => c.ok), checks };
}
