/**
 * Crypto benchmark: per-operation cost of both backends and the cost of one side of a v2
 * handshake (ephemeral keygen, X25519 with the peer's ephemeral key, HKDF + sid hash, one sign,
 * two verifies with the peer's cached long-term key), compared with the same operations called
 * straight on node:crypto in the same run. Batches of ours and raw alternate so machine noise hits
 * both alike; every figure is the median of per-batch means after a warm-up. Wall-clock figures
 * are the headline; the `cpu` block gives the same medians in process CPU time, and the load
 * average is recorded, because on a shared machine wall time also measures the neighbours.
 * ML-KEM-768 (the hybrid key agreement's three operations) is measured in CPU time, batches
 * interleaved the same way.
 *
 * Prints human-readable lines, then one JSON object on the last line.
 */
import nodeCrypto from "node:crypto";
import os from "node:os";
import type { BackendName } from "../src/backend/types.js";
import {
  deriveV2SessionKeys,
  generateKxKeyPair,
  generateSigningKey,
  hkdfSha256,
  nobleMlKem768,
  sealSecV2,
  sha256,
  verifyKeyFromPublic,
} from "../src/index.js";

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** Median over `batches` of the mean ms per call of `fn` (after `warmup` calls). */
function measure(fn: () => void, opts: { batches: number; perBatch: number; warmup: number }): number {
  for (let i = 0; i < opts.warmup; i++) fn();
  const means: number[] = [];
  for (let b = 0; b < opts.batches; b++) {
    const t0 = performance.now();
    for (let i = 0; i < opts.perBatch; i++) fn();
    means.push((performance.now() - t0) / opts.perBatch);
  }
  return median(means);
}

/**
 * Like {@link measure} for several functions, alternating their batches. Returns the median
 * wall-clock ms per call and the median process CPU ms per call (user + system), which is less
 * sensitive to other processes competing for the cores.
 */
function measureInterleaved(
  fns: Record<string, () => void>,
  opts: { batches: number; perBatch: number; warmup: number },
): Record<string, { wallMs: number; cpuMs: number }> {
  const names = Object.keys(fns);
  for (const n of names) for (let i = 0; i < opts.warmup; i++) fns[n]!();
  const wall: Record<string, number[]> = Object.fromEntries(names.map((n) => [n, []]));
  const cpu: Record<string, number[]> = Object.fromEntries(names.map((n) => [n, []]));
  for (let b = 0; b < opts.batches; b++) {
    for (const n of b % 2 ? [...names].reverse() : names) {
      const fn = fns[n]!;
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      for (let i = 0; i < opts.perBatch; i++) fn();
      const t1 = performance.now();
      const c1 = process.cpuUsage(c0);
      wall[n]!.push((t1 - t0) / opts.perBatch);
      cpu[n]!.push((c1.user + c1.system) / 1000 / opts.perBatch);
    }
  }
  return Object.fromEntries(names.map((n) => [n, { wallMs: median(wall[n]!), cpuMs: median(cpu[n]!) }]));
}

const round = (x: number, digits = 4) => Number(x.toFixed(digits));

// A peer: long-term signing key and a pool of ephemeral public keys (a fresh one each side).
const peerSign = generateSigningKey("native");
const peerSignPubB64 = peerSign.publicKeyB64;
const POOL = 64;
const peerEphPubs = Array.from({ length: POOL }, () => generateKxKeyPair("native").publicKey);
const msg = new TextEncoder().encode(`${"ab".repeat(16)}|${b64(peerEphPubs[0]!)}|2026-11-27T10:00:00+00:00`);
const th = nodeCrypto.createHash("sha256").update("transcript").digest();
const peerSig = peerSign.sign(msg);
const peerTsig = peerSign.sign(th);

function b64(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString("base64");
}

function oursHandshakeSide(backend: BackendName): () => void {
  const me = generateSigningKey(backend);
  let i = 0;
  return () => {
    const eph = generateKxKeyPair(backend); // ephemeral keygen
    const peerPub = peerEphPubs[i++ % POOL]!;
    // X25519 + HKDF-SHA256 (64 bytes) + sid hash
    deriveV2SessionKeys({
      ephemeral: eph,
      peerKxPub: peerPub,
      transcriptHash: th,
      role: "initiator",
      backend,
    });
    me.sign(msg); // one sign (our hs sig / tsig / fin)
    const peer = verifyKeyFromPublic(peerSignPubB64, backend); // cached long-term key
    if (!peer.verify(msg, peerSig) || !peer.verify(th, peerTsig)) throw new Error("verify failed");
  };
}

