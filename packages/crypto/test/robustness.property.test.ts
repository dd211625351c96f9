/**
 * Fuzz/property tests: every verify/open/parse function, given anything — random values, wrong
 * types, wrong lengths, truncated or bit-flipped fields — throws HandshakeError and nothing else,
 * and any single-bit change to a valid signed/sealed object is rejected.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { BackendName } from "../src/backend/types.js";
import {
  aesGcmDecrypt,
  BACKEND_NAMES,
  b64decode,
  b64encode,
  buildHandshake,
  canonicalJson,
  decryptIdentityVault,
  deriveV1SessionKey,
  deriveV2SessionKeys,
  encryptIdentityVault,
  formatTimestamp,
  generateIdentity,
  generateKxKeyPair,
  generateSigningKey,
  HandshakeError,
  hexDecode,
  hkdfSha256,
  isB64OfLength,
  openSecV1,
  openSecV2,
  parseJsonObject,
  parseTimestamp,
  sealSecV1,
  sealSecV2,
  sign,
  signTranscript,
  transcriptHash,
  verifyHandshake,
  verifyTranscriptSignature,
  x25519,
} from "../src/index.js";
import { transcriptPartsFromBlobs } from "../src/session.js";
import { v2Keys } from "./fixtures.js";

type Obj = Record<string, unknown>;

/** Calls fn; passes if it returns or throws HandshakeError; records the reason. */
function attempt(fn: () => unknown): string {
  try {
    fn();
    return "ok";
  } catch (err) {
    if (err instanceof HandshakeError) return err.reason;
    throw new Error(`leaked non-HandshakeError: ${String(err)}`);
  }
}

async function attemptAsync(fn: () => Promise<unknown>): Promise<string> {
  try {
    await fn();
    return "ok";
  } catch (err) {
    if (err instanceof HandshakeError) return err.reason;
    throw new Error(`leaked non-HandshakeError: ${String(err)}`);
  }
}

/** Values of every JS type, including the awkward ones. */
const weird = fc.oneof(
  fc.anything({ withBigInt: true, withDate: true, withMap: true, withSet: true, withTypedArray: true }),
  fc.constantFrom(null, undefined, Number.NaN, -0, Number.POSITIVE_INFINITY, 2 ** 53, -1, 0, 1.5, "", [], {}),
  fc.uint8Array({ maxLength: 80 }),
  fc.string({ maxLength: 100 }),
  fc.uint8Array({ maxLength: 80 }).map((b) => b64encode(b)),
);

/** Replace, delete, truncate or bit-flip one field of `base` (recursing into one nested object). */
function mutate(base: Obj): fc.Arbitrary<Obj> {
  const keys = Object.keys(base);
  return fc
    .tuple(
      fc.constantFrom(...keys),
      fc.constantFrom("replace", "delete", "truncate", "flip-b64", "flip-char", "nested"),
      weird,
      fc.nat(),
    )
    .map(([k, how, value, n]) => {
      const out: Obj = { ...base };
      const cur = out[k];
      switch (how) {
        case "replace":
          out[k] = value;
          break;
        case "delete":
          delete out[k];
          break;
        case "truncate":
          out[k] = typeof cur === "string" ? cur.slice(0, n % Math.max(cur.length, 1)) : value;
          break;
        case "flip-b64":
          out[k] = typeof cur === "string" ? flipB64(cur, n) : value;
          break;
        case "flip-char":
          out[k] = typeof cur === "string" && cur.length > 0 ? flipChar(cur, n) : value;
          break;
        case "nested":
          if (cur !== null && typeof cur === "object" && !Array.isArray(cur)) {
            const inner = { ...(cur as Obj) };
            const ik = Object.keys(inner);
            if (ik.length > 0) inner[ik[n % ik.length]!] = value;
            out[k] = inner;
          } else {
            out[k] = value;
          }
          break;
      }
      return out;
    });
}

