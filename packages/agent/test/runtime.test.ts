/**
 * The runtime over real parts in-process: a SQLite substrate server and a TCP relay on loopback.
 * Two agents complete consecutive v2 sessions; application hooks see every round; milestones and
 * audit reach the substrate; an idle agent makes no substrate request; stop() is idempotent.
 */
import { describe, expect, it } from "vitest";
import type { AgentEvent } from "../src/index.js";
import { type Agent, createAgent } from "../src/index.js";
import { leftoverSessions, sleep, startAgent, startWorld, useWorld, waitFor } from "./helpers.js";

describe("agent runtime (SQLite substrate, TCP relay)", () => {
  const world = useWorld();

  it("two agents complete at least 5 consecutive v2 sessions, every round delivered", async () => {
    const seen: string[] = [];
    const echo = {
      requestPayload: (round: number) => ({ ask: round }),
      respondPayload: (round: number, _peer: string, msg: unknown) => ({ round, echo: msg }),
    };
    const onMessage = (_peer: string, msg: unknown) => seen.push(JSON.stringify(msg));
    const a = await startAgent(world(), "alpha", {}, { hooks: { ...echo, onMessage } });
    const b = await startAgent(world(), "beta", {}, { hooks: echo });
    const events: AgentEvent[] = [];
    for (const agent of [a, b]) {
      agent.on("established", (e) => events.push(e));
      agent.on("closed", (e) => events.push(e));
      agent.on("aborted", (e) => events.push(e));
    }
    try {
      await waitFor(
        () => a.metrics().sessions.closed >= 5 && b.metrics().sessions.closed >= 5,
        20_000,
        "5 sessions",
      );
      expect(events.filter((e) => e.type === "aborted")).toEqual([]);
      const est = events.filter((e) => e.type === "established");
      expect(est.every((e) => e.type === "established" && e.version === 2)).toBe(true);
      // Nothing but (load-induced) late retransmits may be dropped between honest agents.
      for (const agent of [a, b])
        expect(Object.keys(agent.metrics().rejections).filter((r) => r !== "unexpected")).toEqual([]);
      expect(seen.length).toBeGreaterThanOrEqual(4 * 5);
    } finally {
      await Promise.all([a.stop(), b.stop()]);
    }
    // After stop: no HandshakeSessionState left (read before any start-up purge could hide one),
    // audit chain valid and mentions the sessions.
    expect(await leftoverSessions(world(), "alpha")).toBe(0);
    expect(await leftoverSessions(world(), "beta")).toBe(0);
    const check = await startAgent(world(), "alpha");
    try {
      const recent = await check.stores.audit.recent(200);
      expect(recent.some((e) => e.type === "HANDSHAKE_OK" && e.protocolVersion === 2)).toBe(true);
      expect(recent.some((e) => e.type === "SESSION_CLOSED")).toBe(true);
      expect((await check.stores.audit.validate()).isValid).toBe(true);
    } finally {
      await check.stop();
    }
  });

  it("an idle agent makes no substrate request (no polling)", async () => {
    const agent = await startAgent(world(), "loner", { registerIntervalMs: 50 });
    try {
      await sleep(300);
      const before = agent.metrics().substrateCalls;
      await sleep(1500);
      expect(agent.metrics().substrateCalls - before).toBe(0);
      expect(agent.metrics().sessions.started).toBe(0);
    } finally {
      await agent.stop();
    }
  });

  it("stop() is idempotent and ends the events() iterator", async () => {
    const agent = createAgent({
      name: "stopper",
      relay: { host: world().relay.address.host, port: world().relay.address.port },
      substrate: { client: world().client() },
      vaultPassphrase: "pp-stopper",
    });
    await agent.start();
    const it = agent.events();
    const done = (async () => {
      const out: AgentEvent[] = [];
      for await (const e of it) out.push(e);
      return out;
    })();
    const p1 = agent.stop();
    const p2 = agent.stop();
    expect(p1).toBe(p2);
    await p1;
    expect(await done).toEqual([]);
  });
});

export type { Agent };

