/**
 * v2-hybrid-session.json: the reference v2 session with the hybrid X25519+ML-KEM-768 key agreement.
 * Reproduced byte for byte through create/consume with the vector's ephemeral keys, nonces, ML-KEM
 * seed and encapsulation randomness; its transcript, TH, HKDF keys and sid are recomputed here
 * with node:crypto alone, and its ML-KEM values with the noble implementation (checked against
 * NIST ACVP vectors in @hsagent/crypto).
 */
import { createHash, hkdfSync } from "node:crypto";
import { canonicalJson, hexDecode, nobleMlKem768 } from "@hsagent/crypto";
import { describe, expect, it } from "vitest";
import { initialState, step } from "../src/index.js";
import { alice, bob, early, fixture, identityOf, sends, vectorContexts } from "./helpers.js";

type Msg = Record<string, unknown> & {
  my_nonce: string;
  hs: { nonce: string; kx_pub: string; timestamp: string };
};
interface Vector {
  initiator: { ephemeral_priv_b64: string };
  responder: { ephemeral_priv_b64: string };
  identities_advertise: string[];
  mlkem_keygen_seed_hex: string;
  mlkem_encaps_random_hex: string;
  kem_pub_sha256_hex: string;
  kem_ct_sha256_hex: string;
  confirm: Msg & { kem_pub: string; ka: string[] };
  request1: Msg & { kem_ct: string; ka: string[] };
  respond1: Record<string, unknown> & { my_nonce: string };
  transcript_utf8: string;
  transcript_hash_b64: string;
  x25519_shared_b64: string;
  mlkem_shared_b64: string;
  k_i2r_b64: string;
  k_r2i_b64: string;
  sid: string;
}
const v = fixture<Vector>("v2-hybrid-session.json");
const b64 = (x: Uint8Array) => Buffer.from(x).toString("base64");
const sha256hex = (b64text: string) =>
  createHash("sha256").update(Buffer.from(b64text, "base64")).digest("hex");

describe("v2-hybrid-session.json", () => {
  it("ML-KEM values: kem_pub from the seed, kem_ct and the shared secret from kem_pub and m", () => {
    const pair = nobleMlKem768.generateKeyPair(hexDecode(v.mlkem_keygen_seed_hex));
    expect(b64(pair.publicKey)).toBe(v.confirm.kem_pub);
    expect(sha256hex(v.confirm.kem_pub)).toBe(v.kem_pub_sha256_hex);
    const enc = nobleMlKem768.encapsulate(pair.publicKey, hexDecode(v.mlkem_encaps_random_hex));
    expect(b64(enc.cipherText)).toBe(v.request1.kem_ct);
    expect(sha256hex(v.request1.kem_ct)).toBe(v.kem_ct_sha256_hex);
    expect(b64(enc.sharedSecret)).toBe(v.mlkem_shared_b64);
    expect(b64(pair.decapsulate(enc.cipherText))).toBe(v.mlkem_shared_b64);
  });

  it("transcript, TH, keys and sid recomputed with node:crypto", () => {
    const c = v.confirm;
    const r = v.request1;
    const t = [
      "hsagent-v2",
      alice.agentId,
      bob.agentId,
      r.hs.nonce,
      c.hs.nonce,
      r.hs.kx_pub,
      c.hs.kx_pub,
      r.hs.timestamp,
      c.hs.timestamp,
      "x25519+mlkem768",
      r.ka.join(","),
      c.ka.join(","),
      c.kem_pub,
      r.kem_ct,
    ].join("|");
    expect(t).toBe(v.transcript_utf8);
    const th = createHash("sha256").update(t, "utf8").digest();
    expect(th.toString("base64")).toBe(v.transcript_hash_b64);
    const ikm = Buffer.concat([
      Buffer.from(v.x25519_shared_b64, "base64"),
      Buffer.from(v.mlkem_shared_b64, "base64"),
    ]);
    const okm = Buffer.from(hkdfSync("sha256", ikm, th, "hsagent-v2 keys", 64));
    expect(okm.subarray(0, 32).toString("base64")).toBe(v.k_i2r_b64);
    expect(okm.subarray(32).toString("base64")).toBe(v.k_r2i_b64);
    const sid = createHash("sha256").update("hsagent-v2 sid").update(th).digest("hex").slice(0, 32);
    expect(sid).toBe(v.sid);
  });

  it("reproduces confirm, request #1 and respond #1 byte for byte, both sides hold the keys", () => {
    let bobNow = v.confirm.hs.timestamp;
    const draws = {
      bob: [v.confirm.my_nonce, v.mlkem_keygen_seed_hex, v.respond1.my_nonce],
      alice: [v.mlkem_encaps_random_hex, v.request1.my_nonce, "aa".repeat(16)],
    };
    const { bobCtx, aliceCtx } = vectorContexts(v, draws, () => bobNow);
    const bobPeer = identityOf(alice, [2, 1], v.identities_advertise);
    const alicePeer = identityOf(bob, [2, 1], v.identities_advertise);
    let b = step(bobCtx, initialState("responder"), {
      type: "receive",
      payload: { from: alice.agentId, to: null, intent: "register" },
      peer: bobPeer,
    });
    expect(canonicalJson(sends(b.effects)[0])).toBe(canonicalJson(v.confirm));
    let a = step(aliceCtx, initialState("initiator"), {
      type: "receive",
      payload: v.confirm,
      peer: alicePeer,
    });
    // v2: request #1 and respond #1 ride on the replay check (to send before its verdict), and
    // the verdict's send is the same payload.
    const request1 = early(a.effects)[0];
    expect(canonicalJson(request1)).toBe(canonicalJson(v.request1));
    a = step(aliceCtx, a.state, { type: "nonce-checked", nonce: v.confirm.my_nonce, fresh: true });
    expect(sends(a.effects)).toEqual([request1]);
    bobNow = v.request1.hs.timestamp;
    b = step(bobCtx, b.state, { type: "receive", payload: v.request1, peer: bobPeer });
    const respond1 = early(b.effects)[0];
    expect(canonicalJson(respond1)).toBe(canonicalJson(v.respond1));
    b = step(bobCtx, b.state, { type: "nonce-checked", nonce: v.request1.my_nonce, fresh: true });
    expect(sends(b.effects)).toEqual([respond1]);
    a = step(aliceCtx, a.state, { type: "receive", payload: v.respond1, peer: alicePeer });
    for (const e of [
      a.effects.find((x) => x.type === "established"),
      b.effects.find((x) => x.type === "established"),
    ]) {
      if (e?.type !== "established") throw new Error("not established");
      expect(e.keyAgreement).toBe("x25519+mlkem768");
      expect(e.sid).toBe(v.sid);
      expect(b64(e.keys.i2r)).toBe(v.k_i2r_b64);
      expect(b64(e.keys.r2i)).toBe(v.k_r2i_b64);
    }
  });
});
