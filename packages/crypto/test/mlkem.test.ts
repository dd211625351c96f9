/**
 * ML-KEM-768 known-answer tests from NIST ACVP (FIPS 203) material, run on every implementation
 * this runtime has; input validation; and agreement between implementations where both exist.
 * liboqs takes no seed or injected randomness: its seeded keygen and its encapsulation with `m`
 * are noble's, so for it the keyGen and encapsulation KATs check its decapsulation of the
 * expanded keys, the decapsulation KATs run on it alone, and its own randomised keygen and
 * encapsulation are checked against noble below.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  availableMlKem768,
  getMlKem768,
  HandshakeError,
  hexDecode,
  hexEncode,
  MLKEM768_CIPHERTEXT_BYTES,
  type MlKem768,
  MlKemSpare,
  nobleMlKem768,
  takeMlKemKeyPair,
} from "../src/index.js";
import { liboqsMlKem768Available, nativeMlKem768Available, prepareMlKem768 } from "../src/kem/index.js";
import { fixture, reasonOf } from "./fixtures.js";

// The WebAssembly implementation loads asynchronously: load it before the suites are collected,
// so every implementation this runtime can have is tested below.
await prepareMlKem768();

interface Acvp {
  keyGen: { tcId: number; d: string; z: string; ek: string; dk: string }[];
  encapsulation: { tcId: number; ek: string; dk: string; m: string; c: string; k: string }[];
  decapsulation: { dk: string; tests: { tcId: number; reason: string; c: string; k: string }[] };
}
const acvp = fixture<Acvp>("mlkem768-acvp");
const h = hexDecode;

describe.each(availableMlKem768().map((kem) => [kem.name, kem] as const))("ML-KEM-768 KAT (%s)", (_, kem) => {
  it.each(acvp.keyGen)("keyGen tcId $tcId: d ‖ z → ek", (t) => {
    const pair = kem.generateKeyPair(new Uint8Array([...h(t.d), ...h(t.z)]));
    expect(hexEncode(pair.publicKey)).toBe(t.ek);
    // The expanded secret key decapsulates like the seed-made key.
    const fromDk = kem.keyPairFromSecretKey(h(t.dk));
    expect(hexEncode(fromDk.publicKey)).toBe(t.ek);
    const { cipherText, sharedSecret } = kem.encapsulate(pair.publicKey);
    expect(hexEncode(fromDk.decapsulate(cipherText))).toBe(hexEncode(sharedSecret));
  });

  it.each(acvp.encapsulation)("encapsulation tcId $tcId: ek, m → c, k; dk, c → k", (t) => {
    const out = kem.encapsulate(h(t.ek), h(t.m));
    expect(hexEncode(out.cipherText)).toBe(t.c);
    expect(hexEncode(out.sharedSecret)).toBe(t.k);
    expect(hexEncode(kem.keyPairFromSecretKey(h(t.dk)).decapsulate(h(t.c)))).toBe(t.k);
  });

  it.each(acvp.decapsulation.tests)("decapsulation tcId $tcId ($reason)", (t) => {
    const pair = kem.keyPairFromSecretKey(h(acvp.decapsulation.dk));
    expect(hexEncode(pair.decapsulate(h(t.c)))).toBe(t.k);
  });

  it("rejects bad sizes, a key failing the modulus check and a corrupt secret key", () => {
    const pair = kem.generateKeyPair();
    const reason = reasonOf;
    expect(reason(() => kem.encapsulate(pair.publicKey.subarray(1)))).toBe("malformed");
    expect(reason(() => kem.encapsulate("x" as unknown as Uint8Array))).toBe("malformed");
    expect(reason(() => kem.generateKeyPair(new Uint8Array(63)))).toBe("malformed");
    expect(reason(() => pair.decapsulate(new Uint8Array(MLKEM768_CIPHERTEXT_BYTES - 1)))).toBe("malformed");
    const overQ = new Uint8Array(pair.publicKey);
    overQ[0] = 0xff;
    overQ[1] = 0xff; // first coefficient 0xfff ≥ q = 3329
    expect(reason(() => kem.encapsulate(overQ))).toBe("malformed");
    const dk = new Uint8Array(h(acvp.decapsulation.dk));
    dk[1200]! ^= 1; // inside the embedded ek: H(ek) no longer matches
    expect(reason(() => kem.keyPairFromSecretKey(dk))).toBe("malformed");
  });

  it("a flipped ciphertext bit gives a different secret (implicit rejection), never a throw", () => {
    fc.assert(
      fc.property(fc.nat(MLKEM768_CIPHERTEXT_BYTES * 8 - 1), (bit) => {
        const pair = kem.generateKeyPair();
        const { cipherText, sharedSecret } = kem.encapsulate(pair.publicKey);
        const bad = new Uint8Array(cipherText);
        bad[bit >> 3]! ^= 1 << (bit & 7);
        expect(hexEncode(pair.decapsulate(bad))).not.toBe(hexEncode(sharedSecret));
      }),
      { numRuns: 20 },
    );
  });
});

describe("ML-KEM-768 selection", () => {
  it("picks an available implementation; noble is always there; native only where present", () => {
    expect(availableMlKem768().map((k) => k.name)).toContain("noble");
    expect(availableMlKem768().map((k) => k.name)).toContain(getMlKem768().name);
    expect(getMlKem768("noble")).toBe(nobleMlKem768);
    if (nativeMlKem768Available()) expect(getMlKem768("native").name).toBe("native");
    else expect(() => getMlKem768("native")).toThrow(HandshakeError);
  });

  it("liboqs (WebAssembly) loads on this runtime and is then the one picked over noble", async () => {
    expect(liboqsMlKem768Available()).toBe(true);
    expect(getMlKem768("liboqs").name).toBe("liboqs");
    // Several times faster than pure JS: the measured choice must not be noble.
    expect((await prepareMlKem768()).name).not.toBe("noble");
    expect(reasonOf(() => getMlKem768("nope" as "noble"))).toBe("malformed");
  });
});

const others = availableMlKem768().filter((kem) => kem.name !== "noble");
describe.each(others.map((kem) => [kem.name, kem] as const))("%s and noble ML-KEM-768 agree", (_, other) => {
  it("randomised keygen and encapsulation: each decapsulates the other's ciphertexts", () => {
    for (let i = 0; i < 25; i++) {
      const a = other.generateKeyPair();
      expect(a.backend).toBe(other.name);
      const toA = nobleMlKem768.encapsulate(a.publicKey);
      expect(hexEncode(a.decapsulate(toA.cipherText))).toBe(hexEncode(toA.sharedSecret));
      const b = nobleMlKem768.generateKeyPair();
      const toB = other.encapsulate(b.publicKey);
      expect(toB.cipherText).toHaveLength(MLKEM768_CIPHERTEXT_BYTES);
      expect(hexEncode(b.decapsulate(toB.cipherText))).toBe(hexEncode(toB.sharedSecret));
    }
  });
});

describe.skipIf(!nativeMlKem768Available())("native and noble ML-KEM-768 agree", () => {
  it("same keys from the same seed; each decapsulates the other's ciphertexts", () => {
    const native = getMlKem768("native");
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 64, maxLength: 64 }), (seed) => {
        const a = native.generateKeyPair(seed);
        const b = nobleMlKem768.generateKeyPair(seed);
        expect(hexEncode(a.publicKey)).toBe(hexEncode(b.publicKey));
        const toA = nobleMlKem768.encapsulate(a.publicKey);
        expect(hexEncode(a.decapsulate(toA.cipherText))).toBe(hexEncode(toA.sharedSecret));
        const toB = native.encapsulate(b.publicKey);
        expect(hexEncode(b.decapsulate(toB.cipherText))).toBe(hexEncode(toB.sharedSecret));
      }),
      { numRuns: 25 },
    );
  });
});

describe("MlKemSpare: key pairs made ahead of time", () => {
  const counting = () => {
    const made: string[] = [];
    const kem: MlKem768 = {
      ...nobleMlKem768,
      generateKeyPair: (seed) => {
        const pair = nobleMlKem768.generateKeyPair(seed);
        made.push(pair.publicKeyB64);
        return pair;
      },
    };
    return { kem, made };
  };
  const settle = () => new Promise((r) => setTimeout(r, 30));

  it("hands each pair out once; after a take the next one is made later, off the call", async () => {
    const { kem, made } = counting();
    const spare = new MlKemSpare({ kem, refillDelayMs: 1 });
    const first = spare.take(); // nothing ready: made on the spot
    expect(made).toEqual([first.publicKeyB64]);
    expect(spare.ready).toBe(false);
    await settle();
    expect(spare.ready).toBe(true);
    expect(made).toHaveLength(2);
    const second = spare.take(); // the spare: no key generation in this call
    expect(made).toHaveLength(2);
    expect(second.publicKeyB64).toBe(made[1]);
    expect(spare.ready).toBe(false);
    const third = spare.take(); // the spare is gone: never the same pair twice
    expect(new Set([first, second, third].map((p) => p.publicKeyB64)).size).toBe(3);
    const { cipherText, sharedSecret } = nobleMlKem768.encapsulate(second.publicKey);
    expect(hexEncode(second.decapsulate(cipherText))).toBe(hexEncode(sharedSecret));
    spare.clear();
    await settle();
    expect(spare.ready).toBe(false);
    expect(made).toHaveLength(3);
  });

  it("the process-wide spare behind takeMlKemKeyPair never repeats a pair", async () => {
    const seen = new Set<string>();
    for (let i = 0; i < 4; i++) {
      seen.add(takeMlKemKeyPair().publicKeyB64);
      if (i % 2) await settle();
    }
    expect(seen.size).toBe(4);
  });
});
