/**
 * Fault campaign on real processes: a substrate server, a relay and three agents, each in its
 * own process, with short timers. Each test injects one fault, clears it, and fails unless every
 * pair completes a session within 2 × sessionTimeoutMs, no acknowledged audit event is lost,
 * every chain validates, no session state is left, and nothing needed a manual restart.
 */
import pg from "pg";
import { afterEach, describe, expect, it } from "vitest";
import { AgentHost } from "../src/fleet.js";
import { FAST, type FaultWorld, pgUrl, sleep, startFaultWorld } from "./harness.js";

const PG = pgUrl();
let world: FaultWorld | null = null;

afterEach(async () => {
  await world?.close();
  world = null;
});

describe("fault campaign (real processes)", { timeout: 120_000 }, () => {
  it("substrate server killed with -9 and restarted: sessions resume, audit intact", async () => {
    world = await startFaultWorld();
    await world.startAgents();
    await world.substrate.kill("SIGKILL");
    await sleep(1500);
    await world.substrate.start();
    await world.waitAllPairs(Date.now());
    // A save in flight when the server dies has an unknown outcome and may leave one
    // HandshakeSessionState behind; leftovers are checked strictly in "purges refused" below.
    await world.stopAndVerify({ allowLeftoverSessions: true });
  });

  // Regression: a pooled client checked out when its backend was terminated used to emit an
  // unhandled 'error' (57P01) and take the server process down (fixed in efbf6a6, and for the
  // last window — the FATAL arriving in the same TCP chunk as a new client's ReadyForQuery,
  // before `await pool.connect()` resumed — by a permanent listener on every pooled client).
  // This was the "~1 in 3" flake: the server had exited; 0 failures in 12 runs since.
  it.skipIf(!PG)("PostgreSQL connections of the server terminated (pg_terminate_backend)", async () => {
    world = await startFaultWorld({ pg: PG! });
    await world.startAgents();
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
  });

  it("relay killed with -9 and restarted on the same port: agents reconnect, sessions resume", async () => {
    world = await startFaultWorld();
    await world.startAgents();
    await world.relay.kill("SIGKILL");
    await sleep(1500);
    await world.relay.start();
    await world.waitAllPairs(Date.now());
    await world.stopAndVerify();
  });

  it("an agent killed with -9 and restarted: same identity, stale sessions purged, sessions resume", async () => {
    world = await startFaultWorld();
    await world.startAgents();
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
  });

  it("two processes claiming one identity (409 version clashes): the survivor recovers", async () => {
    world = await startFaultWorld();
    await world.startAgents();
    const twin = new AgentHost({ HSAGENT_FLEET_VAULT_SECRET: "fault-vault" });
    world.retired.push(twin);
    const [host, port] = world.relay.address.split(":");
    await twin.start({
      names: ["b"],
      relay: { host: host!, port: Number(port) },
      substrateUrl: world.substrateUrl,
      account: world.account,
      config: FAST,
      stuckGraceMs: 1000,
    });
    expect(twin.agents.get("b"), "the twin claims b's identity").toBe(world.id("b"));
    await sleep(3000); // both answer as b: session writes clash
    await twin.stop();
    await world.waitAllPairs(Date.now());
    await world.stopAndVerify();
  });

  it("JWTs expiring every 2 s: agents re-login and keep completing sessions", async () => {
    world = await startFaultWorld({ tokenTtlSeconds: 2 });
    await world.startAgents();
    await sleep(4500); // every token issued at start has expired by now
    await world.waitAllPairs(Date.now());
    await sleep(2500);
    await world.waitAllPairs(Date.now());
    await world.stopAndVerify();
  });

  it("substrate answering slowly (2 s per request) through a fault proxy, then normally", async () => {
    world = await startFaultWorld({ proxy: true });
    await world.startAgents();
    world.proxy!.mode = { kind: "slow", delayMs: 2000 };
    await sleep(FAST.sessionTimeoutMs + 1000);
    world.proxy!.mode = { kind: "pass" };
    expect(world.proxy!.faulted, "requests delayed").toBeGreaterThan(0);
    await world.waitAllPairs(Date.now());
    await world.stopAndVerify({ allowLeftoverSessions: true }); // as for the restart above
  });

  it("substrate answering 500 to everything through a fault proxy, then normally", async () => {
    world = await startFaultWorld({ proxy: true });
    await world.startAgents();
    world.proxy!.mode = { kind: "error", status: 500 };
    await sleep(2 * FAST.sessionTimeoutMs);
    world.proxy!.mode = { kind: "pass" };
    expect(world.proxy!.faulted, "requests answered 500").toBeGreaterThan(0);
    await world.waitAllPairs(Date.now());
    await world.stopAndVerify();
  });

  // Regression for a reported agent bug (fixed in bfdef44): a refused purge was forgotten, and the
  // stale HandshakeSessionState made every later session of that pair abort with session-conflict.
  it("purges refused for a while (DELETE answered 500): no session state left after stop", async () => {
    world = await startFaultWorld({ proxy: true });
    await world.startAgents();
    world.proxy!.mode = { kind: "error", status: 500, method: "DELETE" };
    await sleep(2 * FAST.sessionTimeoutMs);
    world.proxy!.mode = { kind: "pass" };
    expect(world.proxy!.faulted, "deletes refused").toBeGreaterThan(0);
    await world.waitAllPairs(Date.now());
    await world.stopAndVerify();
  });
});
