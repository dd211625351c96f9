// Adaptive retransmit timeout (rto.ts): a peer whose answers take longer than retransmitMs is not
// re-sent to once its round trips are known, and an idle fleet keeps the configured timeout.
import { createMemoryBus, type RelayMessage, type Transport } from "@hsagent/relay";
import { MemoryBackend } from "@hsagent/stores";
import { describe, expect, it } from "vitest";
import { createAgent } from "../src/index.js";
import { PeerRtt, RTO_MAX_FACTOR, RttEstimator } from "../src/rto.js";
import { waitFor } from "./helpers.js";

describe("RttEstimator", () => {
  it("keeps the configured timeout until it has samples, and while round trips are short", () => {
    const e = new RttEstimator();
    expect(e.timeoutMs(500)).toBe(500);
    for (let i = 0; i < 20; i++) e.sample(5);
    expect(e.timeoutMs(500)).toBe(500);
  });

  it("stretches to slow round trips, within [base, RTO_MAX_FACTOR × base]", () => {
    const e = new RttEstimator();
    for (let i = 0; i < 20; i++) e.sample(400);
    expect(e.timeoutMs(500)).toBeGreaterThanOrEqual(650);
    expect(e.timeoutMs(500)).toBeLessThanOrEqual(700);
    for (let i = 0; i < 20; i++) e.sample(60_000);
    expect(e.timeoutMs(500)).toBe(500 * RTO_MAX_FACTOR);
    e.sample(Number.NaN);
    e.sample(-1);
    expect(e.samples).toBe(40);
  });

  it("a peer without samples uses the agent-wide estimate, and feeds it", () => {
    const agentWide = new RttEstimator();
    const a = new PeerRtt(agentWide);
    const b = new PeerRtt(agentWide);
    a.sent(1000);
    a.answered(1800);
    expect(agentWide.samples).toBe(1);
    expect(b.estimator.timeoutMs(500)).toBe(agentWide.timeoutMs(500));
    expect(b.estimator.timeoutMs(500)).toBeGreaterThan(500);
  });

  it("takes no sample from an answer to a re-sent message (Karn), nor an unasked one", () => {
    const r = new PeerRtt(new RttEstimator());
    r.answered(50);
    r.sent(100);
    r.forget();
    r.answered(900);
    expect(r.estimator.samples).toBe(0);
    r.sent(1000);
    r.answered(1100);
    r.answered(5000);
    expect(r.estimator.samples).toBe(1);
    expect(r.estimator.srttMs).toBe(100);
  });
});

/** `inner`, with every inbound message delivered `delayMs` late; counts repeated session messages. */
function slowInbound(
  inner: Transport,
  delayMs: number,
): Transport & { repeats: () => number; registers: () => number; setDelay: (ms: number) => void } {
  const seen = new Set<string>();
  let repeats = 0;
  let registers = 0;
  return {
    send: (p) => {
      if (p.intent === "register") registers++;
      return inner.send(p);
    },
    registers: () => registers,
    onNotice: (h) => inner.onNotice(h),
    close: () => inner.close(),
    repeats: () => repeats,
    setDelay: (ms: number) => {
      delayMs = ms;
    },
    onMessage(handler: (m: RelayMessage) => void) {
      return inner.onMessage((m) => {
        const intent = m.payload.intent;
        if (intent === "confirm" || intent === "request" || intent === "respond") {
          const key = JSON.stringify(m.payload);
          if (seen.has(key)) repeats++;
          seen.add(key);
        }
        if (delayMs > 0) setTimeout(() => handler(m), delayMs);
        else handler(m);
      });
    },
  };
}

describe("adaptive retransmit timeout (memory bus, in-memory stores)", () => {
  it("stops re-sending to a peer whose answers always take longer than retransmitMs", async () => {
    const bus = createMemoryBus();
    const backend = new MemoryBackend();
    // Each message to `slow` arrives 150 ms late: every round trip takes ~150 ms, retransmitMs is 100.
    const slowLink = slowInbound(bus.connect(), 150);
    const fastLink = slowInbound(bus.connect(), 0);
    const config = { registerIntervalMs: 100, retransmitMs: 100, sessionTimeoutMs: 10_000 };
    const slow = createAgent({
      name: "slow",
      transport: slowLink,
      substrate: { backend },
      vaultPassphrase: "pp-slow",
      config,
    });
    const fast = createAgent({
      name: "fast",
      transport: fastLink,
      substrate: { backend },
      vaultPassphrase: "pp-fast",
      config,
    });
    let closed = 0;
    slow.on("closed", () => closed++);
    try {
      await Promise.all([slow.start(), fast.start()]);
      // The first session teaches both sides the round trip (its first messages may be re-sent).
      await waitFor(() => closed >= 2, 20_000);
      const before = slowLink.repeats() + fastLink.repeats();
      const at = closed;
      await waitFor(() => closed >= at + 3, 20_000);
      expect(slowLink.repeats() + fastLink.repeats() - before).toBe(0);
      expect(slow.metrics().sessions.aborted).toBe(0);
    } finally {
      await Promise.all([slow.stop(), fast.stop()]);
      await bus.close();
    }
  }, 60_000);
});

