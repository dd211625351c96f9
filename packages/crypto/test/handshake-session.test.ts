/**
 * Handshake rules (check order, versions, pinning), full v2 handshakes between the two backends,
 * v1 interop with an independent legacy verifier written on raw node:crypto, weak X25519 keys,
 * the identity vault, and the promise that error messages carry no secrets.
 */
import nodeCrypto from "node:crypto";
import { describe, expect, it } from "vitest";
import type { BackendName } from "../src/backend/types.js";
import {
  BACKEND_NAMES,
  b64decode,
  b64encode,
  buildHandshake,
  createCrypto,
  decryptIdentityVault,
  deriveV1SessionKey,
  encryptIdentityVault,
  generateIdentity,
  generateKxKeyPair,
  generateSigningKey,
  type HandshakeBlob,
  HandshakeError,
  hexDecode,
  isUuidV4,
  loadIdentityKeys,
  openSecV1,
  openSecV2,
  randomNonceHex,
  sealSecV1,
  sealSecV2,
  signTranscript,
  transcriptHash,
  verifyHandshake,
  verifyTranscriptSignature,
  x25519,
} from "../src/index.js";
import { transcriptPartsFromBlobs } from "../src/session.js";
import { reasonOf, reasonOfAsync, v2Keys } from "./fixtures.js";

const NOW = Date.parse("2026-11-27T10:00:00Z");
const N1 = "0123456789abcdef0123456789abcdef";
const N2 = "fedcba9876543210fedcba9876543210";

describe.each(BACKEND_NAMES)("hs verification rules on %s", (backend) => {
  const bob = generateSigningKey(backend);
  const alice = generateSigningKey(backend);
  const kx = generateKxKeyPair(backend);
  const blob = buildHandshake({ type: "response", nonce: N1, kxPub: kx, signingKey: bob, now: NOW });
  const opts = { expectedType: "response" as const, expectedNonce: N1, now: NOW, backend };

  it("accepts a fresh, correctly signed, pinned blob and reports v2", () => {
    const r = verifyHandshake(blob, { ...opts, pin: bob.publicKeyB64 });
    expect(r.version).toBe(2);
    expect(r.blob).toEqual(blob);
    expect(b64encode(r.kxPub)).toBe(kx.publicKeyB64);
    expect(r.timestampMs).toBe(NOW);
  });

  it("checks in order: malformed → type → nonce → pin → signature → freshness", () => {
    const badSig = { ...blob, sig: b64encode(new Uint8Array(64).fill(7)) };
    const stale = { now: NOW + 3_600_000 };
    // everything wrong at once: the shape error wins
    expect(
      reasonOf(() =>
        verifyHandshake({ ...badSig, nonce: "XYZ" }, { ...opts, ...stale, expectedType: "init" }),
      ),
    ).toBe("malformed");
    expect(
      reasonOf(() =>
        verifyHandshake(badSig, { ...opts, ...stale, expectedType: "init", expectedNonce: N2, pin: "x" }),
      ),
    ).toBe("type-mismatch");
    expect(
      reasonOf(() => verifyHandshake(badSig, { ...opts, ...stale, expectedNonce: N2, pin: alice.verifyKey })),
    ).toBe("nonce-mismatch");
    expect(reasonOf(() => verifyHandshake(badSig, { ...opts, ...stale, pin: alice.publicKeyB64 }))).toBe(
      "pin-mismatch",
    );
    expect(reasonOf(() => verifyHandshake(badSig, { ...opts, ...stale, pin: bob.publicKeyB64 }))).toBe(
      "bad-signature",
    );
    expect(reasonOf(() => verifyHandshake(blob, { ...opts, ...stale, pin: bob.publicKeyB64 }))).toBe("stale");
    expect(reasonOf(() => verifyHandshake(blob, { ...opts, now: NOW - 31_000 }))).toBe("future");
    expect(verifyHandshake(blob, { ...opts, now: NOW - 40_000, maxSkewSeconds: 45 }).version).toBe(2);
    expect(reasonOf(() => verifyHandshake(blob, { ...opts, now: NOW + 20_000, ttlSeconds: 10 }))).toBe(
      "stale",
    );
  });

  it("a blob signed by someone else but claiming bob's key fails the signature", () => {
    const forged = buildHandshake({ type: "response", nonce: N1, kxPub: kx, signingKey: alice, now: NOW });
    expect(reasonOf(() => verifyHandshake({ ...forged, sign_pub: bob.publicKeyB64 }, opts))).toBe(
      "bad-signature",
    );
    // changing what the signature covers breaks it
    const otherKx = generateKxKeyPair(backend).publicKeyB64;
    expect(reasonOf(() => verifyHandshake({ ...blob, kx_pub: otherKx }, opts))).toBe("bad-signature");
    expect(reasonOf(() => verifyHandshake({ ...blob, timestamp: "2026-11-27T10:00:01+00:00" }, opts))).toBe(
      "bad-signature",
    );
    // the same instant in another notation is a different signed string, hence rejected too
    expect(reasonOf(() => verifyHandshake({ ...blob, timestamp: "2026-11-27T10:00:00Z" }, opts))).toBe(
      "bad-signature",
    );
  });

  it("version handling: no v → 1, v=2 → 2, any other v → malformed", () => {
    const v1 = buildHandshake({
      version: 1,
      type: "response",
      nonce: N1,
      kxPub: kx,
      signingKey: bob,
      now: NOW,
    });
    expect("v" in v1).toBe(false);
    expect(verifyHandshake(v1, opts).version).toBe(1);
    for (const v of [1, 3, "2", null, 2.5, true]) {
      expect(reasonOf(() => verifyHandshake({ ...blob, v }, opts))).toBe("malformed");
    }
  });

  it("format checks: nonce, keys, signature lengths and encodings", () => {
    const cases: Partial<Record<keyof HandshakeBlob, unknown>>[] = [
      { nonce: N1.toUpperCase() },
      { nonce: N1.slice(1) },
      { kx_pub: b64encode(new Uint8Array(31)) },
      { sign_pub: b64encode(new Uint8Array(33)) },
      { sign_pub: bob.publicKeyB64.replace("=", "") },
      { sig: blob.sig.slice(0, -4) },
      { sig: `${blob.sig} ` },
      { timestamp: "now" },
      { type: "confirm" },
      { tsig: blob.sig },
    ];
    for (const c of cases) expect(reasonOf(() => verifyHandshake({ ...blob, ...c }, opts))).toBe("malformed");
    const init = buildHandshake({
      type: "init",
      nonce: N1,
      kxPub: kx,
      signingKey: bob,
      now: NOW,
      tsig: blob.sig,
    });
    const { tsig: _dropped, ...noTsig } = init;
    expect(reasonOf(() => verifyHandshake(noTsig, { ...opts, expectedType: "init" }))).toBe("malformed");
    expect(reasonOf(() => buildHandshake({ type: "init", nonce: "nope", kxPub: kx, signingKey: bob }))).toBe(
      "malformed",
    );
  });
});

