/**
 * HSAgent_2 / PROTOCOL.md vectors (test/fixtures, produced by Python `cryptography`/OpenSSL),
 * checked on both backends: what "compatible with HSAgent_2" means.
 */
import { describe, expect, it } from "vitest";
import { handshakeSignedBytes } from "../src/handshake.js";
import {
  BACKEND_NAMES,
  b64decode,
  b64encode,
  buildHandshake,
  canonicalJson,
  createCrypto,
  decryptIdentityVault,
  deriveV1SessionKey,
  encryptIdentityVault,
  type IdentityRecord,
  kxKeyPairFromPrivate,
  openSecV1,
  openSecV2,
  sealSecV2,
  signingKeyFromPrivate,
  signTranscript,
  transcriptHash,
  utf8Decode,
  verifyHandshake,
  verifyTranscriptSignature,
  x25519,
} from "../src/index.js";
import { secV2Aad } from "../src/sec-v2.js";
import { buildTranscript, transcriptPartsFromBlobs } from "../src/session.js";
import { fixture, reasonOf, reasonOfAsync, v2Keys } from "./fixtures.js";

type Keys = Record<
  "alice" | "bob",
  Record<"sign_priv_b64" | "sign_pub_b64" | "kx_priv_b64" | "kx_pub_b64", string>
>;
const keys = fixture<Keys>("keys");
const kdf = fixture<Record<string, string>>("legacy-kdf");
// biome-ignore lint/suspicious/noExplicitAny: raw JSON vectors are navigated freely in tests
type Json = any;
const hs: Json = fixture("legacy-handshake");
const env: Json = fixture("legacy-envelope");
const vault: Json = fixture("vault-id-v1");
const v2: Json = fixture("v2-session");

const at = (iso: string, plusSeconds = 0) => Date.parse(iso) + plusSeconds * 1000;