/**
 * Four agents on a memory bus (in-memory stores), every inbound message 120 ms late: each session
 * takes several hops longer than their retransmitMs (100), so responders see slow sessions.
 */
function slowFleet(prefix: string) {
  const bus = createMemoryBus();
  const backend = new MemoryBackend();
  const config = { registerIntervalMs: 100, retransmitMs: 100, sessionTimeoutMs: 10_000, maxSessions: 4 };
  const links = [0, 1, 2, 3].map(() => slowInbound(bus.connect(), 120));
  const agents = links.map((transport, i) =>
    createAgent({
      name: `${prefix}${i}`,
      transport,
      substrate: { backend },
      vaultPassphrase: `pp-${prefix}${i}`,
      config,
    }),
  );
  const stop = async () => {
    await Promise.all(agents.map((a) => a.stop()));
    await bus.close();
  };
  return { links, agents, stop };
}

describe("register backoff (memory bus, in-memory stores)", () => {
  it("an agent whose sessions are slow registers less often, and at the configured rate once they are quick", async () => {
    const { links, agents, stop } = slowFleet("backoff");
    // The agents that answer registers (all but the smallest id, §4) are the ones whose cap falls.
    let responders: number[] = [];
    const registers = () => responders.reduce((n, i) => n + links[i]!.registers(), 0);
    const registersOver = async (ms: number) => {
      const before = registers();
      await new Promise((r) => setTimeout(r, ms));
      return registers() - before;
    };
    try {
      await Promise.all(agents.map((a) => a.start()));
      // Sessions take several 120 ms hops, longer than retransmitMs: the responders' caps fall to 1.
      const ids = agents.map((a) => a.identity.agentId);
      const smallest = ids.indexOf([...ids].sort()[0]!);
      responders = [0, 1, 2, 3].filter((i) => i !== smallest);
      await waitFor(
        () => responders.every((i) => agents[i]!.metrics().sessionCap === 1),
        30_000,
        "caps of 1",
      );
      expect(responders.every((i) => agents[i]!.metrics().registerIntervalMs > 200)).toBe(true);
      const slow = await registersOver(2000);
      for (const link of links) link.setDelay(0);
      await waitFor(() => agents.every((a) => a.metrics().sessionCap === 4), 30_000, "caps back to 4");
      const quick = await registersOver(2000);
      // 3 agents every ~100 ms: ~60 registers in 2 s when quick; ~30 while slow (the caps sit
      // between 1 and 1.4: cuts come at most once per retransmitMs, so the interval is ~3–4× longer).
      expect(quick).toBeGreaterThan(45);
      expect(slow).toBeLessThan(quick * 0.7);
    } finally {
      await stop();
    }
  }, 90_000);
});

describe("adaptive session cap (memory bus, in-memory stores)", () => {
  it("accepts one session at a time while sessions are slow, and maxSessions again once they are quick", async () => {
    const { links, agents, stop } = slowFleet("cap");
    const closed = () => agents.reduce((n, a) => n + a.metrics().sessions.closed, 0);
    try {
      await Promise.all(agents.map((a) => a.start()));
      expect(agents.map((a) => a.metrics().sessionCap)).toEqual([4, 4, 4, 4]);
      // Every session takes several 120 ms hops, longer than retransmitMs: the responders cut their cap.
      await waitFor(() => agents.some((a) => a.metrics().sessionCap === 1), 30_000, "a cap of 1");
      const slowClosed = closed();
      await waitFor(() => closed() >= slowClosed + 6, 30_000, "sessions while slow");
      for (const link of links) link.setDelay(0);
      await waitFor(() => agents.every((a) => a.metrics().sessionCap === 4), 30_000, "caps back to 4");
      expect(agents.every((a) => a.metrics().sessions.aborted === 0)).toBe(true);
      expect(agents.map((a) => a.metrics().registerIntervalMs)).toEqual([100, 100, 100, 100]);
    } finally {
      await stop();
    }
  }, 90_000);
});
