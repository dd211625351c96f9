import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { checkAddressing, createRegister, INTENTS, parseMessage, shouldRespond } from "../src/index.js";
import { ALICE_ID, BOB_ID, fixture } from "./helpers.js";

type Msg = Record<string, unknown>;
const v = fixture<{ confirm: Msg; request1: Msg; respond1: Msg }>("v2-session.json");

describe("parseMessage", () => {
  it("accepts the vector's confirm, request and respond and keeps only known fields", () => {
    for (const m of [v.confirm, v.request1, v.respond1]) {
      const r = parseMessage({ ...m, extra: { anything: [1, 2] }, _ts: 1.5 });
      expect(r.ok).toBe(true);
      if (r.ok) expect(r.msg).not.toHaveProperty("extra");
    }
  });

  it("writes from, to, intent first, then the intent's fields (key order as on the wire)", () => {
    const nonce = "0123456789abcdef0123456789abcdef";
    const base = { from: ALICE_ID, to: BOB_ID };
    const cases: [Msg, string[]][] = [
      [v.confirm, ["from", "to", "intent", "my_nonce", "hs"]],
      [v.request1, ["from", "to", "intent", "your_nonce", "my_nonce", "hs"]],
      [v.respond1, ["from", "to", "intent", "your_nonce", "my_nonce"]],
      [{ ...base, to: null, intent: "register", proto: [2, 1] }, ["from", "to", "intent", "proto"]],
      [
        { intent: "close", my_ref: "y", your_ref: "x", ...base },
        ["from", "to", "intent", "your_ref", "my_ref"],
      ],
      [{ ...base, intent: "reconnect" }, ["from", "to", "intent"]],
      [
        { ...base, intent: "conclude", my_ref: "r", your_nonce: nonce },
        ["from", "to", "intent", "your_nonce", "my_ref"],
      ],
    ];
    for (const [m, head] of cases) {
      const r = parseMessage(m);
      expect(r.ok).toBe(true);
      if (r.ok) expect(Object.keys(r.msg).slice(0, head.length)).toEqual(head);
    }
  });

  it("ignores fields that do not belong to the intent", () => {
    const r = parseMessage({ ...v.request1, fin: v.respond1.fin });
    expect(r.ok && r.msg).not.toHaveProperty("fin");
    const r2 = parseMessage({ ...v.respond1, hs: v.request1.hs });
    expect(r2.ok && r2.msg).not.toHaveProperty("hs");
  });

  it("accepts every intent in its minimal valid form", () => {
    const base = { from: ALICE_ID, to: BOB_ID };
    const nonce = "0123456789abcdef0123456789abcdef";
    const ok = [
      { ...base, to: null, intent: "register" },
      { ...base, to: null, intent: "register", proto: [2, 1] },
      { ...base, intent: "request", your_nonce: nonce, my_nonce: nonce },
      { ...base, intent: "respond", your_nonce: nonce, my_nonce: nonce },
      { ...base, intent: "conclude", your_nonce: nonce, my_ref: "a-Z_9" },
      { ...base, intent: "finish", your_ref: "x", my_ref: "y".repeat(32) },
      { ...base, intent: "close", your_ref: "x", my_ref: "y" },
      { ...base, intent: "reconnect" },
    ];
    for (const m of ok) expect(parseMessage(m)).toMatchObject({ ok: true, msg: { intent: m.intent } });
  });

  const bad: [string, Record<string, unknown>, string][] = [
    ["uppercase nonce", { ...v.confirm, my_nonce: "FEDCBA9876543210FEDCBA9876543210" }, "my_nonce"],
    ["short nonce", { ...v.request1, your_nonce: "abc" }, "your_nonce"],
    ["numeric nonce", { ...v.request1, your_nonce: 123 }, "your_nonce"],
    ["non-uuid from", { ...v.confirm, from: "bob" }, "from"],
    ["numeric to", { ...v.confirm, to: 7 }, "to"],
    ["missing to", { from: ALICE_ID, intent: "register" }, "to"],
    ["hs.v = 1", { ...v.confirm, hs: { ...(v.confirm.hs as object), v: 1 } }, "hs.v"],
    [
      "kx_pub of 31 bytes",
      { ...v.confirm, hs: { ...(v.confirm.hs as object), kx_pub: "A".repeat(40) + "AA==" } },
      "kx_pub",
    ],
    [
      "sig of 63 bytes",
      { ...v.confirm, hs: { ...(v.confirm.hs as object), sig: `${"A".repeat(84)}=` } },
      "sig",
    ],
    [
      "bad timestamp",
      { ...v.confirm, hs: { ...(v.confirm.hs as object), timestamp: "yesterday" } },
      "timestamp",
    ],
    [
      "ref too long",
      { from: ALICE_ID, to: BOB_ID, intent: "close", your_ref: "x".repeat(33), my_ref: "y" },
      "your_ref",
    ],
    [
      "ref with a dot",
      { from: ALICE_ID, to: BOB_ID, intent: "close", your_ref: "a.b", my_ref: "y" },
      "your_ref",
    ],
    ["empty ref", { from: ALICE_ID, to: BOB_ID, intent: "finish", your_ref: "", my_ref: "y" }, "your_ref"],
    ["sec without v", { ...v.request1, sec: { sid: "a".repeat(32), seq: 1, ct: "AAAA" } }, "sec.v"],
    ["sec seq 0", { ...v.request1, sec: { ...(v.request1.sec as object), seq: 0 } }, "seq"],
    ["sec seq float", { ...v.request1, sec: { ...(v.request1.sec as object), seq: 1.5 } }, "seq"],
    ["proto not a list", { from: ALICE_ID, to: null, intent: "register", proto: "2" }, "proto"],
    ["unknown intent", { from: ALICE_ID, to: null, intent: "hello" }, "intent"],
  ];
  for (const [name, payload, detail] of bad) {
    it(`rejects ${name} as malformed (${detail})`, () => {
      const r = parseMessage(payload);
      expect(r.ok).toBe(false);
      if (!r.ok) {
        expect(r.reason).toBe("malformed");
        expect(r.detail).toContain(detail.split(".").pop());
      }
    });
  }

  it("never throws, whatever it is given (10,000 arbitrary values)", () => {
    fc.assert(
      fc.property(
        fc.anything({ withBigInt: true, withMap: true, withSet: true, withTypedArray: true }),
        (x) => {
          const r = parseMessage(x);
          expect(typeof r.ok).toBe("boolean");
        },
      ),
      { numRuns: 10_000 },
    );
  });

  it("never throws on near-valid messages with random field values", () => {
    const field = fc.oneof(
      fc.string(),
      fc.integer(),
      fc.constant(null),
      fc.stringMatching(/^[0-9a-f]{32}$/),
      fc.stringMatching(/^[A-Za-z0-9+/]{43}=$/),
      fc.object(),
    );
    fc.assert(
      fc.property(
        fc.record({
          from: fc.oneof(fc.constant(ALICE_ID), field),
          to: fc.oneof(fc.constant(BOB_ID), fc.constant(null), field),
          intent: fc.oneof(fc.constantFrom(...INTENTS), field),
          my_nonce: field,
          your_nonce: field,
          my_ref: field,
          your_ref: field,
          hs: fc.oneof(
            field,
            fc.dictionary(fc.constantFrom("v", "type", "nonce", "kx_pub", "sig", "timestamp"), field),
          ),
          sec: fc.oneof(
            field,
            fc.dictionary(fc.constantFrom("v", "sid", "seq", "ct", "envelope", "sig"), field),
          ),
        }),
        (m) => {
          expect(() => parseMessage(m)).not.toThrow();
        },
      ),
      { numRuns: 2_000 },
    );
  });
});

