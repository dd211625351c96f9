/**
 * ML-KEM-768 (FIPS 203) on @noble/post-quantum's lattice arithmetic (NTT, coders) with a
 * pluggable SHA-3. A port of the K-PKE and Fujisaki–Okamoto layers of @noble/post-quantum 0.7's
 * `ml-kem.js` (MIT, © 2024 Paul Miller), for ML-KEM-768 only, with two changes that keep every
 * output byte the same:
 *
 * - SHA3-256/512, SHAKE128 and SHAKE256 come from a {@link Sha3} provider, so the runtime's
 *   OpenSSL can do the Keccak work (about a third of the CPU of noble's pure-JS ML-KEM);
 * - a key pair keeps the expanded public matrix Â and t̂ (public values) from key generation, so
 *   decapsulation re-encrypts without expanding Â again (as noble's `prepare` does), and
 *   checks `H(ek)` once, when the pair is made (FIPS 203 §7.3 allows checking a key once).
 *
 * Checked byte for byte against NIST's ACVP vectors and against @noble/post-quantum itself
 * (crypto/test/mlkem.test.ts).
 */
import { genCrystals } from "@noble/post-quantum/_crystals.js";
import { cleanBytes, equalBytes, splitCoder, vecCoder } from "@noble/post-quantum/utils.js";

/** The SHA-3 functions ML-KEM uses; each hashes the concatenation of `parts`. */
export interface Sha3 {
  /** Where the functions come from (`node` = node:crypto, `noble` = @noble/hashes). */
  readonly name: "node" | "noble";
  sha3_256(...parts: Uint8Array[]): Uint8Array;
  sha3_512(...parts: Uint8Array[]): Uint8Array;
  shake128(outLen: number, ...parts: Uint8Array[]): Uint8Array;
  shake256(outLen: number, ...parts: Uint8Array[]): Uint8Array;
}

type Poly = Uint16Array;
interface Coder<T> {
  readonly bytesLen: number;
  encode(value: T): Uint8Array;
  decode(bytes: Uint8Array): T;
}

const N = 256;
const Q = 3329;
const K = 3;
const ETA = 2; // η1 = η2 = 2 for ML-KEM-768
const DU = 10;
const DV = 4;
/** First SHAKE128 output length for SampleNTT: 3 blocks, enough for 256 coefficients nearly always. */
const XOF_FIRST = 3 * 168;

const crystals = genCrystals({
  N,
  Q,
  F: 3303,
  ROOT_OF_UNITY: 17,
  newPoly: (n: number) => new Uint16Array(n),
  brvBits: 7,
  isKyber: true,
});
/** ζ^BitRev₇(i) mod q, i < 128 (FIPS 203 Appendix A). */
const zetas = (crystals.nttZetas as Poly).slice(0, 128);

/**
 * Algorithms 9 and 10, NTT and NTT⁻¹, in place and specialised to q = 3329 (all values stay in
 * [0, q); a product of two fits an int32). Several times faster than the generic FFT loop
 * noble's crystals use, and the same values: each is the one linear map of FIPS 203.
 */
const NTT = {
  encode(f: Poly): Poly {
    for (let len = 128, k = 1; len >= 2; len >>= 1) {
      for (let start = 0; start < N; start += 2 * len) {
        const zeta = zetas[k++]!;
        for (let j = start; j < start + len; j++) {
          const t = (zeta * f[j + len]!) % Q;
          const a = f[j]!;
          f[j + len] = a >= t ? a - t : a - t + Q;
          f[j] = a + t >= Q ? a + t - Q : a + t;
        }
      }
    }
    return f;
  },
  decode(f: Poly): Poly {
    for (let len = 2, k = 127; len <= 128; len <<= 1) {
      for (let start = 0; start < N; start += 2 * len) {
        const zeta = zetas[k--]!;
        for (let j = start; j < start + len; j++) {
          const a = f[j]!;
          const b = f[j + len]!;
          f[j] = a + b >= Q ? a + b - Q : a + b;
          f[j + len] = (zeta * (b >= a ? b - a : b - a + Q)) % Q;
        }
      }
    }
    for (let j = 0; j < N; j++) f[j] = (f[j]! * 3303) % Q; // 3303 = 128⁻¹ mod q
    return f;
  },
};

