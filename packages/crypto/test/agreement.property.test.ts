/**
 * Property tests: the native (OpenSSL) and noble (pure JS) backends compute the same bytes for
 * every primitive on random inputs. Ed25519 is deterministic, so signatures must be equal too.
 */

import { ed25519 } from "@noble/curves/ed25519.js";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { isWeakEd25519PublicKey } from "../src/backend/native.js";
import {
  HandshakeError,
  hexDecode,
  hexEncode,
  nativeBackend as native,
  nobleBackend as noble,
} from "../src/index.js";

const bytes = (min: number, max: number) => fc.uint8Array({ minLength: min, maxLength: max });
const key32 = bytes(32, 32);

/** Run `fn` and return either its hex output or the HandshakeError reason. */
function outcome(fn: () => Uint8Array): string {
  try {
    return hexEncode(fn());
  } catch (err) {
    if (err instanceof HandshakeError) return `error:${err.reason}`;
    throw err;
  }
}

describe("native and noble agree", () => {
  it("Ed25519: public keys, signatures and cross-verification", () => {
    fc.assert(
      fc.property(key32, bytes(0, 300), (seed, msg) => {
        const a = native.signingKeyFromPrivate(seed);
        const b = noble.signingKeyFromPrivate(seed);
        expect(hexEncode(a.publicKey)).toBe(hexEncode(b.publicKey));
        const sa = a.sign(msg);
        const sb = b.sign(msg);
        expect(hexEncode(sa)).toBe(hexEncode(sb));
        expect(native.verifyKeyFromPublic(b.publicKey).verify(msg, sb)).toBe(true);
        expect(noble.verifyKeyFromPublic(a.publicKey).verify(msg, sa)).toBe(true);
      }),
      { numRuns: 150 },
    );
  });

  it("Ed25519: verdicts agree on random and corrupted signatures", () => {
    fc.assert(
      fc.property(
        key32,
        bytes(0, 64),
        bytes(64, 64),
        fc.nat(511),
        fc.boolean(),
        (seed, msg, junk, bit, useJunk) => {
          const pub = native.signingKeyFromPrivate(seed).publicKey;
          const sig = useJunk ? junk : new Uint8Array(native.signingKeyFromPrivate(seed).sign(msg));
          if (!useJunk) sig[bit >> 3]! ^= 1 << (bit & 7);
          const va = native.verifyKeyFromPublic(pub).verify(msg, sig);
          const vb = noble.verifyKeyFromPublic(pub).verify(msg, sig);
          expect(va).toBe(vb);
          expect(va).toBe(false);
        },
      ),
      { numRuns: 150 },
    );
  });

  it("Ed25519: weak public keys (small order, non-canonical) verify nothing on either backend", () => {
    const identity = new Uint8Array(32);
    identity[0] = 1;
    const trivialSig = new Uint8Array(64);
    trivialSig.set(identity); // R = identity, S = 0: "valid" for any message under a small-order key
    const weak = [
      "0000000000000000000000000000000000000000000000000000000000000000",
      "0000000000000000000000000000000000000000000000000000000000000080",
      "0100000000000000000000000000000000000000000000000000000000000000",
      "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
      "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05",
      "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc85",
      "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a",
      "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa",
      "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
      "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
    ];
    for (const h of weak) {
      const pub = hexDecode(h);
      // the first eight are canonical small-order points (this checks the native blocklist's
      // constants); the last two are non-canonical (y >= p) and do not even decode strictly
      if (weak.indexOf(h) < 8) expect(ed25519.Point.fromBytes(pub, false).isSmallOrder()).toBe(true);
      else expect(() => ed25519.Point.fromBytes(pub, false)).toThrow();
      for (const msg of [new Uint8Array(0), new Uint8Array([1, 2, 3])]) {
        expect(native.verifyKeyFromPublic(pub).verify(msg, trivialSig)).toBe(false);
        expect(noble.verifyKeyFromPublic(pub).verify(msg, trivialSig)).toBe(false);
      }
    }
    fc.assert(
      fc.property(key32, (seed) => {
        const pub = native.signingKeyFromPrivate(seed).publicKey;
        expect(isWeakEd25519PublicKey(pub)).toBe(false);
      }),
      { numRuns: 100 },
    );
  });

  it("X25519: public keys and shared secrets (random peers, including invalid points)", () => {
    fc.assert(
      fc.property(key32, key32, key32, (a, b, junkPeer) => {
        const na = native.kxKeyPairFromPrivate(a);
        const nb = noble.kxKeyPairFromPrivate(a);
        expect(hexEncode(na.publicKey)).toBe(hexEncode(nb.publicKey));
        const peer = noble.kxKeyPairFromPrivate(b).publicKey;
        expect(hexEncode(na.deriveSharedSecret(peer))).toBe(hexEncode(nb.deriveSharedSecret(peer)));
        expect(outcome(() => na.deriveSharedSecret(junkPeer))).toBe(
          outcome(() => nb.deriveSharedSecret(junkPeer)),
        );
      }),
      { numRuns: 100 },
    );
  });

  it("SHA-256", () => {
    fc.assert(
      fc.property(bytes(0, 1000), (data) => {
        expect(hexEncode(native.sha256(data))).toBe(hexEncode(noble.sha256(data)));
      }),
    );
  });

  it("HKDF-SHA256 (with and without salt, any length up to 255·32)", () => {
    fc.assert(
      fc.property(
        bytes(0, 80),
        fc.option(bytes(0, 80), { nil: undefined }),
        bytes(0, 40),
        fc.integer({ min: 0, max: 255 * 32 }),
        (ikm, salt, info, length) => {
          expect(hexEncode(native.hkdfSha256(ikm, salt, info, length))).toBe(
            hexEncode(noble.hkdfSha256(ikm, salt, info, length)),
          );
        },
      ),
      { numRuns: 100 },
    );
  });

  it("AES-256-GCM: same ciphertext, cross-decryption, same verdict on tampering", () => {
    fc.assert(
      fc.property(
        key32,
        bytes(12, 12),
        bytes(0, 300),
        fc.option(bytes(0, 64), { nil: undefined }),
        fc.nat(),
        (key, iv, pt, aad, flip) => {
          const ca = native.aesGcmEncrypt(key, iv, pt, aad);
          const cb = noble.aesGcmEncrypt(key, iv, pt, aad);
          expect(hexEncode(ca)).toBe(hexEncode(cb));
          expect(hexEncode(noble.aesGcmDecrypt(key, iv, ca, aad))).toBe(hexEncode(pt));
          expect(hexEncode(native.aesGcmDecrypt(key, iv, cb, aad))).toBe(hexEncode(pt));
          const bad = new Uint8Array(ca);
          const bit = flip % (bad.length * 8);
          bad[bit >> 3]! ^= 1 << (bit & 7);
          expect(outcome(() => native.aesGcmDecrypt(key, iv, bad, aad))).toBe("error:decrypt-failed");
          expect(outcome(() => noble.aesGcmDecrypt(key, iv, bad, aad))).toBe("error:decrypt-failed");
        },
      ),
      { numRuns: 100 },
    );
  });

  it("scrypt with small parameters", async () => {
    await fc.assert(
      fc.asyncProperty(
        bytes(0, 40),
        bytes(0, 40),
        fc.constantFrom(2, 4, 8, 16, 32),
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 1, max: 2 }),
        fc.integer({ min: 1, max: 80 }),
        async (password, salt, N, r, p, dkLen) => {
          const a = await native.scrypt(password, salt, { N, r, p, dkLen });
          const b = await noble.scrypt(password, salt, { N, r, p, dkLen });
          expect(hexEncode(a)).toBe(hexEncode(b));
        },
      ),
      { numRuns: 40 },
    );
  });

  it("private key export round-trips", () => {
    fc.assert(
      fc.property(key32, (seed) => {
        for (const be of [native, noble]) {
          expect(hexEncode(be.signingKeyFromPrivate(seed).exportPrivateKey())).toBe(hexEncode(seed));
          expect(hexEncode(be.kxKeyPairFromPrivate(seed).exportPrivateKey())).toBe(hexEncode(seed));
        }
      }),
      { numRuns: 50 },
    );
  });
});
