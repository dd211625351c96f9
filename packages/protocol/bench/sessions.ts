/**
 * Bench: complete v2 sessions (register → 4 rounds → close ×3) between two in-memory machines
 * with real crypto (native; `-- --noble` for the noble backend, injected through ProtocolDeps); timers fire as soon as the network is idle, so this measures the
 * protocol + crypto cost per session, not waiting. Runs the hybrid X25519+ML-KEM-768 key agreement
 * (the default) and classic X25519 in alternating batches, and reports the hybrid's extra wall and
 * CPU time per session (`pqExtra`): the cost of the hybrid itself, without I/O. Every figure is the
 * median of per-batch means. Prints one JSON object on its last line.
 */
import { randomUUID } from "node:crypto";
import { loadavg } from "node:os";
import { getMlKem768, nativeBackend, nobleBackend, prepareMlKem768 } from "@hsagent/crypto";
import { createPeerSession, createRegister, type MachineEvent, type PeerIdentity } from "../src/index.js";

const backend = process.argv.includes("--noble") ? nobleBackend : nativeBackend;
const selves = [0, 1].map(() => ({ agentId: randomUUID(), signingKey: backend.generateSigningKey() }));
const identity = (i: number): PeerIdentity => ({
  agentId: selves[i]!.agentId,
  signPubB64: selves[i]!.signingKey.publicKeyB64,
  protocols: [2, 1],
  keyAgreements: ["x25519+mlkem768", "x25519"],
});
// ML-KEM as an agent runs it: the fastest implementation present (liboqs' WebAssembly once loaded),
// with its own randomness; `-- --noble-kem` forces the pure-JS one.
const kem = process.argv.includes("--noble-kem") ? getMlKem768("noble") : await prepareMlKem768();
const deps = {
  now: Date.now,
  randomBytes: (n: number) => backend.randomBytes(n),
  backend,
  generateMlKemKeyPair: () => kem.generateKeyPair(),
  encapsulateMlKem: (publicKey: Uint8Array) => kem.encapsulate(publicKey),
};
/** A pair of machines with the hybrid on or off, and their nonce stores. */
const pairs = [true, false].map((pq) => ({
  machines: [0, 1].map((i) =>
    createPeerSession({ self: selves[i]!, peerId: selves[1 - i]!.agentId, deps, config: { pq } }),
  ),
  nonces: [new Set<string>(), new Set<string>()],
}));
let messages = 0;

function session({ machines, nonces }: (typeof pairs)[number]): void {
  const queue: { to: number; event: MachineEvent }[] = [];
  const initiator = machines[0]!.role === "initiator" ? 0 : 1;
  queue.push({
    to: 1 - initiator,
    event: {
      type: "receive",
      payload: createRegister(selves[initiator]!.agentId),
      peer: identity(initiator),
    },
  });
  for (;;) {
    while (queue.length > 0) {
      const { to, event } = queue.shift()!;
      for (const e of machines[to]!.handle(event)) {
        if (e.type === "send") {
          messages++;
          queue.push({ to: 1 - to, event: { type: "receive", payload: e.payload, peer: identity(to) } });
        } else if (e.type === "checkNonce") {
          const fresh = !nonces[to]!.has(e.nonce);
          nonces[to]!.add(e.nonce);
          queue.unshift({ to, event: { type: "nonce-checked", nonce: e.nonce, fresh } });
        }
      }
    }
    const ticking = machines.findIndex((m) => m.state.name === "init_finalize_close");
    if (ticking < 0) break;
    const gen = machines[ticking]!.state.timers.retransmit!;
    queue.push({ to: ticking, event: { type: "timer", timer: "retransmit", gen } });
  }
  if (machines.some((m) => m.state.session !== null)) throw new Error("session did not complete");
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const [hybrid, classic] = pairs as [(typeof pairs)[number], (typeof pairs)[number]];
for (let i = 0; i < 50; i++) {
  session(hybrid); // warm-up
  session(classic);
}
messages = 0;
const perBatch = 50;
const batches = 9;
const wall = { hybrid: [] as number[], classic: [] as number[] };
const cpu = { hybrid: [] as number[], classic: [] as number[] };
for (let b = 0; b < batches; b++) {
  for (const name of b % 2 ? (["classic", "hybrid"] as const) : (["hybrid", "classic"] as const)) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    for (let i = 0; i < perBatch; i++) session(name === "hybrid" ? hybrid : classic);
    wall[name].push((performance.now() - t0) / perBatch);
    const c1 = process.cpuUsage(c0);
    cpu[name].push((c1.user + c1.system) / 1000 / perBatch);
  }
}
const ms = (x: number) => Number(x.toFixed(3));
const sessionMs = median(wall.hybrid);
console.log(
  JSON.stringify({
    keyAgreement: "x25519+mlkem768",
    sessionMs: ms(sessionMs),
    cpuMsPerSession: ms(median(cpu.hybrid)),
    sessionsPerSecond: Math.round(1000 / sessionMs),
    messagesPerSession: messages / (2 * batches * perBatch),
    classic: { sessionMs: ms(median(wall.classic)), cpuMsPerSession: ms(median(cpu.classic)) },
    pqExtra: {
      sessionMs: ms(sessionMs - median(wall.classic)),
      cpuMsPerSession: ms(median(cpu.hybrid) - median(cpu.classic)),
    },
    loadAvg1m: Number(loadavg()[0]!.toFixed(2)),
  }),
);
