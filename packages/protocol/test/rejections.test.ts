/**
 * Every rejection reason, each proven to leave the machine's state untouched (the very same
 * state object) with exactly one `rejected` effect; plus timers, duplicates and a fast-check fuzz.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type Effect, type RejectReason, step } from "../src/index.js";
import { INTENTS } from "../src/messages.js";
import {
  type Agent,
  ALICE_ID,
  alice,
  apply,
  BOB_ID,
  bob,
  Clock,
  deliver,
  early,
  fire,
  identityOf,
  MALLORY_ID,
  makeAgent,
  mallory,
  registerOf,
  sends,
} from "./helpers.js";

type Payload = Record<string, unknown>;

function pair(cfg = {}) {
  const clock = new Clock();
  const a = makeAgent(alice, identityOf(bob), clock, cfg);
  const b = makeAgent(bob, identityOf(alice), clock, cfg);
  return { a, b, clock };
}

function one(effects: ReturnType<typeof deliver>): Payload {
  const out = sends(effects);
  expect(out).toHaveLength(1);
  return out[0] as Payload;
}

/** Drive a lossless session step by step, keeping every message. */
function script(cfg = {}) {
  const { a, b, clock } = pair(cfg);
  const confirm = one(deliver(b, registerOf(alice)));
  const request1 = one(deliver(a, confirm));
  const respond1 = one(deliver(b, request1));
  const request2 = one(deliver(a, respond1));
  return { a, b, clock, confirm, request1, respond1, request2 };
}

function expectRejected(agent: Agent, payload: unknown, reason: RejectReason, peer = agent.peer): void {
  const before = agent.state;
  const effects = apply(agent, { type: "receive", payload, peer });
  expect(effects).toHaveLength(1);
  expect(effects[0]).toMatchObject({ type: "rejected", reason });
  expect(agent.state).toBe(before);
}

const flip = (s: string) => (s[0] === "A" ? "B" : "A") + s.slice(1);
const hsOf = (m: Payload) => m.hs as Payload;
const secOf = (m: Payload) => m.sec as Payload;

