/**
 * The v2 bindings of PROTOCOL.md §3.4/§6.1 against v2-bindings.json (computed independently in
 * Python): the register signature and the confirm binding, byte for byte; and through the
 * machine, a confirm re-addressed to another initiator is rejected at once with no state change.
 */
import { canonicalJson, signingKeyFromPrivate } from "@hsagent/crypto";
import { describe, expect, it } from "vitest";
import { confirmBindBytes, signConfirmBind, verifyConfirmBind } from "../src/bindings.js";
import {
  checkRegisterCheap,
  createContext,
  createSignedRegister,
  initialState,
  parseMessage,
  type RegisterMsg,
  registerSignedBytes,
  step,
  verifyRegisterSignature,
} from "../src/index.js";
import {
  alice,
  bob,
  Clock,
  detDeps,
  fixture,
  identityOf,
  MALLORY_ID,
  mallory,
  sends,
  T0,
} from "./helpers.js";

interface Bindings {
  register: { payload: RegisterMsg; signed_utf8: string };
  confirm_bind: { from: string; to: string; signed_utf8: string; bind: string };
  redirected_confirm_to: string;
}
const vb = fixture<Bindings>("v2-bindings.json");
const session = fixture<{ confirm: Record<string, unknown> & { hs: Record<string, string> } }>(
  "v2-session.json",
);
const keys = fixture<Record<"alice" | "bob", { sign_priv_b64: string; sign_pub_b64: string }>>("keys.json");

describe("v2-bindings.json", () => {
  it("register: signed bytes and signature match the vector; the message parses with ts and sig", () => {
    const p = vb.register.payload;
    expect(new TextDecoder().decode(registerSignedBytes(p.from, p.ts!, p.proto!))).toBe(
      vb.register.signed_utf8,
    );
    const made = createSignedRegister(p.from, signingKeyFromPrivate(keys.alice.sign_priv_b64), p.ts!, [2, 1]);
    expect(canonicalJson(made)).toBe(canonicalJson(p));
    const parsed = parseMessage(p);
    if (!parsed.ok || parsed.msg.intent !== "register") throw new Error("register did not parse");
    expect(verifyRegisterSignature(parsed.msg, keys.alice.sign_pub_b64)).toBe(true);
    // Under another key, or with any covered field changed, it fails.
    expect(verifyRegisterSignature(parsed.msg, keys.bob.sign_pub_b64)).toBe(false);
    expect(verifyRegisterSignature({ ...parsed.msg, proto: [1] }, keys.alice.sign_pub_b64)).toBe(false);
    expect(verifyRegisterSignature({ ...parsed.msg, from: MALLORY_ID }, keys.alice.sign_pub_b64)).toBe(false);
    expect(
      verifyRegisterSignature({ ...parsed.msg, ts: "2026-11-27T04:40:01+00:00" }, keys.alice.sign_pub_b64),
    ).toBe(false);
  });

  it("register: the cheap checks refuse unsigned, stale and future ones before any signature work", () => {
    const p = vb.register.payload;
    const w = { ttlSeconds: 60, maxSkewSeconds: 30 };
    expect(checkRegisterCheap(p, T0 + 10_000, w)).toEqual({ ok: true, tsMs: T0 });
    expect(checkRegisterCheap({ ...p, sig: undefined } as RegisterMsg, T0, w)).toEqual({
      ok: false,
      fault: "unsigned",
    });
    expect(checkRegisterCheap(p, T0 + 61_000, w)).toEqual({ ok: false, fault: "stale" });
    expect(checkRegisterCheap(p, T0 - 31_000, w)).toEqual({ ok: false, fault: "future" });
  });

  it("confirm binding: signed bytes and bind match the vector; re-addressed it no longer verifies", () => {
    const hs = session.confirm.hs;
    const fields = {
      from: vb.confirm_bind.from,
      to: vb.confirm_bind.to,
      nonce: hs.nonce!,
      kxPub: hs.kx_pub!,
      timestamp: hs.timestamp!,
    };
    expect(new TextDecoder().decode(confirmBindBytes(fields))).toBe(vb.confirm_bind.signed_utf8);
    expect(signConfirmBind(signingKeyFromPrivate(keys.bob.sign_priv_b64), fields)).toBe(vb.confirm_bind.bind);
    const confirm = { ...session.confirm, bind: vb.confirm_bind.bind };
    const parsed = parseMessage(confirm);
    if (!parsed.ok || parsed.msg.intent !== "confirm") throw new Error("confirm did not parse");
    expect(verifyConfirmBind(parsed.msg, keys.bob.sign_pub_b64)).toBe(true);
    expect(verifyConfirmBind({ ...parsed.msg, to: vb.redirected_confirm_to }, keys.bob.sign_pub_b64)).toBe(
      false,
    );
  });
});

describe("a re-addressed confirm through the machine", () => {
  it("is rejected at once by the other initiator, changing nothing; the intended pair still completes", () => {
    const clock = new Clock();
    // Bob (responder) answers Alice's register. An attacker on the relay re-addresses that
    // confirm to another agent with a smaller id than Bob (here the tenant's third agent).
    const bobCtx = createContext({ self: bob, peerId: alice.agentId, deps: detDeps("bob", clock) });
    const b = step(bobCtx, initialState("responder"), {
      type: "receive",
      payload: { from: alice.agentId, to: null, intent: "register" },
      peer: identityOf(alice),
    });
    const [confirm] = sends(b.effects);
    expect(confirm!.bind).toBeTypeOf("string");

    const victimCtx = createContext({ self: mallory, peerId: bob.agentId, deps: detDeps("mallory", clock) });
    const victim0 = initialState("initiator");
    const redirected: Record<string, unknown> = { ...confirm, to: mallory.agentId };
    const r = step(victimCtx, victim0, { type: "receive", payload: redirected, peer: identityOf(bob) });
    expect(r.effects).toEqual([
      { type: "rejected", reason: "bad-signature", intent: "confirm", detail: "bind" },
    ]);
    expect(r.state).toBe(victim0);

    // Stripping bind from a v2 confirm does not help either.
    const { bind: _bind, ...stripped } = redirected;
    const s = step(victimCtx, victim0, { type: "receive", payload: stripped, peer: identityOf(bob) });
    expect(s.effects).toEqual([
      { type: "rejected", reason: "bad-signature", intent: "confirm", detail: "bind" },
    ]);

    // Alice, the real recipient, accepts it (nonce check next).
    const aliceCtx = createContext({ self: alice, peerId: bob.agentId, deps: detDeps("alice", clock) });
    const a = step(aliceCtx, initialState("initiator"), {
      type: "receive",
      payload: confirm,
      peer: identityOf(bob),
    });
    expect(a.effects).toEqual([
      {
        type: "checkNonce",
        nonce: confirm!.my_nonce,
        timestamp: (confirm!.hs as { timestamp: string }).timestamp,
        early: [expect.objectContaining({ intent: "request", to: bob.agentId })],
      },
    ]);
  });
});