/** The legacy (HSAgent_2) verifier's procedure, written independently on raw node:crypto. */
function legacyVerifyHs(blob: HandshakeBlob): boolean {
  const spki = Buffer.concat([
    Buffer.from("302a300506032b6570032100", "hex"),
    Buffer.from(blob.sign_pub, "base64"),
  ]);
  const key = nodeCrypto.createPublicKey({ key: spki, format: "der", type: "spki" });
  const signed = Buffer.from(`${blob.nonce}|${blob.kx_pub}|${blob.timestamp}`, "utf8");
  return nodeCrypto.verify(null, signed, key, Buffer.from(blob.sig, "base64"));
}

function legacyOpenEnvelope(
  sec: { envelope: Record<string, string>; sig: string },
  key: Uint8Array,
  signPub: string,
) {
  const env = sec.envelope;
  const canonical = JSON.stringify(
    Object.fromEntries(
      Object.keys(env)
        .sort()
        .map((k) => [k, env[k]]),
    ),
  );
  const spki = Buffer.concat([
    Buffer.from("302a300506032b6570032100", "hex"),
    Buffer.from(signPub, "base64"),
  ]);
  const pub = nodeCrypto.createPublicKey({ key: spki, format: "der", type: "spki" });
  if (!nodeCrypto.verify(null, Buffer.from(canonical), pub, Buffer.from(sec.sig, "base64")))
    throw new Error("sig");
  const ct = Buffer.from(env.ciphertext!, "base64");
  const hash = Buffer.from(env.hash!, "base64");
  const d = nodeCrypto.createDecipheriv("aes-256-gcm", key, Buffer.from(env.nonce!, "base64"));
  d.setAAD(hash);
  d.setAuthTag(ct.subarray(ct.length - 16));
  const pt = Buffer.concat([d.update(ct.subarray(0, ct.length - 16)), d.final()]);
  if (!nodeCrypto.createHash("sha256").update(pt).digest().equals(hash)) throw new Error("hash");
  return { text: pt.toString("utf8"), value: JSON.parse(pt.toString("utf8")) as unknown };
}

