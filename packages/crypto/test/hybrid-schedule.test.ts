/**
 * The v2 transcript and key schedule with the hybrid X25519+ML-KEM-768 additions: the extra
 * transcript fields are validated and change TH; the ML-KEM secret changes the keys; bad inputs
 * are `malformed`.
 */
import { describe, expect, it } from "vitest";
import {
  b64encode,
  generateKxKeyPair,
  hexEncode,
  type TranscriptParts,
  transcriptHash,
} from "../src/index.js";
import { buildTranscript } from "../src/session.js";
import { reasonOf, v2Keys } from "./fixtures.js";

const base: TranscriptParts = {
  initiatorId: "alice",
  responderId: "bob",
  initiatorNonce: "0".repeat(32),
  responderNonce: "1".repeat(32),
  initiatorKxPub: b64encode(new Uint8Array(32).fill(2)),
  responderKxPub: b64encode(new Uint8Array(32).fill(3)),
  initiatorTimestamp: "2026-11-27T04:40:00",
  responderTimestamp: "2026-11-27T04:40:01",
};
const hybrid = {
  initiatorKa: ["x25519+mlkem768", "x25519"],
  responderKa: ["x25519+mlkem768", "x25519"],
  kemPub: b64encode(new Uint8Array(1184).fill(4)),
  kemCt: b64encode(new Uint8Array(1088).fill(5)),
};

describe("hybrid transcript", () => {
  it("appends x25519+mlkem768|kaI|kaR|kem_pub|kem_ct and changes TH", () => {
    const t = buildTranscript({ ...base, hybrid });
    expect(t).toBe(
      `${buildTranscript(base)}|x25519+mlkem768|x25519+mlkem768,x25519|x25519+mlkem768,x25519|${hybrid.kemPub}|${hybrid.kemCt}`,
    );
    expect(hexEncode(transcriptHash({ ...base, hybrid }))).not.toBe(hexEncode(transcriptHash(base)));
  });

  it("refuses bad hybrid parts as malformed", () => {
    for (const bad of [
      { ...hybrid, kemPub: b64encode(new Uint8Array(1183)) },
      { ...hybrid, kemCt: "not base64" },
      { ...hybrid, initiatorKa: [] },
      { ...hybrid, responderKa: ["x|y"] },
      { ...hybrid, initiatorKa: "x25519" as unknown as string[] },
    ]) {
      expect(reasonOf(() => buildTranscript({ ...base, hybrid: bad }))).toBe("malformed");
    }
  });
});

describe("hybrid key schedule", () => {
  it("mixes the ML-KEM secret into HKDF: both sides agree, and the keys differ from classic", () => {
    const a = generateKxKeyPair();
    const b = generateKxKeyPair();
    const th = transcriptHash({ ...base, hybrid });
    const kem = new Uint8Array(32).fill(9);
    const ka = v2Keys(a, b.publicKey, th, "initiator", { kemSharedSecret: kem });
    const kb = v2Keys(b, a.publicKey, th, "responder", { kemSharedSecret: kem });
    const classic = v2Keys(a, b.publicKey, th, "initiator");
    expect(hexEncode(ka.kI2r)).toBe(hexEncode(kb.kI2r));
    expect(hexEncode(ka.kR2i)).toBe(hexEncode(kb.kR2i));
    expect(hexEncode(ka.kI2r)).not.toBe(hexEncode(classic.kI2r));
    const other = v2Keys(a, b.publicKey, th, "initiator", { kemSharedSecret: new Uint8Array(32).fill(8) });
    expect(hexEncode(other.kI2r)).not.toBe(hexEncode(ka.kI2r));
    expect(
      reasonOf(() => v2Keys(a, b.publicKey, th, "initiator", { kemSharedSecret: new Uint8Array(31) })),
    ).toBe("malformed");
  });
});
