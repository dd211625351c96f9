/**
 * Unit tests of the pure legacy and rejection-reporting modules under a virtual clock:
 * RejectionReport (one block per peer+reason+window with an exact count, 2 warns per peer and
 * window; fast-check over random streams), LegacyGate (refuse once, log once, back off, v2 never
 * shut out) and ClosePacer (hold a v1 register until the close copies stop).
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { LegacyGate, legacyRefusalLine, speaksOnlyV1 } from "../src/legacy-gate.js";
import { ClosePacer } from "../src/legacy-pacer.js";
import { blockAuditInput, type RejectionBlock, RejectionReport } from "../src/rejection-report.js";

/** A virtual clock with cancellable timers, run in time order by `advance`. */
class VirtualTime {
  now = 1_000_000;
  #timers: { at: number; fn: () => void; live: boolean }[] = [];
  readonly clock = () => this.now;
  readonly schedule = (fn: () => void, ms: number) => {
    const t = { at: this.now + ms, fn, live: true };
    this.#timers.push(t);
    return () => {
      t.live = false;
    };
  };
  advance(ms: number): void {
    const end = this.now + ms;
    for (;;) {
      const due = this.#timers.filter((t) => t.live && t.at <= end).sort((a, b) => a.at - b.at)[0];
      if (!due) break;
      due.live = false;
      this.now = Math.max(this.now, due.at);
      due.fn();
    }
    this.now = end;
  }
}

function report(vt: VirtualTime, extra: { maxKeys?: number } = {}) {
  const blocks: (RejectionBlock & { emittedAt: number })[] = [];
  const r = new RejectionReport({
    emit: (b) => blocks.push({ ...b, emittedAt: vt.now }),
    now: vt.clock,
    schedule: vt.schedule,
    ...extra,
  });
  return { r, blocks };
}