// The same operations straight on node:crypto; only the peer's long-term key object is cached.
// `jwk`: the fastest raw-key calls we know (JWK OKP import of the peer's ephemeral key, JWK export
// of ours) — the fair baseline. `der`: the textbook SPKI-DER import/export, for reference.
const generateJwk = nodeCrypto.generateKeyPairSync as unknown as (
  type: "x25519",
  options: { publicKeyEncoding: { format: "jwk" } },
) => { privateKey: nodeCrypto.KeyObject; publicKey: nodeCrypto.JsonWebKey };
const ED_SPKI = Buffer.from("302a300506032b6570032100", "hex");
const X_SPKI = Buffer.from("302a300506032b656e032100", "hex");
function rawHandshakeSide(keyFormat: "jwk" | "der"): () => void {
  const { privateKey: mySign } = nodeCrypto.generateKeyPairSync("ed25519");
  const peerKey = nodeCrypto.createPublicKey({
    key: Buffer.concat([ED_SPKI, peerSign.publicKey]),
    format: "der",
    type: "spki",
  });
  const info = Buffer.from("hsagent-v2 keys");
  const sidLabel = Buffer.from("hsagent-v2 sid");
  const peerX = peerEphPubs.map((p) => Buffer.from(p).toString("base64url"));
  let i = 0;
  return () => {
    const n = i++ % POOL;
    let privateKey: nodeCrypto.KeyObject;
    let peerPub: nodeCrypto.KeyObject;
    if (keyFormat === "jwk") {
      // our raw public key for the wire, encoded by the generation itself (a JWK export of a
      // generated key can deadlock Node 20, see src/backend/native.ts)
      const pair = generateJwk("x25519", { publicKeyEncoding: { format: "jwk" } });
      privateKey = pair.privateKey;
      Buffer.from(pair.publicKey.x!, "base64url");
      peerPub = nodeCrypto.createPublicKey({
        key: { kty: "OKP", crv: "X25519", x: peerX[n]! },
        format: "jwk",
      });
    } else {
      const pair = nodeCrypto.generateKeyPairSync("x25519");
      privateKey = pair.privateKey;
      pair.publicKey.export({ format: "der", type: "spki" }).subarray(12);
      peerPub = nodeCrypto.createPublicKey({
        key: Buffer.concat([X_SPKI, peerEphPubs[n]!]),
        format: "der",
        type: "spki",
      });
    }
    const shared = nodeCrypto.diffieHellman({ privateKey, publicKey: peerPub });
    nodeCrypto.hkdfSync("sha256", shared, th, info, 64);
    nodeCrypto.createHash("sha256").update(sidLabel).update(th).digest();
    nodeCrypto.sign(null, msg, mySign);
    if (!nodeCrypto.verify(null, msg, peerKey, peerSig) || !nodeCrypto.verify(null, th, peerKey, peerTsig)) {
      throw new Error("verify failed");
    }
  };
}

function perOp(backend: BackendName, scale: number) {
  const opts = {
    batches: 9,
    perBatch: Math.max(5, Math.round(400 * scale)),
    warmup: Math.round(100 * scale),
  };
  const me = generateSigningKey(backend);
  const peer = verifyKeyFromPublic(peerSignPubB64, backend);
  const eph = generateKxKeyPair(backend);
  const key = new Uint8Array(32).fill(7);
  const header = {
    from: "a",
    to: "b",
    intent: "request",
    my_nonce: "ab".repeat(16),
    your_nonce: "cd".repeat(16),
  };
  let i = 0;
  const us = (ms: number) => round(ms * 1000, 2);
  return {
    signUs: us(measure(() => me.sign(msg), opts)),
    verifyUs: us(measure(() => peer.verify(msg, peerSig), opts)),
    x25519Us: us(measure(() => eph.deriveSharedSecret(peerEphPubs[i++ % POOL]!), opts)),
    kxKeygenUs: us(measure(() => generateKxKeyPair(backend), opts)),
    hkdfUs: us(measure(() => hkdfSha256(th, th, "hsagent-v2 keys", 64, backend), opts)),
    sha256Us: us(measure(() => sha256(msg, backend), opts)),
    sealSecV2Us: us(
      measure(
        () =>
          sealSecV2({
            key,
            sid: "ab".repeat(16),
            seq: 1,
            header,
            plaintext: { message: "How are you?" },
            backend,
          }),
        opts,
      ),
    ),
  };
}

