// runSelfTest against our real substrate server: every check passes on SQLite
// (production defaults: scrypt cost and rate limits on) and on PostgreSQL (a
// random schema), the report has the documented shape, progress is reported
// in order, and the run leaves the temporary accounts empty.

import { describe, expect, it } from "vitest";
import { CHECK_NAMES, type CheckResult, runSelfTest } from "../src/index.js";
import { parseBody, startProxy } from "./helpers/proxy.js";
import { pgAvailable, testServer } from "./helpers/servers.js";

function failures(checks: readonly CheckResult[]): string[] {
  return checks.filter((c) => !c.ok).map((c) => `${c.name}: ${c.error}`);
}

describe("runSelfTest on SQLite (server defaults)", () => {
  const handle = testServer("sqlite", { realistic: true });

  it("passes every check, in the documented order, timed, and reports each through onCheck", async () => {
    const seen: CheckResult[] = [];
    const report = await runSelfTest({ baseUrl: handle.url, onCheck: (c) => seen.push(c) });
    expect(failures(report.checks)).toEqual([]);
    expect(report.ok).toBe(true);
    expect(report.checks.map((c) => c.name)).toEqual([...CHECK_NAMES]);
    expect(seen).toEqual(report.checks);
    for (const c of report.checks) {
      expect(c.ms).toBeGreaterThanOrEqual(0);
      expect(c.error).toBeUndefined();
    }
  }, 90_000);

  it("leaves nothing behind: both temporary accounts hold no objects, associations or chains", async () => {
    // A pass-through proxy records the usernames the selftest registers; the
    // server's store is then asked directly (not through the API the selftest used).
    const usernames: string[] = [];
    const proxy = await startProxy(handle.url, async (req, forward) => {
      if (req.url === "/api/auth/register") {
        const body = parseBody(req.body) as { username?: string } | undefined;
        if (body?.username) usernames.push(body.username);
      }
      return forward(req);
    });
    try {
      const report = await runSelfTest({ baseUrl: proxy.url });
      expect(failures(report.checks)).toEqual([]);
    } finally {
      await proxy.close();
    }
    expect(usernames).toHaveLength(2);
    const store = handle.server.store;
    for (const username of usernames) {
      const account = await store.findAccountByUsername(username);
      expect(account).not.toBeNull();
      const stats = await store.objectStats(account!.id);
      expect(stats.objectCount).toBe(0n);
      expect(stats.associationCount).toBe(0n);
      expect(await store.listChains(username)).toEqual([]);
    }
  }, 90_000);
});

describe.runIf(pgAvailable())("runSelfTest on PostgreSQL (random schema)", () => {
  const handle = testServer("postgres", { realistic: true });

  it("passes every check", async () => {
    const report = await runSelfTest({ baseUrl: handle.url });
    expect(failures(report.checks)).toEqual([]);
    expect(report.ok).toBe(true);
    expect(report.checks).toHaveLength(CHECK_NAMES.length);
  }, 90_000);
});