describe.each(BACKEND_NAMES)("vectors on %s", (backend) => {
  it("keys.json: private keys give the listed public keys", () => {
    for (const who of ["alice", "bob"] as const) {
      expect(signingKeyFromPrivate(keys[who].sign_priv_b64, backend).publicKeyB64).toBe(
        keys[who].sign_pub_b64,
      );
      expect(kxKeyPairFromPrivate(keys[who].kx_priv_b64, backend).publicKeyB64).toBe(keys[who].kx_pub_b64);
    }
  });

  it("legacy-kdf.json: X25519 shared secret and v1 session key", () => {
    expect(b64encode(x25519(kdf.alice_kx_priv_b64!, kdf.bob_kx_pub_b64!, backend))).toBe(
      kdf.x25519_shared_b64,
    );
    expect(b64encode(deriveV1SessionKey(kdf.alice_kx_priv_b64!, kdf.bob_kx_pub_b64!, backend))).toBe(
      kdf.session_key_b64,
    );
    // and from bob's side, with his private key and alice's public key
    expect(b64encode(deriveV1SessionKey(keys.bob.kx_priv_b64, keys.alice.kx_pub_b64, backend))).toBe(
      kdf.session_key_b64,
    );
  });

  it("legacy-handshake.json: signed bytes, valid blob accepted as v1, bad signature rejected", () => {
    const v = hs.valid;
    expect(utf8Decode(handshakeSignedBytes(v.nonce, v.kx_pub, v.timestamp))).toBe(hs.signed_bytes_utf8);
    const now = at("2026-11-27T04:40:00Z", 5);
    const opts = { expectedType: hs.expected_type, expectedNonce: hs.expected_nonce, now, backend };
    const ok = verifyHandshake(v, { ...opts, pin: keys.bob.sign_pub_b64 });
    expect(ok.version).toBe(1);
    expect(ok.signKey.publicKeyB64).toBe(keys.bob.sign_pub_b64);
    expect(b64encode(ok.kxPub)).toBe(keys.bob.kx_pub_b64);
    expect(reasonOf(() => verifyHandshake(hs.bad_signature, opts))).toBe("bad-signature");
    // we rebuild the same blob byte for byte with bob's key (Ed25519 is deterministic)
    const bob = signingKeyFromPrivate(keys.bob.sign_priv_b64, backend);
    const rebuilt = buildHandshake({
      version: 1,
      type: "response",
      nonce: v.nonce,
      kxPub: v.kx_pub,
      signingKey: bob,
      timestamp: v.timestamp,
    });
    expect(rebuilt).toEqual(v);
  });

  it("legacy-handshake.json: freshness around the vector's naive-UTC timestamp", () => {
    const opts = { expectedType: "response" as const, expectedNonce: hs.expected_nonce, backend };
    expect(verifyHandshake(hs.valid, { ...opts, now: at("2026-11-27T04:40:00Z", 60) }).version).toBe(1);
    expect(reasonOf(() => verifyHandshake(hs.valid, { ...opts, now: at("2026-11-27T04:40:00Z", 61) }))).toBe(
      "stale",
    );
    expect(verifyHandshake(hs.valid, { ...opts, now: at("2026-11-27T04:40:00Z", -30) }).version).toBe(1);
    expect(reasonOf(() => verifyHandshake(hs.valid, { ...opts, now: at("2026-11-27T04:40:00Z", -31) }))).toBe(
      "future",
    );
  });

  it("legacy-envelope.json: sealed opens to plaintext_object, tampered rejected", () => {
    const key = b64decode(env.session_key_b64, 32);
    const opened = openSecV1(env.sealed, { key, pin: env.sender_sign_pub_b64, backend });
    expect(opened.plaintext).toEqual(env.plaintext_object);
    expect(opened.message).toBe("How are you? été");
    expect(canonicalJson(opened.plaintext, { ascii: true })).toBe(env.plaintext_utf8);
    expect(reasonOf(() => openSecV1(env.tampered, { key, pin: env.sender_sign_pub_b64, backend }))).toBe(
      "bad-signature",
    );
    // pinned to the wrong key → bad-signature too
    expect(reasonOf(() => openSecV1(env.sealed, { key, pin: keys.bob.sign_pub_b64, backend }))).toBe(
      "bad-signature",
    );
  });

  it("vault-id-v1.json: decrypts to the identity, wrong passphrase rejected, our encryption matches style", async () => {
    const identity = await decryptIdentityVault(vault.vault, vault.passphrase, { backend });
    expect(identity).toEqual(vault.identity);
    expect(
      await reasonOfAsync(() => decryptIdentityVault(vault.vault, vault.wrong_passphrase, { backend })),
    ).toBe("decrypt-failed");
    // Same salt/nonce/passphrase → our vault is byte-identical to the original's.
    const ours = await encryptIdentityVault(identity as IdentityRecord, vault.passphrase, {
      backend,
      salt: b64decode(vault.vault.salt),
      nonce: b64decode(vault.vault.nonce),
    });
    expect(ours).toEqual(vault.vault);
  });

  describe("v2-session.json", () => {
    const parts = transcriptPartsFromBlobs(
      v2.initiator.agentId,
      v2.responder.agentId,
      v2.request1.hs,
      v2.confirm.hs,
    );
    const alice = () => signingKeyFromPrivate(keys.alice.sign_priv_b64, backend);
    const bob = () => signingKeyFromPrivate(keys.bob.sign_priv_b64, backend);

    it("transcript, hash, shared secret, keys and sid", () => {
      expect(buildTranscript(parts)).toBe(v2.transcript_utf8);
      const th = transcriptHash(parts, backend);
      expect(b64encode(th)).toBe(v2.transcript_hash_b64);
      const eI = kxKeyPairFromPrivate(v2.initiator.ephemeral_priv_b64, backend);
      const eR = kxKeyPairFromPrivate(v2.responder.ephemeral_priv_b64, backend);
      expect(eI.publicKeyB64).toBe(v2.initiator.ephemeral_pub_b64);
      expect(eR.publicKeyB64).toBe(v2.responder.ephemeral_pub_b64);
      expect(b64encode(eI.deriveSharedSecret(eR.publicKey))).toBe(v2.x25519_shared_b64);
      const ki = v2Keys(eI, eR.publicKeyB64, th, "initiator");
      const kr = v2Keys(eR, eI.publicKey, th, "responder");
      for (const k of [ki, kr]) {
        expect(b64encode(k.kI2r)).toBe(v2.k_i2r_b64);
        expect(b64encode(k.kR2i)).toBe(v2.k_r2i_b64);
        expect(k.sid).toBe(v2.sid);
      }
      expect(b64encode(ki.sendKey)).toBe(v2.k_i2r_b64);
      expect(b64encode(kr.sendKey)).toBe(v2.k_r2i_b64);
    });

    it("confirm hs and request1 hs are rebuilt byte for byte and verify", () => {
      const th = transcriptHash(parts, backend);
      const confirmHs = buildHandshake({
        type: "response",
        nonce: v2.confirm.my_nonce,
        kxPub: v2.responder.ephemeral_pub_b64,
        signingKey: bob(),
        timestamp: v2.confirm.hs.timestamp,
      });
      expect(confirmHs).toEqual(v2.confirm.hs);
      const tsig = signTranscript(alice(), th);
      expect(tsig).toBe(v2.request1.hs.tsig);
      const initHs = buildHandshake({
        type: "init",
        nonce: v2.request1.my_nonce,
        kxPub: kxKeyPairFromPrivate(v2.initiator.ephemeral_priv_b64, backend),
        signingKey: alice(),
        timestamp: v2.request1.hs.timestamp,
        tsig,
      });
      expect(initHs).toEqual(v2.request1.hs);
      expect(signTranscript(bob(), th)).toBe(v2.respond1.fin);

      const now = at("2026-11-27T04:40:04Z");
      const c = verifyHandshake(v2.confirm.hs, {
        expectedType: "response",
        expectedNonce: v2.confirm.my_nonce,
        pin: keys.bob.sign_pub_b64,
        now,
        backend,
      });
      expect(c.version).toBe(2);
      const r = verifyHandshake(v2.request1.hs, {
        expectedType: "init",
        expectedNonce: v2.request1.my_nonce,
        pin: signingKeyFromPrivate(keys.alice.sign_priv_b64, backend).verifyKey,
        now,
        backend,
        transcriptHashFor: (blob) =>
          transcriptHash(
            transcriptPartsFromBlobs(v2.initiator.agentId, v2.responder.agentId, blob, v2.confirm.hs),
            backend,
          ),
      });
      expect(r.version).toBe(2);
      expect(() =>
        verifyTranscriptSignature(keys.bob.sign_pub_b64, th, v2.respond1.fin, backend),
      ).not.toThrow();
      expect(
        reasonOf(() => verifyTranscriptSignature(keys.alice.sign_pub_b64, th, v2.respond1.fin, backend)),
      ).toBe("bad-signature");
      // a tsig over a different transcript (other responder id) is rejected
      expect(
        reasonOf(() =>
          verifyHandshake(v2.request1.hs, {
            expectedType: "init",
            expectedNonce: v2.request1.my_nonce,
            now,
            backend,
            transcriptHashFor: (blob) =>
              transcriptHash(
                transcriptPartsFromBlobs(v2.initiator.agentId, "someone-else", blob, v2.confirm.hs),
                backend,
              ),
          }),
        ),
      ).toBe("bad-signature");
    });

    it("AAD strings and sec ct of request1/respond1 byte for byte; both open", () => {
      const kI2r = b64decode(v2.k_i2r_b64, 32);
      const kR2i = b64decode(v2.k_r2i_b64, 32);
      expect(secV2Aad(v2.request1, v2.sid, 1)).toBe(v2.request1_aad_utf8);
      expect(secV2Aad(v2.respond1, v2.sid, 1)).toBe(v2.respond1_aad_utf8);
      const s1 = sealSecV2({
        key: kI2r,
        sid: v2.sid,
        seq: 1,
        header: v2.request1,
        plaintext: v2.request1_plaintext_object,
        backend,
      });
      expect(s1).toEqual(v2.request1.sec);
      const s2 = sealSecV2({
        key: kR2i,
        sid: v2.sid,
        seq: 1,
        header: v2.respond1,
        plaintext: v2.respond1_plaintext_object,
        backend,
      });
      expect(s2).toEqual(v2.respond1.sec);
      const o1 = openSecV2(v2.request1.sec, { key: kI2r, sid: v2.sid, header: v2.request1, backend });
      expect(o1).toEqual({ plaintext: v2.request1_plaintext_object, seq: 1 });
      const o2 = openSecV2(v2.respond1.sec, {
        key: kR2i,
        sid: v2.sid,
        header: v2.respond1,
        lastSeq: 0,
        backend,
      });
      expect(o2.plaintext).toEqual(v2.respond1_plaintext_object);
      // wrong direction key, moved to another message, replayed, other session
      expect(
        reasonOf(() => openSecV2(v2.request1.sec, { key: kR2i, sid: v2.sid, header: v2.request1, backend })),
      ).toBe("decrypt-failed");
      expect(
        reasonOf(() =>
          openSecV2(v2.request1.sec, {
            key: kI2r,
            sid: v2.sid,
            header: { ...v2.request1, intent: "conclude" },
            backend,
          }),
        ),
      ).toBe("decrypt-failed");
      expect(
        reasonOf(() =>
          openSecV2(v2.request1.sec, { key: kI2r, sid: v2.sid, header: v2.request1, lastSeq: 1, backend }),
        ),
      ).toBe("replay");
      expect(
        reasonOf(() =>
          openSecV2(v2.request1.sec, { key: kI2r, sid: "0".repeat(32), header: v2.request1, backend }),
        ),
      ).toBe("sid-mismatch");
      for (const lastSeq of [Number.NaN, "5", -1, 1.5]) {
        expect(
          reasonOf(() =>
            openSecV2(v2.request1.sec, {
              key: kI2r,
              sid: v2.sid,
              header: v2.request1,
              lastSeq: lastSeq as number,
              backend,
            }),
          ),
        ).toBe("malformed");
      }
    });

    it("createCrypto instance reproduces the sid and ct", () => {
      const c = createCrypto({ backend });
      expect(c.backend).toBe(backend);
      const th = c.transcriptHash(v2.transcript_utf8);
      const k = c.deriveV2SessionKeys({
        ephemeral: c.kxKeyPairFromPrivate(v2.responder.ephemeral_priv_b64),
        peerKxPub: v2.initiator.ephemeral_pub_b64,
        transcriptHash: th,
        role: "responder",
      });
      expect(k.sid).toBe(v2.sid);
      expect(
        c.sealSecV2({
          key: k.sendKey,
          sid: k.sid,
          seq: 1,
          header: v2.respond1,
          plaintext: v2.respond1_plaintext_object,
        }).ct,
      ).toBe(v2.respond1.sec.ct);
    });
  });
});