/** ByteEncode_d with Compress_d folded in (d < 12), or ByteEncode_12 with the mod-q reduction. */
function polyCoder(d: number): Coder<Poly> {
  const half = 2 ** (d - 1);
  const c =
    d === 12
      ? { encode: (i: number) => i, decode: (i: number) => (i >= Q ? i - Q : i) }
      : { encode: (i: number) => ((i << d) + Q / 2) / Q, decode: (i: number) => (i * Q + half) >>> d };
  return crystals.bitsCoder(d, c) as unknown as Coder<Poly>;
}

const poly1 = polyCoder(1);
const polyVec12 = vecCoder(polyCoder(12), K) as unknown as Coder<Poly[]>;
const cipherCoder = splitCoder("ciphertext", vecCoder(polyCoder(DU), K), polyCoder(DV)) as unknown as Coder<
  [Poly[], Poly]
>;
/** Byte offsets in the expanded decapsulation key dkPKE ‖ ek ‖ H(ek) ‖ z. */
const EK_AT = 384 * K;
const H_AT = EK_AT + 384 * K + 32;
const Z_AT = H_AT + 32;

function polyAdd(a: Poly, b: Poly): void {
  for (let i = 0; i < N; i++) {
    const r = a[i]! + b[i]!;
    a[i] = r >= Q ? r - Q : r;
  }
}

function polySub(a: Poly, b: Poly): void {
  for (let i = 0; i < N; i++) {
    const r = a[i]! - b[i]!;
    a[i] = r < 0 ? r + Q : r;
  }
}

/** f ← f ∘ g in T_q (in place; both in NTT form). */
function multiplyNTTs(f: Poly, g: Poly): Poly {
  for (let i = 0; i < N / 2; i++) {
    // γ = ζ^(2·BitRev₇(i)+1) = ±ζ^BitRev₇(64 + i/2); every intermediate fits an int32.
    const z = i & 1 ? Q - zetas[64 + (i >> 1)]! : zetas[64 + (i >> 1)]!;
    const a0 = f[2 * i]!;
    const a1 = f[2 * i + 1]!;
    const b0 = g[2 * i]!;
    const b1 = g[2 * i + 1]!;
    f[2 * i] = (((((a1 * b1) % Q) * z) % Q) + a0 * b0) % Q;
    f[2 * i + 1] = (a0 * b1 + a1 * b0) % Q;
  }
  return f;
}

/** Algorithm 7 SampleNTT on SHAKE128(`rho ‖ x ‖ y`), read 3 bytes at a time. */
function sampleNTT(sha: Sha3, rho: Uint8Array, x: number, y: number): Poly {
  const coords = Uint8Array.of(x, y);
  let len = XOF_FIRST;
  let b = sha.shake128(len, rho, coords);
  const r = new Uint16Array(N);
  for (let j = 0, i = 0; j < N; i += 3) {
    if (i + 3 > b.length) {
      len *= 2; // an XOF's longer output starts with the shorter one
      b = sha.shake128(len, rho, coords);
    }
    const d1 = (b[i]! | (b[i + 1]! << 8)) & 0xfff;
    const d2 = ((b[i + 1]! >> 4) | (b[i + 2]! << 4)) & 0xfff;
    if (d1 < Q) r[j++] = d1;
    if (j < N && d2 < Q) r[j++] = d2;
  }
  return r;
}

