#!/usr/bin/env node
// `hsagent-selftest --substrate URL [--json] [--timeout-ms N]`: run the
// agent's pre-flight checks against a substrate. Prints the human checklist
// (as checks complete) or, with --json, the report as one JSON line. Exit
// codes: 0 all checks passed, 1 a check failed or the substrate is
// unreachable (one line on stderr), 2 bad flags (one line on stderr).

import { parseArgs } from "node:util";
import { SelftestError } from "../errors.js";
import { formatCheck } from "../format.js";
import { DEFAULT_TIMEOUT_MS, runSelfTest } from "../run.js";

const HELP = `Usage: hsagent-selftest --substrate <url> [--json] [--timeout-ms <n>]

Prove, against a live substrate, that everything an hsagent relies on works:
login, objects, version clashes, association paging, tenant isolation, the
nonce/session/audit stores, both crypto backends and the identity vault.
Creates two temporary accounts and removes everything it writes (accounts
cannot be deleted through the API and stay, empty).

Options:
  --substrate <url>   substrate origin, e.g. http://127.0.0.1:7780 (required)
  --json              print the report as JSON instead of the checklist
  --timeout-ms <n>    time limit per check and per request (default ${DEFAULT_TIMEOUT_MS})
  -h, --help          show this help

Exit codes: 0 all checks passed, 1 a check failed or the substrate is
unreachable, 2 bad flags.
`;

function usageError(message: string): never {
  process.stderr.write(`hsagent-selftest: ${message} (see --help)\n`);
  process.exit(2);
}

function parse(): { substrate: string; json: boolean; timeoutMs: number } | null {
  let values: { substrate?: string; json?: boolean; "timeout-ms"?: string; help?: boolean };
  try {
    ({ values } = parseArgs({
      options: {
        substrate: { type: "string" },
        json: { type: "boolean" },
        "timeout-ms": { type: "string" },
        help: { type: "boolean", short: "h" },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    usageError((error as Error).message.split("\n")[0] ?? "bad arguments");
  }
  if (values.help) return null;
  const substrate = values.substrate;
  if (substrate === undefined || substrate === "") usageError("--substrate <url> is required");
  let url: URL;
  try {
    url = new URL(substrate);
  } catch {
    usageError("--substrate must be an http(s) URL");
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") usageError("--substrate must be an http(s) URL");
  const text = values["timeout-ms"] ?? String(DEFAULT_TIMEOUT_MS);
  if (!/^[0-9]{1,7}$/.test(text) || Number(text) < 1 || Number(text) > 3_600_000) {
    usageError("--timeout-ms must be an integer 1..3600000");
  }
  return { substrate, json: values.json ?? false, timeoutMs: Number(text) };
}

async function main(): Promise<void> {
  const args = parse();
  if (!args) {
    process.stdout.write(HELP);
    return;
  }
  const report = await runSelfTest({
    baseUrl: args.substrate,
    timeoutMs: args.timeoutMs,
    ...(args.json ? {} : { onCheck: (c) => process.stdout.write(`${formatCheck(c)}\n`) }),
  });
  if (args.json) {
    process.stdout.write(`${JSON.stringify(report)}\n`);
  } else {
    const passed = report.checks.filter((c) => c.ok).length;
    process.stdout.write(
      `${passed}/${report.checks.length} checks passed${report.ok ? "" : " — selftest FAILED"}\n`,
    );
  }
  process.exitCode = report.ok ? 0 : 1;
}

main().catch((error: unknown) => {
  const message =
    error instanceof SelftestError ? error.message : `failed: ${(error as Error)?.message ?? String(error)}`;
  process.stderr.write(`hsagent-selftest: ${message.split("\n")[0]}\n`);
  process.exitCode = 1;
});