describe("handshake rejections", () => {
  it("bad-signature: forged hs sig, forged tsig, forged fin", () => {
    const { confirm } = script();
    // A fresh initiator that has not seen the confirm yet.
    const fresh = pair().a;
    expectRejected(
      fresh,
      { ...confirm, hs: { ...hsOf(confirm), sig: flip(hsOf(confirm).sig as string) } },
      "bad-signature",
    );
    expect(sends(deliver(fresh, confirm))).toHaveLength(1);

    const s = pair();
    const c = one(deliver(s.b, registerOf(alice)));
    const r1 = one(deliver(s.a, c));
    expectRejected(s.b, { ...r1, hs: { ...hsOf(r1), tsig: flip(hsOf(r1).tsig as string) } }, "bad-signature");
    const resp1 = one(deliver(s.b, r1));
    expectRejected(s.a, { ...resp1, fin: flip(resp1.fin as string) }, "bad-signature");
    const { fin: _fin, ...noFin } = resp1;
    expectRejected(s.a, noFin, "bad-signature");
    expect(s.a.log.some((e) => e.type === "established")).toBe(false);
  });

  it("pin-mismatch: the registry's key for the peer differs; a refreshed identity then succeeds", () => {
    const { a, b } = pair();
    const confirm = one(deliver(b, registerOf(alice)));
    const stalePin = { ...identityOf(bob), signPubB64: mallory.signingKey.publicKeyB64 };
    expectRejected(a, confirm, "pin-mismatch", stalePin);
    expect(sends(deliver(a, confirm))).toHaveLength(1);
    expect(a.state.name).toBe("init_exchange");
  });

  it("stale and future handshake timestamps", () => {
    const { a, b, clock } = pair();
    const confirm = one(deliver(b, registerOf(alice)));
    clock.ms += 61_000;
    expectRejected(a, confirm, "stale");
    clock.ms -= 61_000 + 31_000;
    expectRejected(a, confirm, "future");
    clock.ms += 31_000;
    expect(sends(deliver(a, confirm))).toHaveLength(1);
  });

  it("replay: a confirm from a finished session is refused by the durable nonce check", () => {
    const { a, b, clock, confirm } = script();
    // Finish the session: abort both sides (state purged), then replay the old confirm.
    apply(a, { type: "abort", reason: "test" });
    apply(b, { type: "abort", reason: "test" });
    expect(a.state.name).toBe("init_ready");
    clock.ms += 1000;
    const before = a.state;
    const effects = apply(a, { type: "receive", payload: confirm, peer: a.peer });
    // The nonce is known here already, so the early request #1 stays unsent (a runtime that had
    // restarted would send it; the replay verdict still leaves the state untouched).
    expect(effects).toEqual([
      {
        type: "checkNonce",
        nonce: confirm.my_nonce,
        timestamp: expect.any(String),
        early: [expect.objectContaining({ intent: "request" })],
      },
      { type: "rejected", reason: "replay", intent: "confirm" },
    ]);
    expect(a.state).toEqual(before);
    expect(a.state.name).toBe("init_ready");
  });

  it("type-mismatch and nonce-mismatch", () => {
    const s = script();
    const fresh = pair().a;
    // A confirm carrying an init blob.
    expectRejected(
      fresh,
      { ...s.confirm, hs: hsOf(s.request1), my_nonce: hsOf(s.request1).nonce },
      "type-mismatch",
    );
    expectRejected(fresh, { ...s.confirm, my_nonce: "0".repeat(32) }, "nonce-mismatch");
  });

  it("legacy-refused and downgrade on the responder side too", () => {
    const v1 = { protocolVersions: [1], allowLegacy: true };
    const legacyAlice = makeAgent(alice, identityOf(bob), new Clock(), v1);
    // A strict v2 responder refuses the v1 request #1 of a legacy initiator.
    const strict = makeAgent(bob, identityOf(alice, [1]), new Clock(), {});
    const req1 = one(deliver(legacyAlice, one(deliver(strict, registerOf(alice, [1])))));
    expect(hsOf(req1).v).toBeUndefined();
    expectRejected(strict, req1, "legacy-refused");
    // With allowLegacy, but the registry says Alice speaks 2: the missing v is a downgrade.
    const lenient = makeAgent(bob, identityOf(alice, [2, 1]), new Clock(), { allowLegacy: true });
    const legacyAlice2 = makeAgent(alice, identityOf(bob), new Clock(), v1);
    const req1b = one(deliver(legacyAlice2, one(deliver(lenient, registerOf(alice)))));
    expectRejected(lenient, req1b, "downgrade");
    expect(lenient.state.name).toBe("resp_confirm");
  });

  it("optimistic check (v2): the answer goes out early; a replay verdict takes nothing further", () => {
    const { a, b } = pair();
    const confirm = one(deliver(b, registerOf(alice)));
    const t1 = step(a.ctx, a.state, { type: "receive", payload: confirm, peer: a.peer });
    // Only the check: no timer, persist, audit or established before the verdict.
    expect(t1.effects.map((e) => e.type)).toEqual(["checkNonce"]);
    const [request1] = early(t1.effects);
    expect(request1).toMatchObject({ intent: "request", your_nonce: confirm.my_nonce });
    const replay = step(a.ctx, t1.state, {
      type: "nonce-checked",
      nonce: confirm.my_nonce as string,
      fresh: false,
    });
    expect(replay.effects).toEqual([{ type: "rejected", reason: "replay", intent: "confirm" }]);
    expect(replay.state).toEqual(a.state);

    // Bob answers the early request #1 early too; his `established` and round-1 delivery wait.
    b.nonces.clear();
    const t2 = step(b.ctx, b.state, { type: "receive", payload: request1, peer: b.peer });
    expect(t2.effects.map((e) => e.type)).toEqual(["checkNonce"]);
    expect(early(t2.effects)[0]).toMatchObject({ intent: "respond" });
    const refused = step(b.ctx, t2.state, {
      type: "nonce-checked",
      nonce: (request1!.hs as { nonce: string }).nonce,
      fresh: false,
    });
    expect(refused.effects).toEqual([{ type: "rejected", reason: "replay", intent: "request" }]);
    expect(refused.state.name).toBe("resp_confirm");
    expect(refused.state.session?.established).toBe(false);
  });

  it("v1 (HSAgent_2) keeps the strict order: nothing is sent before the verdict", () => {
    const v1 = { protocolVersions: [1], allowLegacy: true };
    const clock = new Clock();
    const a = makeAgent(alice, identityOf(bob, [1]), clock, v1);
    const b = makeAgent(bob, identityOf(alice, [1]), clock, v1);
    const confirm = one(deliver(b, registerOf(alice, [1])));
    const t1 = step(a.ctx, a.state, { type: "receive", payload: confirm, peer: a.peer });
    expect(t1.effects).toEqual([
      { type: "checkNonce", nonce: confirm.my_nonce, timestamp: expect.any(String) },
    ]);
    const t2 = step(a.ctx, t1.state, {
      type: "nonce-checked",
      nonce: confirm.my_nonce as string,
      fresh: true,
    });
    expect(sends(t2.effects)).toHaveLength(1);
  });

  it("busy: while a handshake waits for its nonce check, other messages are refused", () => {
    const { a, b } = pair();
    const confirm = one(deliver(b, registerOf(alice)));
    const t1 = step(a.ctx, a.state, { type: "receive", payload: confirm, peer: a.peer });
    expect(t1.effects).toEqual([
      {
        type: "checkNonce",
        nonce: confirm.my_nonce,
        timestamp: expect.any(String),
        early: [expect.objectContaining({ intent: "request" })],
      },
    ]);
    expect(t1.state.name).toBe("init_ready");
    const t2 = step(a.ctx, t1.state, { type: "receive", payload: { ...confirm }, peer: a.peer });
    expect(t2.effects).toEqual([{ type: "rejected", reason: "busy", intent: "confirm" }]);
    expect(t2.state).toBe(t1.state);
    // A result for another nonce is ignored; the matching one commits.
    const t3 = step(a.ctx, t1.state, { type: "nonce-checked", nonce: "f".repeat(32), fresh: true });
    expect(t3.state).toBe(t1.state);
    const t4 = step(a.ctx, t1.state, {
      type: "nonce-checked",
      nonce: confirm.my_nonce as string,
      fresh: true,
    });
    expect(t4.state.name).toBe("init_exchange");
  });
});