function flipB64(s: string, n: number): string {
  let raw: Uint8Array;
  try {
    raw = new Uint8Array(b64decode(s));
  } catch {
    return flipChar(s, n);
  }
  if (raw.length === 0) return s + "A";
  const bit = n % (raw.length * 8);
  raw[bit >> 3]! ^= 1 << (bit & 7);
  return b64encode(raw);
}

function flipChar(s: string, n: number): string {
  const i = n % s.length;
  const c = s.charCodeAt(i);
  return s.slice(0, i) + String.fromCharCode(c === 0x41 ? 0x42 : 0x41) + s.slice(i + 1);
}

/** Every single-bit flip of every base64 field, and every 1-char change of every string field. */
function singleFieldCorruptions(base: Obj): Obj[] {
  const out: Obj[] = [];
  for (const [k, v] of Object.entries(base)) {
    if (typeof v === "string") {
      for (const n of [0, 1, 7, 13, 29, 100, 250, 333]) {
        const f = flipB64(v, n);
        if (f !== v) out.push({ ...base, [k]: f });
      }
      out.push({ ...base, [k]: flipChar(v, 3) });
    } else if (typeof v === "number") {
      out.push({ ...base, [k]: v + 1 });
    } else if (v !== null && typeof v === "object" && !Array.isArray(v)) {
      for (const inner of singleFieldCorruptions(v as Obj)) out.push({ ...base, [k]: inner });
    }
  }
  return out;
}

function setup(backend: BackendName) {
  const now = Date.parse("2026-11-27T10:00:00Z");
  const alice = generateSigningKey(backend);
  const bob = generateSigningKey(backend);
  const eI = generateKxKeyPair(backend);
  const eR = generateKxKeyPair(backend);
  const ids = ["11111111-1111-4111-8111-111111111111", "22222222-2222-4222-8222-222222222222"] as const;
  const confirm = buildHandshake({
    type: "response",
    nonce: "ab".repeat(16),
    kxPub: eR,
    signingKey: bob,
    now,
  });
  const initBare = {
    nonce: "cd".repeat(16),
    kx_pub: eI.publicKeyB64,
    timestamp: "2026-11-27T10:00:01+00:00",
  };
  const th = transcriptHash(transcriptPartsFromBlobs(ids[0], ids[1], initBare, confirm), backend);
  const init = buildHandshake({
    type: "init",
    nonce: initBare.nonce,
    kxPub: eI,
    signingKey: alice,
    timestamp: initBare.timestamp,
    tsig: signTranscript(alice, th),
  });
  const keys = v2Keys(eI, eR.publicKey, th, "initiator");
  const header = {
    from: ids[0],
    to: ids[1],
    intent: "request",
    my_nonce: "cd".repeat(16),
    your_nonce: "ab".repeat(16),
  };
  const sec2 = sealSecV2({
    key: keys.sendKey,
    sid: keys.sid,
    seq: 3,
    header,
    plaintext: { message: "hi é" },
    backend,
  });
  const v1key = deriveV1SessionKey(eI, eR.publicKey, backend);
  const sec1 = sealSecV1({ key: v1key, signingKey: alice, message: { nested: [1, "two"] }, now, backend });
  const verifyInit = (blob: unknown) =>
    verifyHandshake(blob, {
      expectedType: "init",
      expectedNonce: initBare.nonce,
      pin: alice.publicKeyB64,
      now,
      backend,
      transcriptHashFor: (b) => transcriptHash(transcriptPartsFromBlobs(ids[0], ids[1], b, confirm), backend),
    });
  const verifyConfirm = (blob: unknown) =>
    verifyHandshake(blob, {
      expectedType: "response",
      expectedNonce: "ab".repeat(16),
      pin: bob.verifyKey,
      now,
      backend,
    });
  const open2 = (sec: unknown) =>
    openSecV2(sec, { key: keys.sendKey, sid: keys.sid, header, lastSeq: 2, backend });
  const open1 = (sec: unknown) => openSecV1(sec, { key: v1key, pin: alice.verifyKey, backend });
  return { confirm, init, sec2, sec1, th, bob, verifyInit, verifyConfirm, open2, open1 };
}

