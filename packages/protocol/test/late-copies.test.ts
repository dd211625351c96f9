import { canonicalJson } from "@hsagent/crypto";
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