describe.each(BACKEND_NAMES)("v1 interop on %s (what we build, a v1 verifier accepts)", (backend) => {
  it("our v1 and v2 hs blobs pass the legacy signature check", () => {
    const bob = generateSigningKey(backend);
    for (const version of [1, 2] as const) {
      const b = buildHandshake({
        version,
        type: "response",
        nonce: randomNonceHex(),
        kxPub: generateKxKeyPair(),
        signingKey: bob,
      });
      expect(legacyVerifyHs(b)).toBe(true);
      expect(legacyVerifyHs({ ...b, nonce: randomNonceHex() })).toBe(false);
    }
  });

  it("our v1 envelopes open with the legacy procedure, with ASCII-escaped plaintext", () => {
    const alice = generateSigningKey(backend);
    const key = deriveV1SessionKey(generateKxKeyPair(backend), generateKxKeyPair(backend).publicKey, backend);
    for (const message of ["How are you? été 😀", { n: 1, list: [true, null, "\u2028"] }, ""]) {
      const sec = sealSecV1({ key, signingKey: alice, message, backend });
      expect(Number.isFinite(Date.parse(sec.envelope.ts))).toBe(true);
      const legacy = legacyOpenEnvelope(sec as never, key, alice.publicKeyB64);
      expect(legacy.value).toEqual({ message });
      expect(legacy.text).toMatch(/^[\x20-\x7e]*$/);
      for (const other of BACKEND_NAMES) {
        expect(openSecV1(sec, { key, pin: alice.publicKeyB64, backend: other }).message).toEqual(message);
      }
    }
  });

  it("v1 open rejects the wrong key, a forged hash and the wrong pin", () => {
    const alice = generateSigningKey(backend);
    const key = new Uint8Array(32).fill(1);
    const sec = sealSecV1({ key, signingKey: alice, message: "m", backend });
    expect(
      reasonOf(() => openSecV1(sec, { key: new Uint8Array(32).fill(2), pin: alice.verifyKey, backend })),
    ).toBe("decrypt-failed");
    expect(reasonOf(() => openSecV1(sec, { key, pin: generateSigningKey().verifyKey, backend }))).toBe(
      "bad-signature",
    );
    // a sender that signs a wrong hash (ciphertext authenticated under that hash) → hash-mismatch
    const fakeHash = new Uint8Array(32).fill(9);
    const nonce = new Uint8Array(12).fill(3);
    const c = createCrypto({ backend });
    const ct = c.aesGcmEncrypt(key, nonce, new TextEncoder().encode('{"message":"m"}'), fakeHash);
    const envelope = {
      nonce: b64encode(nonce),
      ciphertext: b64encode(ct),
      hash: b64encode(fakeHash),
      ts: "2026-11-27T10:00:00",
    };
    const sig = b64encode(
      alice.sign(new TextEncoder().encode(JSON.stringify(envelope, ["ciphertext", "hash", "nonce", "ts"]))),
    );
    expect(reasonOf(() => openSecV1({ envelope, sig }, { key, pin: alice.verifyKey, backend }))).toBe(
      "hash-mismatch",
    );
  });
});

