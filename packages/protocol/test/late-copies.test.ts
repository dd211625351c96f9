import { canonicalJson } from "@hsagent/crypto";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { DEFAULT_CONFIG, LateCopies, lateCopyWindowMs } from "../src/index.js";

const ALICE = "11111111-1111-4111-8111-111111111111";
const BOB = "22222222-2222-4222-8222-222222222222";
const close = { from: ALICE, to: BOB, intent: "close", your_ref: "b1", my_ref: "a1" };
const finish = { from: BOB, to: ALICE, intent: "finish", your_ref: "a1", my_ref: "b1" };
const ourClose = { from: ALICE, to: BOB, intent: "close", your_ref: "b1", my_ref: "a2" };

/** A memory on a hand-driven clock. */
function setup(windowMs = 1000, maxKept?: number) {
  const clock = { t: 0 };
  const copies = new LateCopies({
    now: () => clock.t,
    lateCopyWindowMs: windowMs,
    ...(maxKept === undefined ? {} : { maxKept }),
  });
  return { clock, copies };
}

describe("LateCopies", () => {
  it("the window is FINAL_LIMIT ticks plus the retransmit budget", () => {
    expect(lateCopyWindowMs(DEFAULT_CONFIG)).toBe((3 + 5 + 1) * 500);
    expect(lateCopyWindowMs({ finalLimit: 1, maxRetransmits: 0, retransmitMs: 100 })).toBe(200);
  });

  it("a copy of the close that ended a session is dropped until the window passes", () => {
    const { clock, copies } = setup();
    expect(copies.check(close)).toBeNull();
    copies.closed(close);
    clock.t = 1000;
    // Key order does not matter: copies are compared as canonical JSON.
    const reordered = { my_ref: "a1", your_ref: "b1", intent: "close", to: BOB, from: ALICE };
    expect(copies.check(reordered)).toEqual({ kind: "close" });
    expect(copies.check({ ...close, my_ref: "a9" })).toBeNull();
    expect(copies.check({ ...close, intent: "finish" })).toBeNull();
    clock.t = 1001;
    expect(copies.check(close)).toBeNull();
  });

  it("a re-sent finish of a released session is answered with our close again", () => {
    const { clock, copies } = setup();
    copies.released(canonicalJson(finish), ourClose);
    clock.t = 500;
    expect(copies.check(finish)).toEqual({ kind: "finish", reply: ourClose });
    expect(copies.check({ ...finish, my_ref: "b2" })).toBeNull();
    expect(copies.check(close)).toBeNull();
    clock.t = 1001;
    expect(copies.check(finish)).toBeNull();
  });

  it("remembers at most maxKept sessions, the oldest forgotten first", () => {
    const { copies } = setup(1000, 2);
    for (const ref of ["c1", "c2", "c3"]) copies.closed({ ...close, my_ref: ref });
    expect(copies.check({ ...close, my_ref: "c1" })).toBeNull();
    expect(copies.check({ ...close, my_ref: "c2" })).toEqual({ kind: "close" });
    expect(copies.check({ ...close, my_ref: "c3" })).toEqual({ kind: "close" });
  });

  it("a payload that has no canonical form is never a late copy", () => {
    const { copies } = setup();
    copies.closed({ ...close, bad: 1.5 });
    expect(copies.check({ ...close, bad: 1.5 })).toBeNull();
    expect(copies.check(close)).toBeNull();
  });
});

/** The memory as first written (linear scans), to check the indexed one against. */
class NaiveLateCopies {
  readonly closes: { text: string; until: number }[] = [];
  readonly released: { text: string; until: number; reply: unknown }[] = [];
  constructor(
    readonly now: () => number,
    readonly windowMs: number,
    readonly maxKept: number,
  ) {}
  closed(close: unknown): void {
    const now = this.now();
    this.closes.push({ text: canonicalJson(close), until: now + this.windowMs });
    this.prune(this.closes, now);
  }
  releasedFinish(finish: string, reply: unknown): void {
    const now = this.now();
    this.released.push({ text: finish, reply, until: now + this.windowMs });
    this.prune(this.released, now);
  }
  check(payload: Record<string, unknown>): unknown {
    if (this.closes.length > 0 && payload.intent === "close") {
      this.prune(this.closes, this.now());
      const text = canonicalJson(payload);
      if (this.closes.some((c) => c.text === text)) return { kind: "close" };
    }
    if (this.released.length > 0 && payload.intent === "finish") {
      this.prune(this.released, this.now());
      const text = canonicalJson(payload);
      const hit = this.released.find((r) => r.text === text);
      if (hit) return { kind: "finish", reply: hit.reply };
    }
    return null;
  }
  prune(list: { until: number }[], now: number): void {
    while (list.length > 0 && (list[0]!.until < now || list.length > this.maxKept)) list.shift();
  }
}

describe("LateCopies index", () => {
  it("answers every sequence of closes, releases, checks and clock steps like linear scans", () => {
    const ref = fc.constantFrom("r1", "r2", "r3");
    const op = fc.oneof(
      fc.record({ op: fc.constant("closed" as const), ref }),
      fc.record({ op: fc.constant("released" as const), ref, reply: fc.integer() }),
      fc.record({ op: fc.constant("check" as const), ref, intent: fc.constantFrom("close", "finish") }),
      fc.record({ op: fc.constant("tick" as const), ms: fc.integer({ min: 0, max: 600 }) }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 40 }), fc.integer({ min: 1, max: 4 }), (ops, maxKept) => {
        const clock = { t: 0 };
        const now = () => clock.t;
        const fast = new LateCopies({ now, lateCopyWindowMs: 1000, maxKept });
        const naive = new NaiveLateCopies(now, 1000, maxKept);
        for (const o of ops) {
          if (o.op === "tick") clock.t += o.ms;
          else if (o.op === "closed") {
            fast.closed({ ...close, my_ref: o.ref });
            naive.closed({ ...close, my_ref: o.ref });
          } else if (o.op === "released") {
            const text = canonicalJson({ ...finish, my_ref: o.ref });
            const reply = { ...ourClose, seq: o.reply };
            fast.released(text, reply);
            naive.releasedFinish(text, reply);
          } else {
            const payload = o.intent === "close" ? { ...close, my_ref: o.ref } : { ...finish, my_ref: o.ref };
            expect(fast.check(payload)).toEqual(naive.check(payload));
          }
        }
      }),
      { seed: 20_261_206, numRuns: 2000 },
    );
  });
});