describe.each(BACKEND_NAMES)("robustness on %s", (backend) => {
  const s = setup(backend);

  it("the valid objects are accepted (so rejections below mean something)", () => {
    expect(s.verifyConfirm(s.confirm).version).toBe(2);
    expect(s.verifyInit(s.init).version).toBe(2);
    expect(s.open2(s.sec2).plaintext).toEqual({ message: "hi é" });
    expect(s.open1(s.sec1).message).toEqual({ nested: [1, "two"] });
  });

  it("verifyHandshake: arbitrary values and mutated blobs throw only HandshakeError", () => {
    fc.assert(
      fc.property(
        fc.oneof(weird, mutate(s.init as unknown as Obj), mutate(s.confirm as unknown as Obj)),
        (input) => {
          attempt(() => s.verifyInit(input));
          attempt(() => s.verifyConfirm(input));
        },
      ),
      { numRuns: 400 },
    );
  });

  it("verifyHandshake: every single-field corruption is rejected", () => {
    for (const bad of singleFieldCorruptions(s.init as unknown as Obj))
      expect(attempt(() => s.verifyInit(bad))).not.toBe("ok");
    for (const bad of singleFieldCorruptions(s.confirm as unknown as Obj)) {
      expect(attempt(() => s.verifyConfirm(bad))).not.toBe("ok");
    }
  });

  it("verifyHandshake: wrong-typed options throw only HandshakeError", () => {
    fc.assert(
      fc.property(weird, weird, weird, (a, b, c) => {
        attempt(() =>
          verifyHandshake(s.confirm, { expectedType: a, expectedNonce: b, pin: c, now: a, backend } as never),
        );
        attempt(() =>
          verifyHandshake(s.confirm, {
            expectedType: "response",
            expectedNonce: "ab".repeat(16),
            ttlSeconds: a,
            now: b,
          } as never),
        );
      }),
      { numRuns: 200 },
    );
  });

  // Each envelope: its sample, its opener, and an open with arbitrary key and second option.
  const envelopes = [
    {
      name: "openSecV2",
      sample: () => s.sec2 as unknown as Obj,
      open: (sec: unknown) => s.open2(sec),
      openWith: (key: unknown, header: unknown) =>
        openSecV2(s.sec2, { key, sid: s.sec2.sid, header, backend } as never),
    },
    {
      name: "openSecV1",
      sample: () => s.sec1 as unknown as Obj,
      open: (sec: unknown) => s.open1(sec),
      openWith: (key: unknown, pin: unknown) => openSecV1(s.sec1, { key, pin, backend } as never),
    },
  ];
  it.each(envelopes)(
    "$name: arbitrary values and mutated envelopes throw only HandshakeError; corruptions rejected",
    ({ sample, open, openWith }) => {
      fc.assert(
        fc.property(fc.oneof(weird, mutate(sample())), (input) => {
          attempt(() => open(input));
        }),
        { numRuns: 400 },
      );
      for (const bad of singleFieldCorruptions(sample())) expect(attempt(() => open(bad))).not.toBe("ok");
      fc.assert(
        fc.property(weird, weird, (key, second) => {
          expect(attempt(() => openWith(key, second))).not.toBe("ok");
        }),
        { numRuns: 200 },
      );
    },
  );

  it("verifyTranscriptSignature, parsers and decoders throw only HandshakeError", () => {
    fc.assert(
      fc.property(weird, weird, weird, (a, b, c) => {
        attempt(() => verifyTranscriptSignature(a as never, b as never, c, backend));
        expect(attempt(() => verifyTranscriptSignature(s.bob.verifyKey, s.th, a))).not.toBe("ok");
        attempt(() => parseTimestamp(a));
        attempt(() => b64decode(a, 32));
        attempt(() => hexDecode(a));
        attempt(() => parseJsonObject(a as never));
        attempt(() => deriveV1SessionKey(a as never, b as never, backend));
        attempt(() =>
          deriveV2SessionKeys({
            ephemeral: a,
            peerKxPub: b,
            transcriptHash: c,
            role: "initiator",
            backend,
          } as never),
        );
      }),
      { numRuns: 300 },
    );
  });

  it("builders and primitives given wrong types throw only HandshakeError", () => {
    fc.assert(
      fc.property(weird, weird, weird, (a, b, c) => {
        attempt(() => buildHandshake(a as never));
        attempt(() => buildHandshake({ type: "init", nonce: a, kxPub: b, signingKey: c } as never));
        attempt(() => signTranscript(a as never, b as never));
        attempt(() => transcriptHash(a as never, backend));
        attempt(() => sealSecV2({ key: a, sid: b, seq: c, header: a, plaintext: b, backend } as never));
        attempt(() => sealSecV1({ key: a, signingKey: b, message: c, backend } as never));
        attempt(() => x25519(a as never, b as never, backend));
        attempt(() => sign(a as never, b as never));
        attempt(() => canonicalJson(a, { ascii: true }));
        attempt(() => aesGcmDecrypt(a as never, b as never, c as never, undefined, backend));
        attempt(() => hkdfSha256(a as never, undefined, b as never, c as never, backend));
        attempt(() => formatTimestamp(a as never));
      }),
      { numRuns: 300 },
    );
  });

  it("decryptIdentityVault: arbitrary values and corruptions throw only HandshakeError", async () => {
    const identity = generateIdentity({ backend });
    const vault = await encryptIdentityVault(identity, "pass phrase", { backend });
    expect(await decryptIdentityVault(vault, "pass phrase", { backend })).toEqual(identity);
    // every corrupted vault runs scrypt (N=2^14), so keep this run count modest
    await fc.assert(
      fc.asyncProperty(fc.oneof(weird, mutate(vault as unknown as Obj)), async (input) => {
        await attemptAsync(() => decryptIdentityVault(input, "pass phrase", { backend }));
      }),
      { numRuns: backend === "noble" ? 15 : 40 },
    );
    const flips = singleFieldCorruptions(vault as unknown as Obj).filter((_, i) => i % 3 === 0);
    for (const bad of flips) {
      expect(await attemptAsync(() => decryptIdentityVault(bad, "pass phrase", { backend }))).not.toBe("ok");
    }
    expect(await attemptAsync(() => decryptIdentityVault(vault, 42 as never, { backend }))).toBe("malformed");
  });
});