describe("RejectionReport", () => {
  it("a confirm refused every second for 5 minutes: 5 blocks carrying all 300, 10 warns", () => {
    const vt = new VirtualTime();
    const { r, blocks } = report(vt);
    let warns = 0;
    for (let i = 0; i < 300; i++) {
      if (r.record("peer-a", "bad-signature", "confirm").warn) warns++;
      vt.advance(1000);
    }
    expect(blocks.length).toBe(5);
    expect(blocks.reduce((n, b) => n + b.count, 0)).toBe(300);
    expect(blocks.map((b) => b.count)).toEqual([60, 60, 60, 60, 60]);
    expect(blocks[0]).toMatchObject({ type: "HANDSHAKE_REJECTED", peer: "peer-a", intents: "confirm" });
    expect(warns).toBe(10);
    expect(r.stats()).toEqual({ recorded: 300, blocks: 5, warnsSuppressed: 290 });
  });

  it("keeps peers and reasons apart, and flush() emits what is pending", () => {
    const vt = new VirtualTime();
    const { r, blocks } = report(vt);
    r.record("a", "unexpected", "close");
    r.record("a", "bad-echo", "request");
    r.record("b", "unexpected", "close");
    r.record("a", "unexpected", "finish");
    expect(blocks).toEqual([]);
    expect(r.pendingCount).toBe(4);
    r.close();
    expect(blocks.map((b) => [b.peer, b.reason, b.count, b.intents, b.type])).toEqual([
      ["a", "unexpected", 2, "close,finish", "MESSAGE_REJECTED"],
      ["a", "bad-echo", 1, "request", "MESSAGE_REJECTED"],
      ["b", "unexpected", 1, "close", "MESSAGE_REJECTED"],
    ]);
    // Closed: still counted and rationed, no more blocks.
    r.record("a", "unexpected", null);
    vt.advance(120_000);
    expect(blocks.length).toBe(3);
    expect(r.stats().recorded).toBe(5);
  });

  it("renders a block as an audit event with count and times", () => {
    const input = blockAuditInput({
      type: "HANDSHAKE_REJECTED",
      peer: "p",
      reason: "legacy-refused",
      count: 94,
      intents: "confirm",
      firstAt: 0,
      lastAt: 97_000,
    });
    expect(input).toEqual({
      type: "HANDSHAKE_REJECTED",
      peer: "p",
      reason: "legacy-refused",
      detail: {
        count: 94,
        intents: "confirm",
        first: "1970-01-01T00:00:00.000Z",
        last: "1970-01-01T00:01:37.000Z",
      },
    });
  });

  it("bounds its memory: past maxKeys the oldest pending block is emitted early", () => {
    const vt = new VirtualTime();
    const { r, blocks } = report(vt, { maxKeys: 3 });
    for (let i = 0; i < 10; i++) r.record(`p${i}`, "unexpected", null);
    expect(blocks.map((b) => b.peer)).toEqual(["p0", "p1", "p2", "p3", "p4", "p5", "p6"]);
    expect(r.pendingCount).toBe(3);
  });

  it("for any stream: counts are exact, blocks of a key are a window apart, ≤ 2 warns per peer and window", () => {
    const event = fc.record({
      dt: fc.integer({ min: 0, max: 30_000 }),
      peer: fc.constantFrom("p1", "p2", "p3"),
      reason: fc.constantFrom("unexpected", "bad-signature", "legacy-refused"),
    });
    fc.assert(
      fc.property(fc.array(event, { maxLength: 300 }), (events) => {
        const vt = new VirtualTime();
        const { r, blocks } = report(vt);
        const warnTimes = new Map<string, number[]>();
        for (const e of events) {
          vt.advance(e.dt);
          if (r.record(e.peer, e.reason, "confirm").warn)
            warnTimes.set(e.peer, [...(warnTimes.get(e.peer) ?? []), vt.now]);
        }
        const timed = blocks.length; // blocks after this one come from the final flush (agent stop)
        r.flush();
        expect(blocks.reduce((n, b) => n + b.count, 0)).toBe(events.length);
        const lastByKey = new Map<string, number>();
        for (const b of blocks.slice(0, timed)) {
          const key = `${b.peer}/${b.reason}`;
          const last = lastByKey.get(key);
          if (last !== undefined) expect(b.emittedAt - last).toBeGreaterThanOrEqual(60_000);
          lastByKey.set(key, b.emittedAt);
          expect(b.emittedAt - b.firstAt).toBeLessThanOrEqual(60_000);
        }
        // Sliding budget: any 3 warns of one peer span at least a window.
        for (const times of warnTimes.values())
          for (let i = 2; i < times.length; i++)
            expect(times[i]! - times[i - 2]!).toBeGreaterThanOrEqual(60_000);
      }),
      { numRuns: 200 },
    );
  });
});

