// The hsagent-selftest bin as a user runs it: a real child process
// (`node dist/bin/hsagent-selftest.js`, so build first) against a substrate
// server started here, a faulty proxy, a closed port and bad flags.

import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import { closedPort } from "../../substrate-client/test/helpers/http-server.js";
import { CHECK_NAMES, type SelfTestReport } from "../src/index.js";
import { loseEveryOtherAppend } from "./helpers/faults.js";
import { startProxy } from "./helpers/proxy.js";
import { testServer } from "./helpers/servers.js";

const BIN = fileURLToPath(new URL("../dist/bin/hsagent-selftest.js", import.meta.url));

interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(args: string[]): Promise<Ran> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c: Buffer) => {
      stdout += c.toString("utf8");
    });
    child.stderr.on("data", (c: Buffer) => {
      stderr += c.toString("utf8");
    });
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

beforeAll(() => {
  if (!existsSync(BIN))
    throw new Error(`${BIN} is missing: run \`pnpm --filter @hsagent/selftest build\` first`);
});
const handle = testServer("sqlite");

describe("hsagent-selftest", () => {
  it("--json against a healthy server: exit 0, one JSON report line with every check passed", async () => {
    const r = await run(["--substrate", handle.url, "--json"]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split("\n");
    expect(lines).toHaveLength(1);
    const report = JSON.parse(lines[0]!) as SelfTestReport;
    expect(report.ok).toBe(true);
    expect(report.checks.map((c) => c.name)).toEqual([...CHECK_NAMES]);
    expect(report.checks.every((c) => c.ok && typeof c.ms === "number")).toBe(true);
  });

  it("against a server that loses chain blocks: exit 1, audit marked failed in the JSON report and the checklist", async () => {
    const proxy = await startProxy(handle.url, loseEveryOtherAppend());
    try {
      const json = await run(["--substrate", proxy.url, "--json"]);
      expect(json.code).toBe(1);
      const report = JSON.parse(json.stdout) as SelfTestReport;
      expect(report.ok).toBe(false);
      expect(report.checks.filter((c) => !c.ok).map((c) => c.name)).toEqual(["audit"]);

      // The human checklist: one ✓/✗ line per check, in order, then the summary.
      const human = await run(["--substrate", proxy.url, "--timeout-ms", "20000"]);
      expect(human.code).toBe(1);
      const lines = human.stdout.trimEnd().split("\n");
      expect(lines).toHaveLength(CHECK_NAMES.length + 1);
      CHECK_NAMES.forEach((name, i) => {
        const line =
          name === "audit"
            ? "✗ audit +[0-9]+\\.[0-9] ms {2}read back 4 of 8 audit events"
            : `✓ ${name} +[0-9]+\\.[0-9] ms`;
        expect(lines[i]).toMatch(new RegExp(`^${line}$`));
      });
      expect(lines.at(-1)).toBe(
        `${CHECK_NAMES.length - 1}/${CHECK_NAMES.length} checks passed — selftest FAILED`,
      );
    } finally {
      await proxy.close();
    }
  });

  it("against a closed port: non-zero exit, nothing on stdout, one line on stderr", async () => {
    const port = await closedPort();
    for (const extra of [["--json"], []]) {
      const r = await run(["--substrate", `http://127.0.0.1:${port}`, ...extra]);
      expect(r.code).not.toBe(0);
      expect(r.stdout).toBe("");
      expect(r.stderr).toMatch(
        /^hsagent-selftest: cannot reach the substrate at http:\/\/127\.0\.0\.1:[0-9]+ \(ECONNREFUSED\)\n$/,
      );
    }
  });

  it.each([
    [["--bogus"], /Unknown option '--bogus'/],
    [[], /--substrate <url> is required/],
    [["--substrate"], /argument missing/],
    [["--substrate", "not-a-url"], /must be an http\(s\) URL/],
    [["--substrate", "http://127.0.0.1:1", "--timeout-ms", "soon"], /--timeout-ms must be an integer/],
    [["--substrate", "http://127.0.0.1:1", "extra"], /positional/i],
  ])("bad flags %j: exit 2 with one line on stderr", async (args, message) => {
    const r = await run(args);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    const lines = r.stderr.trimEnd().split("\n");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^hsagent-selftest: /);
    expect(lines[0]).toMatch(message);
  });

  it("--help prints usage and exits 0", async () => {
    const r = await run(["--help"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Usage: hsagent-selftest --substrate <url>/);
  });
});
