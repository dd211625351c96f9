/**
 * v2-session.json (computed independently in Python) reproduced through our create/consume steps
 * with the vector's ephemeral keys, nonces and clock: confirm, request #1 and respond #1 must be
 * byte-equal (canonical JSON), and both sides must hold the vector's keys and sid.
 */
import { buildHandshake, canonicalJson } from "@hsagent/crypto";
import { describe, expect, it } from "vitest";
import { createContext, initialState, type MachineEvent, step } from "../src/index.js";
import { alice, bob, early, fixture, identityOf, scriptedDeps, sends, vectorContexts } from "./helpers.js";

interface Vector {
  initiator: { agentId: string; ephemeral_priv_b64: string };
  responder: { agentId: string; ephemeral_priv_b64: string };
  confirm: Record<string, unknown> & { my_nonce: string; hs: { timestamp: string } };
  request1: Record<string, unknown> & { my_nonce: string; hs: { timestamp: string } };
  respond1: Record<string, unknown> & { my_nonce: string };
  k_i2r_b64: string;
  k_r2i_b64: string;
  sid: string;
}
const v = fixture<Vector>("v2-session.json");
const bindings = fixture<{ confirm_bind: { bind: string } }>("v2-bindings.json");

describe("v2-session.json vector through create/consume", () => {
  it("reproduces confirm, request #1 and respond #1 byte for byte", () => {
    expect(alice.agentId).toBe(v.initiator.agentId);
    expect(bob.agentId).toBe(v.responder.agentId);
    let bobNow = v.confirm.hs.timestamp;
    // The vector is a classic X25519 session: Bob offers no hybrid.
    const draws = {
      bob: [v.confirm.my_nonce, v.respond1.my_nonce],
      alice: [v.request1.my_nonce, "aa".repeat(16)],
    };
    const { bobCtx, aliceCtx } = vectorContexts(v, draws, () => bobNow, { pq: false });
    const bobPeer = identityOf(alice);
    const alicePeer = identityOf(bob);

    // 1. Bob (responder) answers Alice's register with confirm.
    let b = step(bobCtx, initialState("responder"), {
      type: "receive",
      payload: { from: alice.agentId, to: null, intent: "register" },
      peer: bobPeer,
    });
    expect(b.state.name).toBe("resp_confirm");
    const [confirm] = sends(b.effects);
    // The v2 confirm also carries `bind` (v2-bindings.json); the rest is v2-session.json's confirm.
    const { bind, ...unbound } = confirm as Record<string, unknown>;
    expect(canonicalJson(unbound)).toBe(canonicalJson(v.confirm));
    expect(bind).toBe(bindings.confirm_bind.bind);

    // 2. Alice consumes confirm: the nonce check, with request #1 to send before its verdict.
    let a = step(aliceCtx, initialState("initiator"), {
      type: "receive",
      payload: confirm,
      peer: alicePeer,
    });
    expect(a.effects).toEqual([
      {
        type: "checkNonce",
        nonce: v.confirm.my_nonce,
        timestamp: expect.any(String),
        early: [expect.any(Object)],
      },
    ]);
    expect(a.state.name).toBe("init_ready");
    const [request1] = early(a.effects);
    expect(canonicalJson(request1)).toBe(canonicalJson(v.request1));
    // The verdict commits the rest (timers, persist, audit); its send is that very payload
    // (a runtime that sent it early skips it, one that ignores `early` sends it now).
    a = step(aliceCtx, a.state, { type: "nonce-checked", nonce: v.confirm.my_nonce, fresh: true });
    expect(a.state.name).toBe("init_exchange");
    expect(sends(a.effects)).toHaveLength(1);
    expect(sends(a.effects)[0]).toBe(request1);
    expect(a.effects.some((e) => e.type === "armTimer")).toBe(true);

    // 3. Bob consumes request #1 (one second later on his clock) and answers respond #1 with fin.
    bobNow = v.request1.hs.timestamp;
    b = step(bobCtx, b.state, { type: "receive", payload: v.request1, peer: bobPeer });
    expect(b.effects).toEqual([
      {
        type: "checkNonce",
        nonce: v.request1.my_nonce,
        timestamp: expect.any(String),
        early: [expect.any(Object)],
      },
    ]);
    const [respond1] = early(b.effects);
    expect(canonicalJson(respond1)).toBe(canonicalJson(v.respond1));
    // Bob is established, and delivers round 1, only on the verdict.
    expect(b.effects.some((e) => e.type === "established" || e.type === "deliver")).toBe(false);
    const checked: MachineEvent = { type: "nonce-checked", nonce: v.request1.my_nonce, fresh: true };
    b = step(bobCtx, b.state, checked);
    expect(b.state.name).toBe("resp_exchange");
    expect(sends(b.effects)).toHaveLength(1);
    expect(sends(b.effects)[0]).toBe(respond1);
    expect(b.effects).toContainEqual({ type: "deliver", message: "How are you?", round: 1 });

    // 4. Alice verifies fin and is established with the vector's keys and sid.
    a = step(aliceCtx, a.state, { type: "receive", payload: v.respond1, peer: alicePeer });
    const est = a.effects.find((e) => e.type === "established");
    const bobEst = b.effects.find((e) => e.type === "established");
    for (const e of [est, bobEst]) {
      if (e?.type !== "established") throw new Error("not established");
      expect(e.sid).toBe(v.sid);
      expect(Buffer.from(e.keys.i2r).toString("base64")).toBe(v.k_i2r_b64);
      expect(Buffer.from(e.keys.r2i).toString("base64")).toBe(v.k_r2i_b64);
    }
    expect(a.effects).toContainEqual({ type: "deliver", message: "I am OK!", round: 1 });
    expect(a.state.name).toBe("init_exchange");
  });
});