describe("session message rejections", () => {
  it("bad-echo: wrong your_nonce / your_ref", () => {
    const s = script();
    expectRejected(s.b, { ...s.request2, your_nonce: "0".repeat(32) }, "bad-echo");
  });

  it("decrypt-failed: tampered ciphertext, and a tampered outer field bound by the AAD", () => {
    const s = script();
    expectRejected(
      s.b,
      { ...s.request2, sec: { ...secOf(s.request2), ct: flip(secOf(s.request2).ct as string) } },
      "decrypt-failed",
    );
    expectRejected(s.b, { ...s.request2, my_nonce: "1".repeat(32) }, "decrypt-failed");
  });

  it("seq-replay: an old sec (seq 1) under the right echo is refused before decryption", () => {
    const s = script();
    expectRejected(s.b, { ...s.request2, sec: s.request1.sec }, "seq-replay");
  });

  it("bad-sec: a stripped sec or a sec of another session", () => {
    const s = script();
    const { sec: _sec, ...plain } = s.request2;
    expectRejected(s.b, plain, "bad-sec");
    expectRejected(s.b, { ...s.request2, sec: { ...secOf(s.request2), sid: "0".repeat(32) } }, "bad-sec");
  });

  it("forged conclude/close from a third party: wrong sender, or right sender without the keys", () => {
    const s = script({ exchangeLimit: 0 });
    // exchangeLimit 0: one round, so request2 is already the conclude.
    const conclude = s.request2;
    expect(conclude.intent).toBe("conclude");
    const { sec: _sec, ...unsealed } = conclude;
    expectRejected(s.b, unsealed, "bad-sec");
    expectRejected(s.b, { ...conclude, from: MALLORY_ID }, "misaddressed");
    const finish = one(deliver(s.b, conclude));
    const close = one(deliver(s.a, finish));
    const { sec: _s2, ...forgedClose } = close;
    expectRejected(s.b, forgedClose, "bad-sec");
    expectRejected(
      s.b,
      { ...close, sec: { ...secOf(close), ct: flip(secOf(close).ct as string) } },
      "decrypt-failed",
    );
    expectRejected(s.b, { ...close, from: MALLORY_ID }, "misaddressed");
    expect(s.b.state.name).toBe("resp_finalize");
    deliver(s.b, close);
    expect(s.b.state.name).toBe("resp_ready");
  });

  it("unexpected: a message that has no row in the current state", () => {
    const s = script();
    expectRejected(s.b, { ...s.confirm, from: ALICE_ID, to: BOB_ID }, "unexpected");
    expectRejected(
      s.a,
      { from: BOB_ID, to: ALICE_ID, intent: "finish", your_ref: "x", my_ref: "y" },
      "unexpected",
    );
    expectRejected(
      s.a,
      { from: BOB_ID, to: ALICE_ID, intent: "close", your_ref: "x", my_ref: "y" },
      "unexpected",
    );
  });

  it("misaddressed and malformed: wrong recipient, broadcast session message, unknown field types", () => {
    const s = script();
    expectRejected(s.b, { ...s.request2, to: MALLORY_ID }, "misaddressed");
    expectRejected(s.b, { ...s.request2, to: null }, "misaddressed");
    expectRejected(s.b, { ...s.request2, my_nonce: 42 }, "malformed");
    expectRejected(s.b, { ...s.request2, sec: "sealed" }, "malformed");
    expectRejected(s.b, [s.request2], "malformed");
    expectRejected(s.b, null, "malformed");
    // Unknown fields are ignored: the same request with extras is accepted.
    expect(sends(deliver(s.b, { ...s.request2, note: { nested: [1, "x"] } }))).toHaveLength(1);
  });

  it("reconnect is ignored without any effect", () => {
    const s = script();
    const before = s.b.state;
    expect(deliver(s.b, { from: ALICE_ID, to: BOB_ID, intent: "reconnect" })).toEqual([]);
    expect(s.b.state).toBe(before);
  });
});