describe("base64 decoding", () => {
  // The definition: standard alphabet, padded, canonical trailing bits.
  const STRICT = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
  const canonical = (s: string) => STRICT.test(s) && Buffer.from(s, "base64").toString("base64") === s;
  const chars = [..."ABCDQgw+/09az=-_ \n\u00e9"];
  const nearB64 = fc.oneof(
    fc.array(fc.constantFrom(...chars), { maxLength: 12 }).map((a) => a.join("")),
    fc.tuple(fc.uint8Array({ maxLength: 9 }), fc.nat(12), fc.constantFrom(...chars)).map(([b, at, c]) => {
      const s = b64encode(b);
      return s.slice(0, at) + c + s.slice(at + 1);
    }),
  );

  it("accepts exactly canonical padded standard base64, of the expected length when given", () => {
    fc.assert(
      fc.property(nearB64, fc.nat(9), (s, n) => {
        const ok = canonical(s);
        expect(attempt(() => b64decode(s))).toBe(ok ? "ok" : "malformed");
        const ofLength = ok && Buffer.from(s, "base64").length === n;
        expect(isB64OfLength(s, n)).toBe(ofLength);
        expect(attempt(() => b64decode(s, n))).toBe(ofLength ? "ok" : "malformed");
      }),
      { numRuns: 3000 },
    );
  });
});
