// Wires one agent's events into a FleetModel, and runs its audit-chain check on demand. The agent
// is described structurally so this package does not depend on @hsagent/agent.

import type { FleetModel } from "./model.js";

/** The parts of an `@hsagent/agent` Agent the fleet view uses. */
export interface FleetAgent {
  readonly agentId: string;
  on(event: "established", fn: (e: { peer: string; handshakeMs: number }) => void): unknown;
  on(event: "closed", fn: (e: { peer: string; role: string; sessionMs: number }) => void): unknown;
  on(event: "aborted", fn: (e: { peer: string; reason: string }) => void): unknown;
  on(event: "rejected", fn: (e: { peer: string; reason: string }) => void): unknown;
  readonly stores: {
    readonly audit: { validate(): Promise<{ isValid: boolean; errorMessage: string | null }> };
  };
}

/**
 * Feed `agent`'s events under `name` into `model`. Call it before `agent.start()` so no event is
 * missed, then `model.started(name, agent.agentId)` once it started.
 */
export function attachAgent(model: FleetModel, name: string, agent: FleetAgent): void {
  model.addAgent(name);
  const open = new Map<string, number>(); // peer → sessions established and not yet ended
  agent.on("established", (e) => {
    open.set(e.peer, (open.get(e.peer) ?? 0) + 1);
    model.established(name, e.handshakeMs);
  });
  const end = (peer: string): boolean => {
    const n = open.get(peer) ?? 0;
    if (n <= 1) open.delete(peer);
    else open.set(peer, n - 1);
    return n > 0;
  };
  agent.on("closed", (e) => {
    end(e.peer);
    model.closed(name, e.peer, e.role, e.sessionMs);
  });
  agent.on("aborted", (e) => model.aborted(name, e.reason, end(e.peer)));
  agent.on("rejected", (e) => model.rejected(name, e.reason));
}

/** Validate `agent`'s audit chain and record the result under `name` (never throws). */
export async function checkAudit(model: FleetModel, name: string, agent: FleetAgent): Promise<void> {
  model.audit(name, { status: "checking", detail: null, at: Date.now() });
  try {
    const v = await agent.stores.audit.validate();
    model.audit(name, {
      status: v.isValid ? "valid" : "invalid",
      detail: v.isValid ? null : (v.errorMessage ?? "the chain does not validate"),
      at: Date.now(),
    });
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    model.audit(name, {
      status: "error",
      detail: `the check failed${typeof code === "string" ? ` (${code})` : ""}`,
      at: Date.now(),
    });
  }
}