describe("full v2 handshake across backends", () => {
  const pairs: [BackendName, BackendName][] = [
    ["native", "native"],
    ["native", "noble"],
    ["noble", "native"],
    ["noble", "noble"],
  ];
  it.each(pairs)(
    "initiator %s, responder %s: keys agree, tsig/fin verify, messages flow both ways",
    (bi, br) => {
      const I = { id: "1b2c3d4e-0000-4000-8000-00000000000a", sign: generateSigningKey(bi) };
      const R = { id: "9f8e7d6c-0000-4000-8000-00000000000b", sign: generateSigningKey(br) };
      // R: confirm
      const eR = generateKxKeyPair(br);
      const nR = randomNonceHex(br);
      const confirmHs = buildHandshake({
        type: "response",
        nonce: nR,
        kxPub: eR,
        signingKey: R.sign,
        now: NOW,
      });
      // I: verify confirm, build request #1 with tsig
      const vc = verifyHandshake(confirmHs, {
        expectedType: "response",
        expectedNonce: nR,
        pin: R.sign.publicKeyB64,
        now: NOW + 1000,
        backend: bi,
      });
      const eI = generateKxKeyPair(bi);
      const nI = randomNonceHex(bi);
      const tsI = "2026-11-27T10:00:01+00:00";
      const thI = transcriptHash(
        transcriptPartsFromBlobs(I.id, R.id, { nonce: nI, kx_pub: eI.publicKeyB64, timestamp: tsI }, vc.blob),
        bi,
      );
      const initHs = buildHandshake({
        type: "init",
        nonce: nI,
        kxPub: eI,
        signingKey: I.sign,
        timestamp: tsI,
        tsig: signTranscript(I.sign, thI),
      });
      const kI = v2Keys(eI, vc.kxPub, thI, "initiator");
      // R: verify request #1 including tsig, derive, fin
      let thR: Uint8Array = new Uint8Array(0);
      const vi = verifyHandshake(initHs, {
        expectedType: "init",
        expectedNonce: nI,
        pin: I.sign.publicKeyB64,
        now: NOW + 2000,
        backend: br,
        transcriptHashFor: (b) => {
          thR = transcriptHash(transcriptPartsFromBlobs(I.id, R.id, b, confirmHs), br);
          return thR;
        },
      });
      expect(vi.version).toBe(2);
      const kR = v2Keys(eR, initHs.kx_pub, thR, "responder");
      expect(b64encode(kR.kI2r)).toBe(b64encode(kI.kI2r));
      expect(b64encode(kR.kR2i)).toBe(b64encode(kI.kR2i));
      expect(kR.sid).toBe(kI.sid);
      expect(b64encode(kI.kI2r)).not.toBe(b64encode(kI.kR2i));
      const fin = signTranscript(R.sign, thR);
      expect(() => verifyTranscriptSignature(R.sign.publicKeyB64, thI, fin, bi)).not.toThrow();
      expect(reasonOf(() => verifyTranscriptSignature(I.sign.publicKeyB64, thI, fin, bi))).toBe(
        "bad-signature",
      );
      // exchange
      let lastAtR = 0;
      let lastAtI = 0;
      for (let seq = 1; seq <= 4; seq++) {
        const req = { from: I.id, to: R.id, intent: "request", my_nonce: randomNonceHex(), your_nonce: nR };
        const sec = sealSecV2({
          key: kI.sendKey,
          sid: kI.sid,
          seq,
          header: req,
          plaintext: { message: `q${seq} é` },
          backend: bi,
        });
        const opened = openSecV2(sec, {
          key: kR.recvKey,
          sid: kR.sid,
          header: req,
          lastSeq: lastAtR,
          backend: br,
        });
        expect(opened).toEqual({ plaintext: { message: `q${seq} é` }, seq });
        lastAtR = opened.seq;
        expect(
          reasonOf(() =>
            openSecV2(sec, { key: kR.recvKey, sid: kR.sid, header: req, lastSeq: lastAtR, backend: br }),
          ),
        ).toBe("replay");
        const resp = {
          from: R.id,
          to: I.id,
          intent: "respond",
          my_nonce: randomNonceHex(),
          your_nonce: req.my_nonce,
        };
        const back = sealSecV2({
          key: kR.sendKey,
          sid: kR.sid,
          seq,
          header: resp,
          plaintext: {},
          backend: br,
        });
        lastAtI = openSecV2(back, {
          key: kI.recvKey,
          sid: kI.sid,
          header: resp,
          lastSeq: lastAtI,
          backend: bi,
        }).seq;
      }
      const close = { from: I.id, to: R.id, intent: "close", my_ref: "ref-1", your_ref: "ref_2" };
      const closeSec = sealSecV2({
        key: kI.sendKey,
        sid: kI.sid,
        seq: 5,
        header: close,
        plaintext: {},
        backend: bi,
      });
      expect(
        openSecV2(closeSec, { key: kR.recvKey, sid: kR.sid, header: close, lastSeq: 4, backend: br })
          .plaintext,
      ).toEqual({});
      // a forged close with other refs, or the sec replayed on another intent, is rejected
      expect(
        reasonOf(() =>
          openSecV2(closeSec, {
            key: kR.recvKey,
            sid: kR.sid,
            header: { ...close, my_ref: "x" },
            backend: br,
          }),
        ),
      ).toBe("decrypt-failed");
    },
  );

  it("two sessions between the same agents get different keys (ephemeral keys, fresh nonces)", () => {
    const a = generateKxKeyPair();
    const b = generateKxKeyPair();
    const th = new Uint8Array(32);
    const k1 = v2Keys(a, b.publicKey, th, "initiator");
    const k2 = v2Keys(generateKxKeyPair(), b.publicKey, th, "initiator");
    expect(b64encode(k1.kI2r)).not.toBe(b64encode(k2.kI2r));
  });
});

