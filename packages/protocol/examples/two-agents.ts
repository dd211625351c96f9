/**
 * Runnable example: two agents' machines wired back to back in one process, with real crypto,
 * the real clock and real timers. Run with `pnpm --filter @hsagent/protocol example`.
 * A real runtime does the same with a relay transport, a durable nonce store and the substrate.
 */
import { checkAddressing, createRegister, type MachineEvent } from "../src/index.js";
import { agentPair } from "./pair.js";

const { selves, machines, identity } = agentPair();
const seenNonces = [new Set<string>(), new Set<string>()]; // stand-in for the durable nonce store
const timers = [new Map<string, NodeJS.Timeout>(), new Map<string, NodeJS.Timeout>()];

function handle(i: number, event: MachineEvent): void {
  for (const effect of machines[i]!.handle(event)) {
    switch (effect.type) {
      case "send": // over the relay: every other agent sees it; `from` names the machine
        setImmediate(() => {
          if (checkAddressing(effect.payload, selves[1 - i]!.agentId) === null)
            handle(1 - i, { type: "receive", payload: effect.payload, peer: identity(i) });
        });
        break;
      case "checkNonce": {
        const fresh = !seenNonces[i]!.has(effect.nonce);
        seenNonces[i]!.add(effect.nonce);
        handle(i, { type: "nonce-checked", nonce: effect.nonce, fresh });
        break;
      }
      case "armTimer":
        clearTimeout(timers[i]!.get(effect.timer));
        timers[i]!.set(
          effect.timer,
          setTimeout(() => handle(i, { type: "timer", timer: effect.timer, gen: effect.gen }), effect.ms),
        );
        break;
      case "cancelTimer":
        clearTimeout(timers[i]!.get(effect.timer));
        timers[i]!.delete(effect.timer);
        break;
      case "deliver":
        console.log(`${machines[i]!.role} got round ${effect.round}: ${JSON.stringify(effect.message)}`);
        break;
      case "established":
        console.log(`${machines[i]!.role} established v${effect.version} sid=${effect.sid}`);
        break;
      case "closed":
      case "aborted":
      case "rejected":
        console.log(`${machines[i]!.role} ${effect.type}`, "reason" in effect ? effect.reason : "");
        break;
      default: // persist / audit / purge: a real runtime writes these to the substrate
        break;
    }
  }
}

// Discovery: both broadcast `register`; the greater id becomes the responder.
for (const i of [0, 1])
  handle(1 - i, { type: "receive", payload: createRegister(selves[i]!.agentId), peer: identity(i) });
