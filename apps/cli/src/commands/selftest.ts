// `hsagent selftest`: the pre-flight checklist against a substrate, with timings.

import { resolveSettings } from "@hsagent/config";
import { Flags } from "@oclif/core";
import { BaseCommand } from "../lib/base.js";
import { readCaFile } from "../lib/ca-file.js";
import { EXIT_FAILURE } from "../lib/errors.js";
import { substrateFlags } from "../lib/flags.js";
import { loadRunSelfTest, type SelfTestCheck } from "../lib/runtime.js";
import { probeSubstrate } from "../lib/substrate.js";

/** `hsagent selftest`. */
export default class SelfTest extends BaseCommand {
  static override summary = "Check that a substrate does everything an agent relies on.";
  static override description =
    "Runs the pre-flight checklist against a live substrate with a temporary account: login, objects, version " +
    "clash, association paging, tenant isolation, nonce replay detection, session store, audit chain, crypto on " +
    "both backends, identity vault, cleanup. Prints each check with its time; exits 0 only if all pass.";
  static override examples = [
    "<%= config.bin %> selftest",
    "<%= config.bin %> selftest --substrate http://127.0.0.1:7780 --json",
  ];
  static override enableJsonFlag = true;
  static override flags = {
    ...substrateFlags,
    "timeout-ms": Flags.integer({ description: "Time limit of each check, ms.", default: 15000, min: 100 }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(SelfTest);
    const settings = resolveSettings({
      config: flags.config,
      substrate: flags.substrate,
      caFile: flags["ca-file"],
    });
    for (const w of settings.warnings) this.note(`hsagent: warning: ${w}`);
    const url = settings.substrateUrl;
    await probeSubstrate(url, undefined, settings.caFile);
    const runSelfTest = await loadRunSelfTest();
    const json = this.jsonEnabled();
    if (!json) this.log(`selftest against ${url}`);
    const report = await runSelfTest({
      baseUrl: url,
      ...(settings.caFile ? { ca: readCaFile(settings.caFile) } : {}),
      timeoutMs: flags["timeout-ms"],
      onCheck: (c: SelfTestCheck) => {
        if (!json) this.log(formatCheck(c));
      },
    });
    const failed = report.checks.filter((c) => !c.ok);
    const totalMs = Math.round(report.checks.reduce((s, c) => s + c.ms, 0) * 10) / 10;
    if (json) {
      process.stdout.write(
        `${JSON.stringify({ ok: report.ok, substrate: url, totalMs, checks: report.checks }, null, 2)}\n`,
      );
    } else if (report.ok) {
      this.log(`all ${report.checks.length} checks passed in ${totalMs} ms`);
    }
    if (!report.ok) {
      this.note(
        `hsagent: selftest failed: ${failed.length} of ${report.checks.length} checks failed (${failed.map((c) => c.name).join(", ")})`,
      );
      this.exit(EXIT_FAILURE);
    }
    this.exit(0);
  }
}

/** One checklist line: `✓ name  12.3 ms` or `✗ name  4.0 ms  reason`. */
export function formatCheck(c: SelfTestCheck): string {
  const mark = c.ok ? "✓" : "✗";
  return `${mark} ${c.name.padEnd(18)} ${c.ms.toFixed(1).padStart(8)} ms${c.ok ? "" : `  ${c.error ?? "failed"}`}`;
}
