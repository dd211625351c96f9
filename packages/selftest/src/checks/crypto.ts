// Checks `crypto-native` and `crypto-noble`: the primitives a handshake needs,
// on one backend, cross-checked against the other one: Ed25519 sign/verify
// (tampered message refused; the other backend accepts the signature), X25519
// agreement (both sides and the other backend derive the same secret), the v2
// key schedule (initiator's send key = responder's receive key) and a `sec`
// seal/open round trip (tampered ciphertext and replayed seq refused; the
// other backend opens it too). No substrate involved.

import {
  type Backend,
  createCrypto,
  HandshakeError,
  type SecHeader,
  transcriptHash,
  utf8Encode,
} from "@hsagent/crypto";
import type { RunContext } from "../context.js";
import { CheckFailure, expect } from "../errors.js";
import type { CheckFn } from "./types.js";

function same(a: Uint8Array, b: Uint8Array): boolean {
  return a.byteLength === b.byteLength && a.every((x, i) => x === b[i]);
}

function refused(fn: () => unknown, reason: string): boolean {
  try {
    fn();
    return false;
  } catch (error) {
    return error instanceof HandshakeError && error.reason === reason;
  }
}

function roundTrip(ctx: RunContext, underTest: Backend, reference: Backend): void {
  const c = createCrypto({ backend: underTest });
  const ref = createCrypto({ backend: reference });
  const name = underTest.name;

  // Ed25519
  const signer = c.generateSigningKey();
  const message = utf8Encode(`hsagent selftest ${ctx.runId}`);
  const sig = signer.sign(message);
  expect(sig.byteLength === 64, `${name}: signature is not 64 bytes`);
  expect(c.verify(signer.publicKeyB64, message, sig), `${name}: own signature does not verify`);
  expect(!c.verify(signer.publicKeyB64, utf8Encode("tampered"), sig), `${name}: a tampered message verifies`);
  expect(
    ref.verify(signer.publicKeyB64, message, sig),
    `${name}: signature rejected by the ${reference.name} backend`,
  );

  // X25519
  const alice = c.generateKxKeyPair();
  const bob = c.generateKxKeyPair();
  const ab = c.x25519(alice, bob.publicKey);
  const ba = c.x25519(bob, alice.publicKey);
  expect(ab.byteLength === 32 && same(ab, ba), `${name}: X25519 sides disagree`);
  expect(
    same(ref.x25519(alice.exportPrivateKey(), bob.publicKey), ab),
    `${name}: X25519 differs from ${reference.name}`,
  );

  // v2 key schedule over a transcript hash
  const th = transcriptHash(`hsagent-v2|selftest|${ctx.runId}`, underTest);
  const ki = c.deriveV2SessionKeys({
    ephemeral: alice,
    peerKxPub: bob.publicKey,
    transcriptHash: th,
    role: "initiator",
  });
  const kr = c.deriveV2SessionKeys({
    ephemeral: bob,
    peerKxPub: alice.publicKey,
    transcriptHash: th,
    role: "responder",
  });
  expect(same(ki.sendKey, kr.recvKey) && same(ki.recvKey, kr.sendKey), `${name}: session keys disagree`);
  expect(ki.sid === kr.sid && !same(ki.sendKey, ki.recvKey), `${name}: session ids or directions wrong`);

  // sec v2 seal/open
  const header: SecHeader = { from: "selftest-i", to: "selftest-r", intent: "request" };
  const plaintext = { message: `hello ${ctx.runId}` };
  const sec = c.sealSecV2({ key: ki.sendKey, sid: ki.sid, seq: 1, header, plaintext });
  const opened = c.openSecV2(sec, { key: kr.recvKey, sid: kr.sid, header });
  expect(JSON.stringify(opened.plaintext) === JSON.stringify(plaintext), `${name}: sec opened to other data`);
  const refOpened = ref.openSecV2(sec, { key: kr.recvKey, sid: kr.sid, header });
  expect(refOpened.plaintext.message === plaintext.message, `${name}: sec not opened by ${reference.name}`);
  const ct = Buffer.from(sec.ct, "base64");
  ct[0] = (ct[0] ?? 0) ^ 1;
  const tampered = { ...sec, ct: ct.toString("base64") };
  expect(
    refused(() => c.openSecV2(tampered, { key: kr.recvKey, sid: kr.sid, header }), "decrypt-failed"),
    `${name}: a tampered sec was opened`,
  );
  expect(
    refused(() => c.openSecV2(sec, { key: kr.recvKey, sid: kr.sid, header, lastSeq: 1 }), "replay"),
    `${name}: a replayed sec was opened`,
  );
  expect(
    refused(
      () => c.openSecV2(sec, { key: kr.recvKey, sid: kr.sid, header: { ...header, intent: "x" } }),
      "decrypt-failed",
    ),
    `${name}: a sec with an altered header was opened`,
  );
}

function wrap(fn: () => void): Promise<void> {
  try {
    fn();
    return Promise.resolve();
  } catch (error) {
    if (error instanceof CheckFailure) return Promise.reject(error);
    return Promise.reject(
      new CheckFailure(`crypto error: ${error instanceof Error ? error.message : String(error)}`),
    );
  }
}

/** The `crypto-native` check. */
export const cryptoNativeCheck: CheckFn = (ctx) =>
  wrap(() => roundTrip(ctx, ctx.backends.native, ctx.backends.noble));

/** The `crypto-noble` check. */
export const cryptoNobleCheck: CheckFn = (ctx) =>
  wrap(() => roundTrip(ctx, ctx.backends.noble, ctx.backends.native));
