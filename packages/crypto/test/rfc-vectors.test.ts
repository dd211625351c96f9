/**
 * Published test vectors for the primitives, on both backends: RFC 8032 §7.1 (Ed25519 tests 1–3),
 * RFC 7748 §5.2 (X25519 scalar mult, incl. the 1- and 1000-iteration vectors) and §6.1 (DH),
 * RFC 5869 (HKDF-SHA256 cases 1–3), RFC 7914 §12 (scrypt vectors 1–3; vector 4, N=1048576,
 * needs 1 GiB and ~minutes in pure JS, so it is skipped), plus FIPS 180-2 SHA-256 and an
 * AES-256-GCM vector from the GCM spec (test case 16).
 */
import { describe, expect, it } from "vitest";
import {
  aesGcmDecrypt,
  aesGcmEncrypt,
  BACKEND_NAMES,
  hexDecode,
  hexEncode,
  hkdfSha256,
  kxKeyPairFromPrivate,
  scrypt,
  sha256,
  signingKeyFromPrivate,
  verifyKeyFromPublic,
  x25519,
} from "../src/index.js";

const h = (s: string) => hexDecode(s.replace(/\s+/g, ""));

const ED25519 = [
  {
    secret: "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
    public: "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a",
    message: "",
    signature:
      "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b",
  },
  {
    secret: "4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
    public: "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c",
    message: "72",
    signature:
      "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00",
  },
  {
    secret: "c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7",
    public: "fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025",
    message: "af82",
    signature:
      "6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a",
  },
];

const X25519_5_2 = [
  {
    scalar: "a546e36bf0527c9d3b16154b82465edd62144c0ac1fc5a18506a2244ba449ac4",
    u: "e6db6867583030db3594c1a424b15f7c726624ec26b3353b10a903a6d0ab1c4c",
    out: "c3da55379de9c6908e94ea4df28d084f32eccf03491c71f754b4075577a28552",
  },
  {
    scalar: "4b66e9d4d1b4673c5ad22691957d6af5c11b6421e0ea01d42ca4169e7918ba0d",
    u: "e5210f12786811d3f4b7959d0538ae2c31dbe7106fc03c3efc4cd549c715a493",
    out: "95cbde9476e8907d7aade45cb4b873f88b595a68799fa152e6f8f7647aac7957",
  },
];

const range = (from: number, to: number) => {
  const out = new Uint8Array(to - from + 1);
  for (let i = 0; i < out.length; i++) out[i] = from + i;
  return out;
};

const HKDF = [
  {
    ikm: new Uint8Array(22).fill(0x0b),
    salt: range(0x00, 0x0c),
    info: range(0xf0, 0xf9),
    length: 42,
    okm: "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865",
  },
  {
    ikm: range(0x00, 0x4f),
    salt: range(0x60, 0xaf),
    info: range(0xb0, 0xff),
    length: 82,
    okm:
      "b11e398dc80327a1c8e7f78c596a49344f012eda2d4efad8a050cc4c19afa97c59045a99cac7827271cb41c65e590e09" +
      "da3275600c2f09b8367793a9aca3db71cc30c58179ec3e87c14c01d5c1f3434f1d87",
  },
  {
    ikm: new Uint8Array(22).fill(0x0b),
    salt: new Uint8Array(0),
    info: new Uint8Array(0),
    length: 42,
    okm: "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8",
  },
];

const SCRYPT = [
  {
    password: "",
    salt: "",
    N: 16,
    r: 1,
    p: 1,
    out:
      "77d6576238657b203b19ca42c18a0497f16b4844e3074ae8dfdffa3fede21442fcd0069ded0948f8326a753a0fc81f17" +
      "e8d3e0fb2e0d3628cf35e20c38d18906",
  },
  {
    password: "password",
    salt: "NaCl",
    N: 1024,
    r: 8,
    p: 16,
    out:
      "fdbabe1c9d3472007856e7190d01e9fe7c6ad7cbc8237830e77376634b3731622eaf30d92e22a3886ff109279d9830da" +
      "c727afb94a83ee6d8360cbdfa2cc0640",
  },
  {
    password: "pleaseletmein",
    salt: "SodiumChloride",
    N: 16384,
    r: 8,
    p: 1,
    out:
      "7023bdcb3afd7348461c06cd81fd38ebfda8fbba904f8e3ea9b543f6545da1f2d5432955613f0fcf62d49705242a9af9" +
      "e61e85dc0d651e40dfcf017b45575887",
  },
];