describe.each(BACKEND_NAMES)("weak X25519 keys on %s", (backend) => {
  // Low-order points (RFC 7748 §6.1 / libsodium blocklist) and non-canonical encodings of them.
  const lowOrder = [
    "0000000000000000000000000000000000000000000000000000000000000000",
    "0100000000000000000000000000000000000000000000000000000000000000",
    "e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800",
    "5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157",
    "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
    "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
    "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
    "0000000000000000000000000000000000000000000000000000000000000080",
  ];
  it.each(lowOrder)("peer key %s → weak-key everywhere", (hex) => {
    const peer = hexDecode(hex);
    const own = generateKxKeyPair(backend);
    expect(reasonOf(() => own.deriveSharedSecret(peer))).toBe("weak-key");
    expect(reasonOf(() => x25519(own, peer, backend))).toBe("weak-key");
    expect(reasonOf(() => deriveV1SessionKey(own, b64encode(peer), backend))).toBe("weak-key");
    expect(reasonOf(() => v2Keys(own, peer, new Uint8Array(32), "responder"))).toBe("weak-key");
  });
});

describe.each(BACKEND_NAMES)("identity and vault on %s", (backend) => {
  it("generateIdentity → vault → decrypt round-trips; keys load and match; the other backend decrypts too", async () => {
    const id = generateIdentity({ backend, now: NOW });
    expect(isUuidV4(id.my_id)).toBe(true);
    expect(id.created_at).toBe("2026-11-27T10:00:00+00:00");
    const keys = loadIdentityKeys(id, backend);
    expect(keys.signingKey.publicKeyB64).toBe(id.sign_pub_b64);
    expect(keys.kx.publicKeyB64).toBe(id.kx_pub_b64);
    const vault = await encryptIdentityVault(id, "hunter2 ünïcode", { backend });
    expect(vault.v).toBe("id.v1");
    expect(b64decode(vault.salt)).toHaveLength(16);
    expect(Buffer.from(vault.aad, "base64").toString()).toBe("HSAgent.identity.v1");
    for (const other of BACKEND_NAMES) {
      expect(await decryptIdentityVault(vault, "hunter2 ünïcode", { backend: other })).toEqual(id);
    }
    expect(await reasonOfAsync(() => decryptIdentityVault(vault, "hunter2 unicode", { backend }))).toBe(
      "decrypt-failed",
    );
    const v2 = await encryptIdentityVault(id, "hunter2 ünïcode", { backend });
    expect(v2.salt).not.toBe(vault.salt);
    expect(v2.ciphertext).not.toBe(vault.ciphertext);
  });

  it("loadIdentityKeys rejects mismatched public keys", () => {
    const a = generateIdentity({ backend });
    const b = generateIdentity({ backend });
    expect(reasonOf(() => loadIdentityKeys({ ...a, sign_pub_b64: b.sign_pub_b64 }, backend))).toBe(
      "malformed",
    );
    expect(reasonOf(() => loadIdentityKeys({ ...a, kx_pub_b64: b.kx_pub_b64 }, backend))).toBe("malformed");
  });
});

describe("error messages carry no secrets", () => {
  it("no key, passphrase or plaintext appears in any rejection message", async () => {
    const alice = generateSigningKey();
    const key = nodeCrypto.randomBytes(32);
    const secretText = "TOP-SECRET-PLAINTEXT";
    const sec1 = sealSecV1({ key, signingKey: alice, message: secretText });
    const header = { from: "a", to: "b", intent: "request" };
    const sid = "ab".repeat(16);
    const sec2 = sealSecV2({ key, sid, seq: 1, header, plaintext: { message: secretText } });
    const id = generateIdentity();
    const vault = await encryptIdentityVault(id, "passphrase-XYZ");
    const messages: string[] = [];
    const grab = (fn: () => unknown) => {
      try {
        fn();
      } catch (e) {
        expect(e).toBeInstanceOf(HandshakeError);
        messages.push((e as Error).message);
      }
    };
    const wrongKey = nodeCrypto.randomBytes(32);
    grab(() => openSecV1(sec1, { key: wrongKey, pin: alice.verifyKey }));
    grab(() => openSecV1(sec1, { key: key.subarray(0, 31), pin: alice.verifyKey }));
    grab(() => openSecV2(sec2, { key: wrongKey, sid, header }));
    grab(() => openSecV2({ ...sec2, ct: sec2.ct.slice(4) }, { key, sid, header }));
    grab(() => deriveV1SessionKey(key, new Uint8Array(32)));
    try {
      await decryptIdentityVault(vault, "passphrase-XYZW");
    } catch (e) {
      messages.push((e as Error).message);
    }
    expect(messages.length).toBe(6);
    const secrets = [
      b64encode(key),
      key.toString("hex"),
      b64encode(wrongKey),
      secretText,
      "passphrase-XYZ",
      id.sign_priv_b64,
      id.kx_priv_b64,
    ];
    for (const m of messages) for (const s of secrets) expect(m).not.toContain(s);
  });
});
