// How runSelfTest behaves when things go wrong around the checks: nothing
// listening, bad options, a substrate that hangs, a substrate that echoes
// secrets back, a throwing progress callback. Checks stay independent (one
// failure does not stop the others) and no secret reaches the report.

import { describe, expect, it } from "vitest";
import { closedPort } from "../../substrate-client/test/helpers/http-server.js";
import {
  CHECK_NAMES,
  type CheckName,
  runSelfTest,
  type SelfTestReport,
  SelftestError,
} from "../src/index.js";
import { echoRegisterBody, hangAssociationLists } from "./helpers/faults.js";
import { startProxy } from "./helpers/proxy.js";
import { testServer } from "./helpers/servers.js";

const handle = testServer("sqlite");

/** The checks that need no substrate. */
const OFFLINE_CHECKS: readonly CheckName[] = ["crypto-native", "crypto-noble", "vault"];

function failed(report: SelfTestReport): CheckName[] {
  return report.checks.filter((c) => !c.ok).map((c) => c.name);
}

describe("runSelfTest preconditions", () => {
  it("throws SUBSTRATE_UNREACHABLE when nothing listens, without running any check", async () => {
    const port = await closedPort();
    const seen: string[] = [];
    const error = await runSelfTest({
      baseUrl: `http://127.0.0.1:${port}`,
      onCheck: (c) => seen.push(c.name),
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SelftestError);
    expect((error as SelftestError).code).toBe("SUBSTRATE_UNREACHABLE");
    expect((error as SelftestError).message).toContain("ECONNREFUSED");
    expect(seen).toEqual([]);
  });

  it.each([
    [{ baseUrl: "not a url" }],
    [{ baseUrl: "ftp://127.0.0.1:1" }],
    [{ baseUrl: "http://127.0.0.1:1", timeoutMs: 0 }],
    [{ baseUrl: "http://127.0.0.1:1", timeoutMs: 1.5 }],
  ])("rejects bad options %j with INVALID_ARGUMENT", async (options) => {
    const error = await runSelfTest(options).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SelftestError);
    expect((error as SelftestError).code).toBe("INVALID_ARGUMENT");
  });
});

describe("independence and secrets", () => {
  it("a server that refuses to register (echoing the password) fails the substrate checks, not crypto/vault, and the password never reaches the report", async () => {
    const seenPasswords: string[] = [];
    const proxy = await startProxy(handle.url, echoRegisterBody(seenPasswords));
    let report: SelfTestReport;
    try {
      report = await runSelfTest({ baseUrl: proxy.url });
    } finally {
      await proxy.close();
    }
    expect(failed(report)).toEqual(CHECK_NAMES.filter((name) => !OFFLINE_CHECKS.includes(name)));
    expect(report.checks.find((c) => c.name === "login")?.error).toMatch(/register failed: HTTP 400/);
    expect(report.checks.find((c) => c.name === "objects")?.error).toMatch(/^not run: .*login check failed/);
    expect(seenPasswords.length).toBeGreaterThan(0);
    const text = JSON.stringify(report);
    for (const password of seenPasswords) expect(text).not.toContain(password);
  });

  it("a hung endpoint fails only its check, at the time limit, and the run goes on", async () => {
    const proxy = await startProxy(handle.url, hangAssociationLists);
    let report: SelfTestReport;
    try {
      report = await runSelfTest({ baseUrl: proxy.url, timeoutMs: 8000 });
    } finally {
      await proxy.close();
    }
    expect(failed(report)).toEqual(["associations"]);
    expect(report.checks.find((c) => c.name === "associations")?.error).toMatch(
      /timed out after 8000 ms|did not finish within 8000 ms/,
    );
  });

  it("a throwing onCheck callback does not stop the run", async () => {
    let calls = 0;
    const report = await runSelfTest({
      baseUrl: handle.url,
      onCheck: () => {
        calls++;
        throw new Error("callback bug");
      },
    });
    expect(report.ok).toBe(true);
    expect(calls).toBe(report.checks.length);
  });
});