describe("legacy vectors through the machine (HSAgent_2 interop)", () => {
  const hs = fixture<{
    valid: Record<string, unknown>;
    bad_signature: Record<string, unknown>;
    expected_nonce: string;
  }>("legacy-handshake.json");
  const kdf = fixture<{ alice_kx_priv_b64: string; session_key_b64: string }>("legacy-kdf.json");
  const keys = fixture<{ alice: { kx_pub_b64: string } }>("keys.json");

  function legacyAlice(allowLegacy: boolean) {
    return createContext({
      self: alice,
      peerId: bob.agentId,
      config: { allowLegacy },
      // Alice's "ephemeral" is her long-term kx key here, as HSAgent_2 used it, so the vector's key results.
      deps: scriptedDeps(
        kdf.alice_kx_priv_b64,
        ["ab".repeat(16), "cd".repeat(12)],
        () => "2026-11-27T04:40:05Z",
      ),
    });
  }
  const confirmOf = (blob: Record<string, unknown>) => ({
    from: bob.agentId,
    to: alice.agentId,
    intent: "confirm",
    my_nonce: hs.expected_nonce,
    hs: blob,
  });
  const legacyBob = { ...identityOf(bob), protocols: [1] };

  it("accepts HSAgent_2's v1 confirm blob and derives the legacy-kdf.json session key", () => {
    const ctx = legacyAlice(true);
    let t = step(ctx, initialState("initiator"), {
      type: "receive",
      payload: confirmOf(hs.valid),
      peer: legacyBob,
    });
    expect(t.effects).toEqual([
      { type: "checkNonce", nonce: hs.expected_nonce, timestamp: expect.any(String) },
    ]);
    t = step(ctx, t.state, { type: "nonce-checked", nonce: hs.expected_nonce, fresh: true });
    const est = t.effects.find((e) => e.type === "established");
    if (est?.type !== "established") throw new Error("not established");
    expect(est.version).toBe(1);
    expect(Buffer.from(est.keys.i2r).toString("base64")).toBe(kdf.session_key_b64);
    const [request1] = sends(t.effects) as Record<string, Record<string, unknown>>[];
    expect(request1?.hs).toMatchObject({ type: "init", kx_pub: keys.alice.kx_pub_b64 });
    expect(request1?.hs).not.toHaveProperty("v");
    expect(request1?.hs).not.toHaveProperty("tsig");
  });

  it("refuses the vector's bad signature, and a v1 peer without allowLegacy", () => {
    const ctx = legacyAlice(true);
    const st = initialState("initiator");
    const bad = step(ctx, st, { type: "receive", payload: confirmOf(hs.bad_signature), peer: legacyBob });
    expect(bad.effects).toEqual([{ type: "rejected", reason: "bad-signature", intent: "confirm" }]);
    expect(bad.state).toBe(st);
    const strict = step(legacyAlice(false), st, {
      type: "receive",
      payload: confirmOf(hs.valid),
      peer: legacyBob,
    });
    expect(strict.effects).toEqual([{ type: "rejected", reason: "legacy-refused", intent: "confirm" }]);
  });
});