describe("addressing and symmetry", () => {
  const OTHER_ID = "00000000-0000-4000-8000-000000000000";
  it.each([
    ["a broadcast register", createRegister(ALICE_ID, [2, 1]), undefined, null],
    ["a message to us", { from: ALICE_ID, to: BOB_ID, intent: "request" }, undefined, null],
    ["a message to someone else", { from: ALICE_ID, to: ALICE_ID }, undefined, "not-for-us"],
    ["our own echo", createRegister(BOB_ID, [2, 1]), undefined, "from-self"],
    ["a sender that is no agentId", { from: "alice", to: BOB_ID }, undefined, "no-sender"],
    ["no sender at all", { to: null }, undefined, "no-sender"],
    ["the peer's message to us", { from: ALICE_ID, to: BOB_ID, intent: "close" }, ALICE_ID, null],
    ["the peer's broadcast register", { from: ALICE_ID, to: null, intent: "register" }, ALICE_ID, null],
    [
      "another agent's message to us",
      { from: OTHER_ID, to: BOB_ID, intent: "close" },
      ALICE_ID,
      "not-the-peer",
    ],
    [
      "the peer's broadcast session message",
      { from: ALICE_ID, to: null, intent: "close" },
      ALICE_ID,
      "broadcast",
    ],
    [
      "the peer's message to someone else",
      { from: ALICE_ID, to: OTHER_ID, intent: "register" },
      ALICE_ID,
      "not-for-us",
    ],
  ] as const)("%s", (_what, payload, peerId, drop) => {
    expect(checkAddressing(payload, BOB_ID, peerId)).toBe(drop);
  });

  it("the greater id responds (plain string comparison)", () => {
    expect(shouldRespond(BOB_ID, ALICE_ID)).toBe(true);
    expect(shouldRespond(ALICE_ID, BOB_ID)).toBe(false);
    expect(shouldRespond("b", "B")).toBe(true);
  });
});