describe("duplicates and timers", () => {
  it("start: a ready responder opens the session itself; anyone else ignores it", () => {
    const { a, b } = pair();
    const started = apply(b, { type: "start" });
    expect(sends(started)).toHaveLength(1);
    expect(sends(started)[0]).toMatchObject({ intent: "confirm", to: ALICE_ID });
    expect(b.state.name).toBe("resp_confirm");
    const before = b.state;
    expect(apply(b, { type: "start" })).toEqual([]);
    expect(b.state).toBe(before);
    expect(apply(a, { type: "start" })).toEqual([]);
    expect(a.state.name).toBe("init_ready");
    // The confirm it sent completes a normal session.
    expect(sends(deliver(a, sends(started)[0]))).toHaveLength(1);
  });

  it("a byte-identical duplicate (any key order) re-sends our last reply and changes nothing — no replay flag", () => {
    const s = script();
    const before = s.a.state;
    const reordered = Object.fromEntries(Object.entries(s.respond1).reverse());
    const effects = deliver(s.a, reordered);
    expect(effects).toEqual([{ type: "send", payload: s.request2 }]);
    expect(s.a.state).toBe(before);
    // The confirm is no longer the last accepted: re-sending it now is refused (echo/unexpected).
    expectRejected(s.a, s.confirm, "unexpected");
  });

  it("a duplicated confirm is answered with the same request #1, not flagged as a replay", () => {
    const { a, b } = pair();
    const confirm = one(deliver(b, registerOf(alice)));
    const req1 = one(deliver(a, confirm));
    const before = a.state;
    expect(deliver(a, confirm)).toEqual([{ type: "send", payload: req1 }]);
    expect(a.state).toBe(before);
  });

  it("retransmits the last message unchanged, then aborts after maxRetransmits", () => {
    const { a, b } = pair();
    const confirm = one(deliver(b, registerOf(alice)));
    for (let i = 0; i < 5; i++) expect(sends(fire(b, "retransmit"))).toEqual([confirm]);
    const last = fire(b, "retransmit");
    expect(sends(last)).toEqual([]);
    expect(last).toContainEqual({ type: "aborted", reason: "max-retransmits" });
    expect(last).toContainEqual({ type: "purge" });
    expect(b.state.name).toBe("resp_ready");
    expect(b.state.session).toBeNull();
    expect(a.state.name).toBe("init_ready");
  });

  it("backs off: the retransmit wait doubles after each re-send, capped at sessionTimeoutMs", () => {
    const { b } = pair();
    const first = deliver(b, registerOf(alice));
    const waits = (effects: Effect[]): number[] =>
      effects.flatMap((e) => (e.type === "armTimer" && e.timer === "retransmit" ? [e.ms] : []));
    expect(waits(first)).toEqual([500]);
    const seen: number[] = [];
    for (let i = 0; i < 5; i++) seen.push(...waits(fire(b, "retransmit")));
    expect(seen).toEqual([1000, 2000, 4000, 8000, 15000]);
  });

  it("session timeout aborts from any non-ready state; stale timer generations are ignored", () => {
    const s = script();
    const gen = s.b.state.timers.session;
    expect(gen).not.toBeNull();
    const before = s.b.state;
    expect(apply(s.b, { type: "timer", timer: "session", gen: (gen ?? 0) + 100 })).toEqual([]);
    expect(s.b.state).toBe(before);
    const effects = fire(s.b, "session");
    expect(effects).toContainEqual({ type: "aborted", reason: "timeout" });
    expect(effects.find((e) => e.type === "audit" && e.event.type === "SESSION_ABORTED")).toBeDefined();
    expect(s.b.state.name).toBe("resp_ready");
  });

  it("the initiator sends close FINAL_LIMIT times, one per tick, then purges", () => {
    const s = script({ exchangeLimit: 0 });
    const finish = one(deliver(s.b, s.request2));
    const close = one(deliver(s.a, finish));
    expect(s.a.state.name).toBe("init_finalize_close");
    expect(sends(fire(s.a, "retransmit"))).toEqual([close]);
    const last = fire(s.a, "retransmit");
    expect(sends(last)).toEqual([close]);
    expect(last).toContainEqual({ type: "closed", sid: expect.any(String) });
    expect(s.a.state.name).toBe("init_ready");
    expect(s.a.state.timers).toEqual({ retransmit: null, session: null });
    expect(fire(s.a, "retransmit")).toEqual([]);
  });

  it("persists milestones without secrets", () => {
    const s = script({ exchangeLimit: 0 });
    const finish = one(deliver(s.b, s.request2));
    deliver(s.b, one(deliver(s.a, finish)));
    const milestones = s.b.log.flatMap((e) => (e.type === "persist" ? [e.milestone] : []));
    expect(milestones).toEqual(["created", "established", "finalizing", "ended"]);
    const text = JSON.stringify(s.b.log.filter((e) => e.type === "persist" || e.type === "audit"));
    expect(text).not.toMatch(/i2r|r2i|eph|"keys"/);
    expect(Object.keys(s.b.log.find((e) => e.type === "persist")?.record ?? {})).toEqual([
      "selfId",
      "peerId",
      "role",
      "state",
      "version",
      "sid",
      "keyAgreement",
      "startedAt",
      "updatedAt",
    ]);
  });
});