describe("LegacyGate", () => {
  const v1Register = { intent: "register", from: "x", to: null };
  const v2Register = { ...v1Register, proto: [2, 1] };

  it("speaksOnlyV1: identity first, then the register's proto", () => {
    expect(speaksOnlyV1(undefined, undefined)).toBe(true);
    expect(speaksOnlyV1([1], undefined)).toBe(true);
    expect(speaksOnlyV1([2, 1], undefined)).toBe(false);
    expect(speaksOnlyV1("2", undefined)).toBe(true);
    expect(speaksOnlyV1(undefined, [1])).toBe(true);
    expect(speaksOnlyV1([2], [1])).toBe(true);
    expect(speaksOnlyV1(undefined, [2, 1])).toBe(false);
    expect(speaksOnlyV1(undefined, [])).toBe(true);
  });

  it("legacy off: refuses a v1-only peer once (log once), ignores it for the back-off, then refuses again", () => {
    const vt = new VirtualTime();
    const gate = new LegacyGate({ allowLegacy: false, backoffMs: 600_000, now: vt.clock });
    expect(gate.screen("old", v1Register)).toEqual({ action: "refuse", log: true });
    for (let i = 0; i < 100; i++) {
      vt.advance(1000);
      expect(gate.screen("old", i % 2 ? v1Register : { intent: "confirm" }).action).toBe("ignore");
    }
    expect(gate.screen("old", { intent: "request" }).action).toBe("pass");
    vt.advance(600_000);
    expect(gate.screen("old", v1Register)).toEqual({ action: "refuse", log: false });
    expect(gate.stats()).toEqual({ refusals: 2, ignored: 100 });
    expect(legacyRefusalLine("old")).toBe(
      "peer old speaks only protocol v1; enable --allow-legacy to talk to it",
    );
  });

  it("a v1 confirm refused by the machine starts the back-off too; a v2 register ends it", () => {
    const gate = new LegacyGate({ allowLegacy: false });
    expect(gate.screen("p", { intent: "confirm" }).action).toBe("pass"); // the machine decides
    expect(gate.refused("p")).toEqual({ action: "refuse", log: true });
    expect(gate.screen("p", { intent: "confirm" }).action).toBe("ignore");
    expect(gate.screen("p", v2Register).action).toBe("pass");
    expect(gate.isBackingOff("p")).toBe(false);
  });

  it("never shuts out a peer whose identity lists 2, nor anyone when legacy is allowed", () => {
    const strict = new LegacyGate({ allowLegacy: false });
    strict.refused("v2peer");
    expect(strict.screen("v2peer", v1Register, [2, 1]).action).toBe("pass");
    expect(strict.screen("v2peer", { intent: "confirm" }, [2]).action).toBe("pass");
    const open = new LegacyGate({ allowLegacy: true });
    expect(open.screen("old", v1Register, [1]).action).toBe("pass");
  });

  it("garbage payloads never throw and never refuse anything but a register", () => {
    const gate = new LegacyGate({ allowLegacy: false });
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.jsonValue()), (payload) => {
        const v = gate.screen("g", payload);
        if (v.action === "refuse") expect(payload.intent).toBe("register");
      }),
    );
  });
});

describe("ClosePacer", () => {
  function pacer() {
    const vt = new VirtualTime();
    const p = new ClosePacer({ now: vt.clock, schedule: vt.schedule });
    const replayed: { at: number; payload: unknown }[] = [];
    const replay = (payload: unknown) => replayed.push({ at: vt.now, payload });
    return { vt, p, replayed, replay };
  }

  it("holds a register while closes arrive every second, replays the latest 1.5 gaps after the last", () => {
    const { vt, p, replayed, replay } = pacer();
    const start = vt.now;
    for (let i = 0; i < 4; i++) {
      p.noteClose("old");
      vt.advance(500);
      expect(p.hold("old", { n: i }, replay)).toBe(true);
      vt.advance(500);
    }
    // Last close at start+3000; gap 1000 → quiet 1500 → replay at start+4500.
    vt.advance(10_000);
    expect(replayed).toEqual([{ at: start + 4500, payload: { n: 3 } }]);
    expect(p.heldCount).toBe(4);
    expect(p.hold("old", {}, replay)).toBe(false); // quiet now: answer at once
  });

  it("does not hold a peer that sent no close, nor after close()", () => {
    const { p, replay } = pacer();
    expect(p.hold("fresh", {}, replay)).toBe(false);
    p.noteClose("x");
    p.close();
    expect(p.hold("x", {}, replay)).toBe(false);
  });

  it("drops a held register older than maxHoldMs instead of answering it", () => {
    const vt = new VirtualTime();
    const p = new ClosePacer({ now: vt.clock, schedule: vt.schedule, maxHoldMs: 1000 });
    const replayed: unknown[] = [];
    p.noteClose("old");
    expect(p.hold("old", {}, (x) => replayed.push(x))).toBe(true);
    // Copies keep coming for a long time: the register held at the start goes stale.
    for (let i = 0; i < 5; i++) {
      vt.advance(1000);
      p.noteClose("old");
    }
    vt.advance(5000);
    expect(replayed).toEqual([]);
  });
});
