/**
 * Crash recovery over real processes: `kill -9` of one agent mid-session → its peer aborts within
 * sessionTimeoutMs and returns to ready; the restarted agent (same name, same substrate data)
 * purges the stale session it finds (audited SESSION_ABORTED reason=restart, visible through
 * AuditLog.recent) and the next session succeeds.
 */
import { createSubstrateStores, SubstrateIdentityRegistry } from "@hsagent/stores";
import { SubstrateClient } from "@hsagent/substrate-client";
import { expect, it } from "vitest";
import { sleep, waitFor } from "./helpers.js";
import { type Proc, spawnAgent, spawnWorld } from "./procs.js";

const SESSION_TIMEOUT_MS = 15_000; // the procs' --session-timeout-ms
// Long sessions (1001 rounds) so that "mid-session" lasts long enough to kill into.
const LONG = ["--exchange-limit", "1000"];

type Line = { event: string; peer?: string; agentId?: string; sid?: string; reason?: string };
const lines = (p: Proc) => p.json() as unknown as Line[];

it("kill -9 mid-session: the peer aborts in time, the restarted agent purges (audited) and sessions resume", async () => {
  const world = await spawnWorld("crash");
  const { substrate, relay, account, procs } = world;
  try {
    const a = spawnAgent("crash-a", relay.address, substrate.url, account, LONG);
    let b = spawnAgent("crash-b", relay.address, substrate.url, account, LONG);
    procs.push(a, b);
    const aId = (await a.waitLine(/"event":"ready".*"agentId":"([^"]+)"/))[1]!;
    const bId = (await b.waitLine(/"event":"ready".*"agentId":"([^"]+)"/))[1]!;

    // Find a moment where B is established and its session is still running 100 ms later (its
    // first milestone is written 25 ms after the session started).
    let victimSid: string | null = null;
    const until = Date.now() + 60_000;
    while (!victimSid && Date.now() < until) {
      const est = lines(b).filter((l) => l.event === "established" && l.peer === aId);
      const last = est[est.length - 1];
      if (last?.sid && !lines(b).some((l) => l.event !== "established" && l.sid === last.sid)) {
        await sleep(100);
        if (!lines(b).some((l) => (l.event === "closed" || l.event === "aborted") && l.sid === last.sid))
          victimSid = last.sid;
      } else await sleep(20);
    }
    expect(victimSid).not.toBeNull();
    const aLinesBefore = lines(a).length;
    const killedAt = Date.now();
    b.child.kill("SIGKILL");
    await b.exited;

    // A aborts that session within sessionTimeoutMs and is ready again.
    await waitFor(
      () =>
        lines(a)
          .slice(aLinesBefore)
          .some((l) => l.event === "aborted" && l.peer === bId),
      SESSION_TIMEOUT_MS + 5_000,
      "peer abort",
    );
    expect(Date.now() - killedAt).toBeLessThanOrEqual(SESSION_TIMEOUT_MS + 2_000);

    // Restart B: same name, same data. It purges the stale session and audits it.
    b = spawnAgent("crash-b", relay.address, substrate.url, account, LONG);
    procs.push(b);
    expect((await b.waitLine(/"event":"ready".*"agentId":"([^"]+)"/))[1]).toBe(bId);
    const client = new SubstrateClient({ baseUrl: substrate.url, credentials: account });
    await client.login();
    const registry = new SubstrateIdentityRegistry(client);
    const me = await registry.hydrate("crash-b", "vault-crash-b");
    const stores = createSubstrateStores(client, {
      agentId: bId,
      identityObjId: me!.identity.identityObjId,
      identity: registry,
    });
    const recent = await stores.audit.recent(500);
    const restart = recent.filter((e) => e.type === "SESSION_ABORTED" && e.reason === "restart");
    expect(restart).toHaveLength(1);
    expect(restart[0]!.peer).toBe(aId);

    // The next session succeeds on both sides.
    await waitFor(
      () =>
        lines(b).some((l) => l.event === "closed" && l.peer === aId) &&
        lines(a)
          .slice(aLinesBefore)
          .some((l) => l.event === "closed" && l.peer === bId),
      40_000,
      "a session after the restart",
    );
    expect(await Promise.all([a.stop(), b.stop()])).toEqual([0, 0]);
  } finally {
    await world.close();
  }
}, 120_000);