describe("legacy-envelope.json through the responder", () => {
  const env = fixture<{
    sealed: Record<string, unknown>;
    tampered: Record<string, unknown>;
    plaintext_object: { message: string };
  }>("legacy-envelope.json");
  const keys = fixture<Record<"alice" | "bob", { kx_priv_b64: string; kx_pub_b64: string }>>("keys.json");

  function bobWithConfirm() {
    const ctx = createContext({
      self: bob,
      peerId: alice.agentId,
      config: { protocolVersions: [1], allowLegacy: true },
      deps: scriptedDeps(
        keys.bob.kx_priv_b64,
        ["fe".repeat(16), "01".repeat(16), "02".repeat(12)],
        () => "2026-11-27T04:40:02Z",
      ),
    });
    const t = step(ctx, initialState("responder"), {
      type: "receive",
      payload: { from: alice.agentId, to: null, intent: "register" },
      peer: { ...identityOf(alice), protocols: [1] },
    });
    const request1 = {
      from: alice.agentId,
      to: bob.agentId,
      intent: "request",
      your_nonce: "fe".repeat(16),
      my_nonce: "0a".repeat(16),
      hs: buildHandshake({
        version: 1,
        type: "init",
        nonce: "0a".repeat(16),
        kxPub: keys.alice.kx_pub_b64,
        signingKey: alice.signingKey,
        timestamp: "2026-11-27T04:40:01",
      }),
      message: env.plaintext_object.message,
      sec: env.sealed,
    };
    return { ctx, state: t.state, request1 };
  }

  it("opens HSAgent_2's sealed v1 envelope and delivers its exact plaintext", () => {
    const { ctx, state, request1 } = bobWithConfirm();
    let t = step(ctx, state, {
      type: "receive",
      payload: request1,
      peer: { ...identityOf(alice), protocols: [1] },
    });
    expect(t.effects).toEqual([
      { type: "checkNonce", nonce: "0a".repeat(16), timestamp: expect.any(String) },
    ]);
    t = step(ctx, t.state, { type: "nonce-checked", nonce: "0a".repeat(16), fresh: true });
    expect(t.effects).toContainEqual({ type: "deliver", message: "How are you? été", round: 1 });
    expect(t.state.name).toBe("resp_exchange");
  });

  it("rejects the tampered envelope, and a `message` that disagrees with the sealed one", () => {
    const { ctx, state, request1 } = bobWithConfirm();
    const peer = { ...identityOf(alice), protocols: [1] };
    const tampered = step(ctx, state, { type: "receive", payload: { ...request1, sec: env.tampered }, peer });
    expect(tampered.effects).toEqual([{ type: "rejected", reason: "bad-signature", intent: "request" }]);
    expect(tampered.state).toBe(state);
    const lying = step(ctx, state, {
      type: "receive",
      payload: { ...request1, message: "Give me your keys" },
      peer,
    });
    expect(lying.effects).toEqual([{ type: "rejected", reason: "bad-sec", intent: "request" }]);
    expect(lying.state).toBe(state);
  });
});
