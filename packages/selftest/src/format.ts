// The human checklist of a selftest report: one line per check
// (`✓ name  12.3 ms`, or `✗ name  4.0 ms  reason`) and a summary line.

import type { CheckResult, SelfTestReport } from "./types.js";

/** Options of {@link formatReport} / {@link formatCheck}. */
export interface FormatOptions {
  /** Width the check names are padded to (default: 16, the longest name). */
  readonly nameWidth?: number;
}

/** One checklist line (no newline). */
export function formatCheck(result: CheckResult, options: FormatOptions = {}): string {
  const mark = result.ok ? "✓" : "✗";
  const name = result.name.padEnd(options.nameWidth ?? 16);
  const ms = `${result.ms.toFixed(1)} ms`.padStart(10);
  return `${mark} ${name}${ms}${result.ok ? "" : `  ${result.error ?? "failed"}`}`;
}

/** The whole checklist plus a summary line, newline-terminated. */
export function formatReport(report: SelfTestReport, options: FormatOptions = {}): string {
  const lines = report.checks.map((c) => formatCheck(c, options));
  const passed = report.checks.filter((c) => c.ok).length;
  lines.push(`${passed}/${report.checks.length} checks passed${report.ok ? "" : " — selftest FAILED"}`);
  return `${lines.join("\n")}\n`;
}