/** Algorithm 8 SamplePolyCBD_2 on PRF_2(`seed`, `nonce`) = SHAKE256(seed ‖ nonce, 128 bytes). */
function sampleCBD(sha: Sha3, seed: Uint8Array, nonce: number): Poly {
  const buf = sha.shake256(64 * ETA, seed, Uint8Array.of(nonce));
  const r = new Uint16Array(N);
  for (let i = 0; i < N; i++) {
    const nibble = buf[i >> 1]! >> ((i & 1) * 4);
    const d = (nibble & 1) + ((nibble >> 1) & 1) - ((nibble >> 2) & 1) - ((nibble >> 3) & 1);
    r[i] = d < 0 ? d + Q : d;
  }
  cleanBytes(buf);
  return r;
}

/** The public values encryption needs: Â (row-major, Â[i][j] at i·K+j) and t̂. */
interface Expanded {
  readonly a: Poly[];
  readonly tHat: Poly[];
}

function expandMatrix(sha: Sha3, rho: Uint8Array): Poly[] {
  const a: Poly[] = [];
  for (let i = 0; i < K; i++) for (let j = 0; j < K; j++) a.push(sampleNTT(sha, rho, j, i));
  return a;
}

/** Algorithm 14 K-PKE.Encrypt with Â and t̂ given (not modified). */
function encrypt(sha: Sha3, pub: Expanded, msg: Uint8Array, seed: Uint8Array): Uint8Array {
  const rHat: Poly[] = [];
  for (let i = 0; i < K; i++) rHat.push(NTT.encode(sampleCBD(sha, seed, i)));
  const u: Poly[] = [];
  const vAcc = new Uint16Array(N);
  for (let i = 0; i < K; i++) {
    const e1 = sampleCBD(sha, seed, K + i);
    const acc = new Uint16Array(N);
    for (let j = 0; j < K; j++) polyAdd(acc, multiplyNTTs(pub.a[j * K + i]!.slice(), rHat[j]!)); // Âᵀ
    polyAdd(e1, NTT.decode(acc));
    u.push(e1);
    polyAdd(vAcc, multiplyNTTs(pub.tHat[i]!.slice(), rHat[i]!));
  }
  const e2 = sampleCBD(sha, seed, 2 * K);
  polyAdd(e2, NTT.decode(vAcc));
  const v = poly1.decode(msg);
  polyAdd(v, e2);
  cleanBytes(rHat, vAcc, e2);
  return cipherCoder.encode([u, v]);
}

/** Algorithm 15 K-PKE.Decrypt. */
function decrypt(cipherText: Uint8Array, dkPke: Uint8Array): Uint8Array {
  const [u, v] = cipherCoder.decode(cipherText);
  const s = polyVec12.decode(dkPke);
  const acc = new Uint16Array(N);
  for (let i = 0; i < K; i++) polyAdd(acc, multiplyNTTs(s[i]!, NTT.encode(u[i]!)));
  polySub(v, NTT.decode(acc));
  const msg = poly1.encode(v);
  cleanBytes(acc, s, u, v);
  return msg;
}

/**
 * t̂ of an encapsulation key after the FIPS 203 §7.2 modulus check
 * (ek = ByteEncode_12(ByteDecode_12(ek))); null if it fails.
 */
function decodeModulusChecked(publicKey: Uint8Array): Poly[] | null {
  const eke = publicKey.subarray(0, EK_AT);
  const tHat = polyVec12.decode(eke);
  const again = polyVec12.encode(tHat);
  const ok = equalBytes(again, eke);
  cleanBytes(again);
  return ok ? tHat : null;
}

/** An ML-KEM-768 key: the expanded decapsulation key and the public values for re-encryption. */
export interface LatticeKey {
  readonly publicKey: Uint8Array;
  readonly secretKey: Uint8Array;
  /** Â and t̂, computed on first need when the key was imported rather than generated. */
  expanded: Expanded | null;
}