describe("fuzz: random payloads never throw and never change state", () => {
  it("10,000 random payloads against machines in every active state", () => {
    const s = script({ exchangeLimit: 0 });
    const finish = one(deliver(s.b, s.request2));
    const bFinal = s.b.state;
    const aClose = s.a;
    deliver(aClose, finish);
    const fresh = pair();
    one(deliver(fresh.b, registerOf(alice)));
    const targets: Agent[] = [
      { ...pair().a }, // init_ready
      { ...fresh.b }, // resp_confirm
      { ...script().a }, // init_exchange
      { ...script().b }, // resp_exchange
      { ...s.b, state: bFinal }, // resp_finalize
      { ...aClose }, // init_finalize_close
    ];
    const hex = fc.stringMatching(/^[0-9a-f]{32}$/);
    const near = fc.record(
      {
        from: fc.constantFrom(ALICE_ID, BOB_ID, MALLORY_ID),
        to: fc.constantFrom(ALICE_ID, BOB_ID, null),
        intent: fc.constantFrom(...INTENTS.filter((i) => i !== "register")),
        my_nonce: hex,
        your_nonce: hex,
        my_ref: fc.stringMatching(/^[A-Za-z0-9_-]{1,32}$/),
        your_ref: fc.stringMatching(/^[A-Za-z0-9_-]{1,32}$/),
        fin: fc.stringMatching(/^[A-Za-z0-9+/]{86}==$/),
        sec: fc.oneof(
          fc.record({
            v: fc.constant(2),
            sid: hex,
            seq: fc.integer({ min: 1, max: 10 }),
            ct: fc.base64String({ minLength: 24 }),
          }),
          fc.anything(),
        ),
        message: fc.anything(),
      },
      { requiredKeys: ["from", "to", "intent"] },
    );
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: targets.length - 1 }),
        fc.oneof(near, fc.anything()),
        (t, payload) => {
          const agent = targets[t] as Agent;
          const before = agent.state;
          const effects = apply(agent, { type: "receive", payload, peer: agent.peer });
          expect(agent.state).toBe(before);
          expect(effects.every((e) => e.type === "rejected")).toBe(true);
        },
      ),
      { numRuns: 10_000 },
    );
    expect(targets.map((x) => x.state.name)).toEqual([
      "init_ready",
      "resp_confirm",
      "init_exchange",
      "resp_exchange",
      "resp_finalize",
      "init_finalize_close",
    ]);
  });
});