const progress = (what: string) => process.stderr.write(`bench: ${what}\n`);
progress("native vs raw handshake sides");
const native = measureInterleaved(
  { ours: oursHandshakeSide("native"), raw: rawHandshakeSide("jwk"), rawDer: rawHandshakeSide("der") },
  { batches: 21, perBatch: 200, warmup: 500 },
);
progress("noble handshake side");
const nobleSide = measure(oursHandshakeSide("noble"), { batches: 7, perBatch: 10, warmup: 10 });

progress("ML-KEM-768");
const kemPair = nobleMlKem768.generateKeyPair();
const kemCt = nobleMlKem768.encapsulate(kemPair.publicKey).cipherText;
const kem = measureInterleaved(
  {
    keygen: () => nobleMlKem768.generateKeyPair(),
    encaps: () => nobleMlKem768.encapsulate(kemPair.publicKey),
    decaps: () => kemPair.decapsulate(kemCt),
  },
  { batches: 15, perBatch: 40, warmup: 50 },
);
const [keygenMs, encapsMs, decapsMs] = (["keygen", "encaps", "decaps"] as const).map((k) => kem[k]!.cpuMs);
const mlkem768Cpu = {
  keygenMs: round(keygenMs!),
  encapsMs: round(encapsMs!),
  decapsMs: round(decapsMs!),
  perSessionMs: round(keygenMs! + encapsMs! + decapsMs!),
};

progress("per-operation costs");
const result = {
  mlkem768Cpu,
  native: { handshakeSideMs: round(native.ours!.wallMs), ...perOp("native", 1) },
  noble: { handshakeSideMs: round(nobleSide), ...perOp("noble", 0.05) },
  rawNodeHandshakeSideMs: round(native.raw!.wallMs),
  rawNodeDerHandshakeSideMs: round(native.rawDer!.wallMs),
  nativeOverRaw: round(native.ours!.wallMs / native.raw!.wallMs, 3),
  cpu: {
    nativeHandshakeSideMs: round(native.ours!.cpuMs),
    rawNodeHandshakeSideMs: round(native.raw!.cpuMs),
    nativeOverRaw: round(native.ours!.cpuMs / native.raw!.cpuMs, 3),
  },
  loadAverage1m: round(os.loadavg()[0]!, 2),
  cpus: os.cpus().length,
  node: process.version,
};

console.log(
  `native handshake side: ${result.native.handshakeSideMs} ms (raw node:crypto ${result.rawNodeHandshakeSideMs} ms, ×${result.nativeOverRaw})`,
);
console.log(
  `  CPU time: ${result.cpu.nativeHandshakeSideMs} ms vs raw ${result.cpu.rawNodeHandshakeSideMs} ms (×${result.cpu.nativeOverRaw}); load average ${result.loadAverage1m} on ${result.cpus} CPUs`,
);
console.log(`raw node:crypto with SPKI-DER key import/export: ${result.rawNodeDerHandshakeSideMs} ms`);
console.log(`noble handshake side:  ${result.noble.handshakeSideMs} ms`);
for (const be of ["native", "noble"] as const) {
  const r = result[be];
  console.log(
    `${be}: sign ${r.signUs} µs, verify ${r.verifyUs} µs, x25519 ${r.x25519Us} µs, kx keygen ${r.kxKeygenUs} µs, hkdf ${r.hkdfUs} µs, sha256 ${r.sha256Us} µs, sealSecV2 ${r.sealSecV2Us} µs`,
  );
}
{
  const r = result.mlkem768Cpu;
  console.log(
    `ML-KEM-768 CPU (noble): keygen ${r.keygenMs} ms, encaps ${r.encapsMs} ms, decaps ${r.decapsMs} ms; per session ${r.perSessionMs} ms`,
  );
}
console.log(JSON.stringify(result));