/** ML-KEM-768 over a given SHA-3 provider. Inputs are trusted to have the right sizes. */
export interface Lattice {
  readonly sha3: Sha3;
  /** Algorithm 16 ML-KEM.KeyGen_internal(d, z) from `seed` = d ‖ z. */
  keygen(seed: Uint8Array): LatticeKey;
  /** A key from an expanded decapsulation key; null if its H(ek) check fails. */
  fromSecretKey(secretKey: Uint8Array): LatticeKey | null;
  /** Algorithm 17 ML-KEM.Encaps_internal(ek, m); null if `publicKey` fails the modulus check. */
  encapsulate(
    publicKey: Uint8Array,
    m: Uint8Array,
  ): { cipherText: Uint8Array; sharedSecret: Uint8Array } | null;
  /** Algorithm 18 ML-KEM.Decaps_internal(dk, c), with implicit rejection. */
  decapsulate(key: LatticeKey, cipherText: Uint8Array): Uint8Array;
}

/** ML-KEM-768 whose hashing is done by `sha`. */
export function createLattice(sha: Sha3): Lattice {
  const expandedOf = (key: LatticeKey): Expanded => {
    if (key.expanded === null) {
      const tHat = polyVec12.decode(key.publicKey.subarray(0, EK_AT));
      key.expanded = { a: expandMatrix(sha, key.publicKey.subarray(EK_AT)), tHat };
    }
    return key.expanded;
  };
  return {
    sha3: sha,
    keygen(seed) {
      const g = sha.sha3_512(seed.subarray(0, 32), Uint8Array.of(K));
      const rho = g.slice(0, 32);
      const sigma = g.subarray(32);
      const sHat: Poly[] = [];
      for (let i = 0; i < K; i++) sHat.push(NTT.encode(sampleCBD(sha, sigma, i)));
      const a = expandMatrix(sha, rho);
      const tHat: Poly[] = [];
      for (let i = 0; i < K; i++) {
        const t = NTT.encode(sampleCBD(sha, sigma, K + i));
        for (let j = 0; j < K; j++) polyAdd(t, multiplyNTTs(a[i * K + j]!.slice(), sHat[j]!));
        tHat.push(t);
      }
      const publicKey = new Uint8Array(EK_AT + 32);
      publicKey.set(polyVec12.encode(tHat));
      publicKey.set(rho, EK_AT);
      const secretKey = new Uint8Array(Z_AT + 32);
      const dkPke = polyVec12.encode(sHat);
      secretKey.set(dkPke);
      secretKey.set(publicKey, EK_AT);
      secretKey.set(sha.sha3_256(publicKey), H_AT);
      secretKey.set(seed.subarray(32, 64), Z_AT);
      cleanBytes(g, sHat, dkPke);
      return { publicKey, secretKey, expanded: { a, tHat } };
    },
    fromSecretKey(secretKey) {
      const publicKey = secretKey.slice(EK_AT, H_AT);
      if (!equalBytes(sha.sha3_256(publicKey), secretKey.subarray(H_AT, Z_AT))) return null;
      return { publicKey, secretKey: secretKey.slice(), expanded: null };
    },
    encapsulate(publicKey, m) {
      const tHat = decodeModulusChecked(publicKey);
      if (tHat === null) return null;
      const kr = sha.sha3_512(m, sha.sha3_256(publicKey));
      const pub = { a: expandMatrix(sha, publicKey.subarray(EK_AT)), tHat };
      const cipherText = encrypt(sha, pub, m, kr.subarray(32));
      cleanBytes(kr.subarray(32));
      return { cipherText, sharedSecret: kr.subarray(0, 32) };
    },
    decapsulate(key, cipherText) {
      const dk = key.secretKey;
      const msg = decrypt(cipherText, dk.subarray(0, EK_AT));
      const kr = sha.sha3_512(msg, dk.subarray(H_AT, Z_AT));
      const kHat = kr.subarray(0, 32);
      const again = encrypt(sha, expandedOf(key), msg, kr.subarray(32));
      const valid = equalBytes(cipherText, again);
      const kBar = sha.shake256(32, dk.subarray(Z_AT), cipherText);
      cleanBytes(msg, again, kr.subarray(32), valid ? kBar : kHat);
      return valid ? kHat : kBar;
    },
  };
}
