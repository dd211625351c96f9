/**
 * v2-session.json (computed independently in Python) reproduced through our create/consume steps
 * with the vector's ephemeral keys, nonces and clock: confirm, request #1 and respond #1 must be
 * byte-equal (canonical JSON), and both sides must hold the vector's keys and sid.
 */
import { canonicalJson, hexDecode, kxKeyPairFromPrivate } from "@hsagent/crypto";
import { describe, expect, it } from "vitest";
import {
  createContext,
  type Effect,
  initialState,
  type MachineEvent,
  type ProtocolDeps,
  step,
} from "../src/index.js";
import { alice, bob, fixture, identityOf } from "./helpers.js";

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

function scripted(ephPriv: string, nonces: string[], nowIso: () => string): ProtocolDeps {
  const queue = nonces.map((n) => hexDecode(n));
  return {
    now: () => Date.parse(nowIso()),
    randomBytes: (n) => {
      const next = queue.shift();
      if (!next || next.length !== n) throw new Error(`unscripted randomBytes(${n})`);
      return next;
    },
    generateKxKeyPair: () => kxKeyPairFromPrivate(ephPriv),
  };
}

const sends = (effects: readonly Effect[]) => effects.filter((e) => e.type === "send").map((e) => e.payload);

describe("v2-session.json vector through create/consume", () => {
  it("reproduces confirm, request #1 and respond #1 byte for byte", () => {
    expect(alice.agentId).toBe(v.initiator.agentId);
    expect(bob.agentId).toBe(v.responder.agentId);
    let bobNow = v.confirm.hs.timestamp;
    const bobCtx = createContext({
      self: bob,
      peerId: alice.agentId,
      deps: scripted(v.responder.ephemeral_priv_b64, [v.confirm.my_nonce, v.respond1.my_nonce], () => bobNow),
    });
    const aliceCtx = createContext({
      self: alice,
      peerId: bob.agentId,
      deps: scripted(
        v.initiator.ephemeral_priv_b64,
        [v.request1.my_nonce, "aa".repeat(16)],
        () => v.request1.hs.timestamp,
      ),
    });
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
    expect(canonicalJson(confirm)).toBe(canonicalJson(v.confirm));

    // 2. Alice consumes confirm: nonce check, then request #1.
    let a = step(aliceCtx, initialState("initiator"), {
      type: "receive",
      payload: v.confirm,
      peer: alicePeer,
    });
    expect(a.effects).toEqual([{ type: "checkNonce", nonce: v.confirm.my_nonce }]);
    expect(a.state.name).toBe("init_ready");
    a = step(aliceCtx, a.state, { type: "nonce-checked", nonce: v.confirm.my_nonce, fresh: true });
    expect(a.state.name).toBe("init_exchange");
    const [request1] = sends(a.effects);
    expect(canonicalJson(request1)).toBe(canonicalJson(v.request1));

    // 3. Bob consumes request #1 (one second later on his clock) and answers respond #1 with fin.
    bobNow = v.request1.hs.timestamp;
    b = step(bobCtx, b.state, { type: "receive", payload: v.request1, peer: bobPeer });
    expect(b.effects).toEqual([{ type: "checkNonce", nonce: v.request1.my_nonce }]);
    const checked: MachineEvent = { type: "nonce-checked", nonce: v.request1.my_nonce, fresh: true };
    b = step(bobCtx, b.state, checked);
    expect(b.state.name).toBe("resp_exchange");
    const [respond1] = sends(b.effects);
    expect(canonicalJson(respond1)).toBe(canonicalJson(v.respond1));
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
