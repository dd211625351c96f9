/**
 * Unit tests of the register gate (pure, fake clock, real Ed25519 signatures): which registers
 * may start a session, in which order the checks run (cheap ones cost no signature work), the
 * per-peer session rate and the legacy policy.
 */
import { formatTimestamp, generateIdentity, signingKeyFromPrivate } from "@hsagent/crypto";
import { createSignedRegister, type PeerIdentity } from "@hsagent/protocol";
import { describe, expect, it } from "vitest";
import { RegisterGate } from "../src/register-gate.js";

const rec = generateIdentity();
const key = signingKeyFromPrivate(rec.sign_priv_b64);
const peer: PeerIdentity = { agentId: rec.my_id, signPubB64: rec.sign_pub_b64, protocols: [2, 1] };
const T0 = Date.parse("2026-12-01T00:00:00Z");

function gate(acceptLegacy = false) {
  let now = T0;
  const unsigned: string[] = [];
  const g = new RegisterGate({
    minGapMs: 2250,
    window: { ttlSeconds: 60, maxSkewSeconds: 30 },
    acceptLegacy,
    onUnsignedRegister: (id) => unsigned.push(id),
    now: () => now,
  });
  return { g, unsigned, advance: (ms: number) => (now += ms), now: () => now };
}

const signed = (atMs: number, signer = key, from = peer.agentId) =>
  createSignedRegister(from, signer, formatTimestamp(new Date(atMs)), [2, 1]) as unknown as Record<
    string,
    unknown
  >;

describe("RegisterGate", () => {
  it("lets a fresh, correctly signed register through and records its timestamp", () => {
    const { g } = gate();
    expect(g.check(peer, signed(T0), true)).toBeNull();
    expect(g.verified).toBe(1);
  });

  it("drops a replay (timestamp not newer) and a copy re-timestamped by a forger", () => {
    const { g, advance } = gate();
    const first = signed(T0);
    expect(g.check(peer, first, true)).toBeNull();
    advance(5000);
    expect(g.check(peer, first, true)).toBe("replayed");
    const retimed = { ...first, ts: formatTimestamp(new Date(T0 + 4000)) };
    expect(g.check(peer, retimed, true)).toBe("bad-signature");
    // Only the original and the re-timestamped copy needed signature work.
    expect(g.verified).toBe(2);
  });

  it("drops a register signed by another key without changing what a later genuine one needs", () => {
    const { g, advance } = gate();
    const other = signingKeyFromPrivate(generateIdentity().sign_priv_b64);
    expect(g.check(peer, signed(T0, other), true)).toBe("bad-signature");
    advance(1000);
    expect(g.check(peer, signed(T0 + 1000), true)).toBeNull();
  });

  it("allows at most one session start per minGapMs, without signature work for the extra registers", () => {
    const { g, advance, now } = gate();
    expect(g.check(peer, signed(now()), true)).toBeNull();
    g.started(peer.agentId);
    let drops = 0;
    for (let i = 0; i < 20; i++) {
      advance(100);
      if (g.check(peer, signed(now()), true) === "rate") drops++;
    }
    expect(drops).toBe(20);
    expect(g.verified).toBe(1);
    advance(300);
    expect(g.check(peer, signed(now()), true)).toBeNull();
  });

  it("refuses stale and future timestamps before signature work", () => {
    const { g } = gate();
    expect(g.check(peer, signed(T0 - 61_000), true)).toBe("stale");
    expect(g.check(peer, signed(T0 + 31_000), true)).toBe("future");
    expect(g.verified).toBe(0);
  });

  it("ignores registers when not a ready responder, and malformed ones", () => {
    const { g } = gate();
    expect(g.check(peer, signed(T0), false)).toBe("not-ready");
    expect(g.check(peer, { from: peer.agentId, to: null, intent: "register", ts: 5 }, true)).toBe(
      "malformed",
    );
    expect(g.check(peer, { ...signed(T0), sig: undefined }, true)).toBe("malformed");
    expect(g.verified).toBe(0);
  });

  it("unsigned: from a v2 peer never; from a v1-only peer only with legacy on, at the same rate", () => {
    const unsignedReg = { from: peer.agentId, to: null, intent: "register", proto: [1] };
    const off = gate(false);
    expect(off.g.check(peer, unsignedReg, true)).toBe("unsigned");
    expect(off.g.check({ ...peer, protocols: [1] }, unsignedReg, true)).toBe("unsigned");
    expect(off.unsigned).toEqual([peer.agentId, peer.agentId]);

    const on = gate(true);
    expect(on.g.check(peer, unsignedReg, true)).toBe("unsigned"); // the peer publishes v2
    const v1 = { ...peer, protocols: [] as number[] };
    expect(on.g.check(v1, unsignedReg, true)).toBeNull();
    on.g.started(v1.agentId);
    on.advance(1000);
    expect(on.g.check(v1, unsignedReg, true)).toBe("rate");
    on.advance(1300);
    expect(on.g.check(v1, unsignedReg, true)).toBeNull();
  });
});