describe.each(BACKEND_NAMES)("RFC vectors on %s", (backend) => {
  it.each(ED25519.map((v, i) => [i + 1, v] as const))("RFC 8032 §7.1 Ed25519 test %i", (_n, v) => {
    const key = signingKeyFromPrivate(h(v.secret), backend);
    expect(hexEncode(key.publicKey)).toBe(v.public);
    const sig = key.sign(h(v.message));
    expect(hexEncode(sig)).toBe(v.signature);
    const vk = verifyKeyFromPublic(h(v.public), backend);
    expect(vk.verify(h(v.message), sig)).toBe(true);
    const flipped = new Uint8Array(sig);
    flipped[0]! ^= 1;
    expect(vk.verify(h(v.message), flipped)).toBe(false);
    expect(vk.verify(new Uint8Array([...h(v.message), 0]), sig)).toBe(false);
  });

  it.each(X25519_5_2.map((v, i) => [i + 1, v] as const))("RFC 7748 §5.2 X25519 test %i", (_n, v) => {
    expect(hexEncode(x25519(h(v.scalar), h(v.u), backend))).toBe(v.out);
  });

  it("RFC 7748 §5.2 iterated X25519 (1 and 1000 iterations)", () => {
    let k = h("0900000000000000000000000000000000000000000000000000000000000000");
    let u = k;
    for (let i = 1; i <= 1000; i++) {
      const next = x25519(k, u, backend);
      u = k;
      k = next;
      if (i === 1)
        expect(hexEncode(k)).toBe("422c8e7a6227d7bca1350b3e2bb7279f7897b87bb6854b783c60e80311ae3079");
    }
    expect(hexEncode(k)).toBe("684cf59ba83309552800ef566f2f4d3c1c3887c49360e3875f2eb94d99532c51");
  });

  it("RFC 7748 §6.1 Diffie–Hellman", () => {
    const alice = kxKeyPairFromPrivate(
      h("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a"),
      backend,
    );
    const bob = kxKeyPairFromPrivate(
      h("5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb"),
      backend,
    );
    expect(hexEncode(alice.publicKey)).toBe(
      "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a",
    );
    expect(hexEncode(bob.publicKey)).toBe("de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f");
    const k = "4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742";
    expect(hexEncode(alice.deriveSharedSecret(bob.publicKey))).toBe(k);
    expect(hexEncode(bob.deriveSharedSecret(alice.publicKey))).toBe(k);
  });

  it.each(HKDF.map((v, i) => [i + 1, v] as const))("RFC 5869 HKDF-SHA256 test case %i", (_n, v) => {
    expect(hexEncode(hkdfSha256(v.ikm, v.salt, v.info, v.length, backend))).toBe(v.okm);
  });

  it("RFC 5869: no salt equals HashLen zero bytes", () => {
    const ikm = new Uint8Array(22).fill(0x0b);
    expect(hexEncode(hkdfSha256(ikm, undefined, "x", 42, backend))).toBe(
      hexEncode(hkdfSha256(ikm, new Uint8Array(32), "x", 42, backend)),
    );
  });

  it.each(SCRYPT.map((v, i) => [i + 1, v] as const))("RFC 7914 §12 scrypt vector %i", async (_n, v) => {
    const out = await scrypt(
      v.password,
      new TextEncoder().encode(v.salt),
      { N: v.N, r: v.r, p: v.p, dkLen: 64 },
      backend,
    );
    expect(hexEncode(out)).toBe(v.out);
  });

  it("FIPS 180-2 SHA-256 of 'abc' and of the empty string", () => {
    expect(hexEncode(sha256("abc", backend))).toBe(
      "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
    );
    expect(hexEncode(sha256(new Uint8Array(0), backend))).toBe(
      "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    );
  });

  it("AES-256-GCM, GCM spec test case 16 (with AAD)", () => {
    const key = h("feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308");
    const iv = h("cafebabefacedbaddecaf888");
    const pt = h(
      "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e2449a6b525" +
        "b16aedf5aa0de657ba637b39",
    );
    const aad = h("feedfacedeadbeeffeedfacedeadbeefabaddad2");
    const expected =
      "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa8cb08e48590dbb3da7b08b1056828838" +
      "c5f61e6393ba7a0abcc9f662" +
      "76fc6ece0f4e1768cddf8853bb2d551b";
    const ct = aesGcmEncrypt(key, iv, pt, aad, backend);
    expect(hexEncode(ct)).toBe(expected);
    expect(hexEncode(aesGcmDecrypt(key, iv, ct, aad, backend))).toBe(hexEncode(pt));
  });
});