describe("agent runtime (memory bus, in-memory stores)", () => {
  it("runs sessions with zero substrate calls, survives throwing hooks and listeners", async () => {
    const { createMemoryBus } = await import("@hsagent/relay");
    const { MemoryBackend } = await import("@hsagent/stores");
    const bus = createMemoryBus();
    const backend = new MemoryBackend();
    const mk = (name: string) =>
      createAgent({
        name,
        transport: bus.connect(),
        substrate: { backend },
        vaultPassphrase: `pp-${name}`,
        config: { registerIntervalMs: 50, retransmitMs: 200 },
        hooks: {
          onMessage: () => {
            throw new Error("application bug");
          },
        },
      });
    const [x, y] = [mk("mx"), mk("my")];
    x.on("message", () => {
      throw new Error("listener bug");
    });
    await Promise.all([x.start(), y.start()]);
    try {
      await waitFor(
        () => x.metrics().sessions.closed >= 3 && y.metrics().sessions.closed >= 3,
        15_000,
        "3 sessions",
      );
      expect(x.metrics().substrateCalls).toBe(0);
      expect(x.metrics().sessions.aborted + y.metrics().sessions.aborted).toBe(0);
    } finally {
      await Promise.all([x.stop(), y.stop()]);
      await bus.close();
    }
    // stop() purged everything: no session state left in the shared backend.
    const again = createAgent({
      name: "mx",
      transport: createMemoryBus().connect(),
      substrate: { backend },
      vaultPassphrase: "pp-mx",
    });
    await again.start();
    expect(await again.stores.sessions.list()).toEqual([]);
    await again.stop();
  });
});

describe("maxSessions (SQLite substrate, TCP relay)", () => {
  it("a responder at its cap holds registers and answers each from the queue, without waiting for a re-register", async () => {
    const { generateIdentity } = await import("@hsagent/crypto");
    const { SubstrateIdentityRegistry } = await import("@hsagent/stores");
    const world = await startWorld();
    const client = world.client();
    await client.login();
    const registry = new SubstrateIdentityRegistry(client);
    const ids = {
      hub: "ffffffff-ffff-4fff-bfff-ffffffffffff",
      s1: "00000000-0000-4000-8000-000000000001",
      s2: "00000000-0000-4000-8000-000000000002",
      s3: "00000000-0000-4000-8000-000000000003",
    };
    for (const [name, id] of Object.entries(ids))
      await registry.provision(name, `passphrase-of-${name}`, { identity: generateIdentity({ myId: id }) });
    // Every spoke registers once (at start) and not again within the test: a register the hub
    // dropped at its cap would never be answered; a held one is answered when a slot frees.
    // Timers are generous: with no second register, a session lost to a loaded CI machine could
    // not be retried.
    // Long sessions (301 rounds) keep the hub busy while the other spokes' first registers arrive:
    // sessions take a few ms now, so with 4 rounds a spoke could start after the previous one ended.
    const patient = {
      registerIntervalMs: 120_000,
      sessionTimeoutMs: 60_000,
      maxRetransmits: 30,
      exchangeLimit: 300,
    };
    const hub = await startAgent(world, "hub", { ...patient, maxSessions: 1 });
    // Listen before any spoke starts: the first session can end before the last spoke is up.
    const aborted: string[] = [];
    hub.on("aborted", (e) => aborted.push(`${e.peer}:${e.reason}`));
    let maxActive = 0;
    const closedWith = new Set<string>();
    hub.on("established", () => {
      maxActive = Math.max(maxActive, hub.metrics().sessions.active);
    });
    hub.on("closed", (e) => closedWith.add(e.peer));
    const spokes = await Promise.all(["s1", "s2", "s3"].map((n) => startAgent(world, n, patient)));
    try {
      expect(hub.agentId).toBe(ids.hub);
      await waitFor(() => closedWith.size === 3, 60_000, "all served").catch((error: Error) => {
        throw new Error(
          `${error.message}; served ${[...closedWith].join(", ")}; aborted ${aborted.join(", ")}`,
        );
      });
      expect(maxActive).toBe(1);
      // At least one register arrived while the hub was busy (the spokes start together).
      expect(hub.metrics().registersIgnoredBusy).toBeGreaterThanOrEqual(1);
      expect(hub.metrics().registersWaiting).toBe(0);
    } finally {
      await Promise.all([hub.stop(), ...spokes.map((s) => s.stop())]);
      await world.close();
    }
  }, 90_000);
});
