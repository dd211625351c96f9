/**
 * Fault campaign on real processes: a substrate server, a relay and three agents, each in its
 * own process, with short timers. Each test injects one fault, clears it, and fails unless every
 * pair completes a session within 2 × sessionTimeoutMs, no acknowledged audit event is lost,
 * every chain validates, no session state is left, and nothing needed a manual restart.
 */
import pg from "pg";
import { describe, expect, it } from "vitest";
import type { ProxyMode } from "../src/infra.js";
import { FAST, type FaultWorld, type FaultWorldOptions, pgUrl, sleep, startFaultWorld } from "./harness.js";

const PG = pgUrl();

/**
 * One fault test: a fresh world with agents a, b and c started (every pair has completed a
 * session), handed to `body`, and closed when the test ends. Skipped when `skip` is true.
 */
function fault(
  name: string,
  body: (world: FaultWorld) => Promise<void>,
  options: FaultWorldOptions & { skip?: boolean } = {},
): void {
  const { skip = false, ...worldOptions } = options;
  it.skipIf(skip)(name, async ({ onTestFinished }) => {
    const world = await startFaultWorld(worldOptions);
    onTestFinished(() => world.close());
    await world.startAgents();
    await body(world);
  });
}

describe("fault campaign (real processes)", { timeout: 120_000 }, () => {
  for (const c of [
    {
      name: "substrate server killed with -9 and restarted: sessions resume, audit intact",
      proc: "substrate" as const,
      // A save in flight when the server dies has an unknown outcome and may leave one
      // HandshakeSessionState behind; leftovers are checked strictly in "purges refused" below.
      allowLeftoverSessions: true,
    },
    {
      name: "relay killed with -9 and restarted on the same port: agents reconnect, sessions resume",
      proc: "relay" as const,
      allowLeftoverSessions: false,
    },
  ])
    fault(c.name, async (world) => {
      const { proc, allowLeftoverSessions } = c;
      await world[proc].kill("SIGKILL");
      await sleep(1500);
      await world[proc].start();
      await world.waitAllPairs(Date.now());
      await world.stopAndVerify({ allowLeftoverSessions });
    });

  // Regression: a pooled client checked out when its backend was terminated used to emit an
  // unhandled 'error' (57P01) and take the server process down (fixed in efbf6a6, and for the
  // last window — the FATAL arriving in the same TCP chunk as a new client's ReadyForQuery,
  // before `await pool.connect()` resumed — by a permanent listener on every pooled client).
  // This was the "~1 in 3" flake: the server had exited; 0 failures in 12 runs since.
  fault(
    "PostgreSQL connections of the server terminated (pg_terminate_backend)",
    async (world) => {
      const admin = new pg.Client({ connectionString: PG! });
      await admin.connect();
      let terminated = 0;
      try {
        for (let i = 0; i < 6; i++) {
          const r = await admin.query<{ ok: boolean }>(
            "SELECT pg_terminate_backend(pid) AS ok FROM pg_stat_activity WHERE application_name = $1",
            [world.applicationName],
          );
          terminated += r.rows.filter((x) => x.ok).length;
          await sleep(500);
        }
      } finally {
        await admin.end();
      }
      expect(terminated, "server connections terminated").toBeGreaterThan(0);
      await world.waitAllPairs(Date.now());
      await world.stopAndVerify();
    },
    PG ? { pg: PG } : { skip: true },
  );

  fault(
    "an agent killed with -9 and restarted: same identity, stale sessions purged, sessions resume",
    async (world) => {
      const old = world.hosts.get("b")!;
      const oldId = world.id("b");
      await sleep(300); // mid-session for some pair
      await old.kill();
      world.retired.push(old);
      await sleep(1000);
      const fresh = await world.startAgent("b");
      world.hosts.set("b", fresh);
      world.sharePeers();
      expect(world.id("b"), "restarted agent keeps its identity").toBe(oldId);
      await world.waitAllPairs(Date.now());
      await world.stopAndVerify();
    },
  );

  fault("two processes claiming one identity (409 version clashes): the survivor recovers", async (world) => {
    // A second process with b's name and vault passphrase: it claims b's identity.
    const twin = await world.startAgent("b");
    world.retired.push(twin);
    expect(twin.agents.get("b"), "the twin claims b's identity").toBe(world.id("b"));
    await sleep(3000); // both answer as b: session writes clash
    await twin.stop();
    await world.waitAllPairs(Date.now());
    await world.stopAndVerify();
  });

  fault(
    "JWTs expiring every 2 s: agents re-login and keep completing sessions",
    async (world) => {
      await sleep(4500); // every token issued at start has expired by now
      await world.waitAllPairs(Date.now());
      await sleep(2500);
      await world.waitAllPairs(Date.now());
      await world.stopAndVerify();
    },
    { tokenTtlSeconds: 2 },
  );

  // The last case is a regression for a reported agent bug (fixed in bfdef44): a refused purge
  // was forgotten, and the stale HandshakeSessionState made every later session of that pair
  // abort with session-conflict.
  for (const c of [
    {
      name: "substrate answering slowly (2 s per request) through a fault proxy, then normally",
      mode: { kind: "slow", delayMs: 2000 } satisfies ProxyMode,
      forMs: FAST.sessionTimeoutMs + 1000,
      faulted: "requests delayed",
      allowLeftoverSessions: true, // as for the substrate restart above
    },
    {
      name: "substrate answering 500 to everything through a fault proxy, then normally",
      mode: { kind: "error", status: 500 } satisfies ProxyMode,
      forMs: 2 * FAST.sessionTimeoutMs,
      faulted: "requests answered 500",
      allowLeftoverSessions: false,
    },
    {
      name: "purges refused for a while (object deletions answered 500): no session state left after stop",
      mode: { kind: "error", status: 500, deletes: true } satisfies ProxyMode,
      forMs: 2 * FAST.sessionTimeoutMs,
      faulted: "deletes refused",
      allowLeftoverSessions: false,
    },
  ])
    fault(
      c.name,
      async (world) => {
        const { mode, forMs, faulted, allowLeftoverSessions } = c;
        world.proxy!.mode = mode;
        await sleep(forMs);
        world.proxy!.mode = { kind: "pass" };
        expect(world.proxy!.faulted, faulted).toBeGreaterThan(0);
        await world.waitAllPairs(Date.now());
        await world.stopAndVerify({ allowLeftoverSessions });
      },
      { proxy: true },
    );
});
