/**
 * Bench: complete v2 sessions (register → 4 rounds → close ×3) between two in-memory machines
 * with real crypto (native; `-- --noble` for the noble backend); timers fire as soon as the
 * network is idle, so this measures the protocol + crypto cost per session, not waiting. Prints one JSON object on its last line.
 */
import { nobleBackend } from "@hsagent/crypto";
import { agentPair } from "../examples/pair.js";
import { createRegister, type MachineEvent } from "../src/index.js";

// `--noble` runs the same sessions on the noble backend, injected through ProtocolDeps.
const noble = process.argv.includes("--noble");
const { selves, machines, identity } = agentPair(noble ? nobleBackend : undefined);
const nonces = [new Set<string>(), new Set<string>()];
let messages = 0;

function session(): void {
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
for (let i = 0; i < 50; i++) session(); // warm-up
const batches: number[] = [];
const perBatch = 100;
for (let b = 0; b < 7; b++) {
  const t = performance.now();
  for (let i = 0; i < perBatch; i++) session();
  batches.push((performance.now() - t) / perBatch);
}
const sessionMs = median(batches);
console.log(
  JSON.stringify({
    backend: noble ? "noble" : "native",
    sessionMs: Number(sessionMs.toFixed(3)),
    sessionsPerSecond: Math.round(1000 / sessionMs),
    messagesPerSession: messages / (50 + 7 * perBatch),
  }),
);
