/**
 * The event loop: a payload from the transport is addressed (`checkAddressing`, PROTOCOL.md §3),
 * its sender looked up in the peer directory, and the message put on that peer's lane; timers and
 * runtime events enter the same lanes (`feed`). On its lane a message meets, in order: late
 * teardown copies (`LateCopies`), the register gate, the legacy gate and pacer, admission, and
 * finally the peer's machine, whose step the effects room carries out.
 */
import { acceptsV1, checkAddressing, type MachineEvent, READY_STATE, step } from "@hsagent/protocol";
import type { AgentIdentity } from "@hsagent/stores";
import { Admission } from "./admission.js";
import { Effects } from "./effects.js";
import { speaksOnlyV1 } from "./legacy-gate.js";
import { createPeer, type PeerEntry, peerIdentity } from "./peers.js";
import { errorCode, type Runtime } from "./runtime.js";

/** The inbound path and the lanes of one agent. */
export class Loop {
  readonly #rt: Runtime;
  /** The session cap and its queue of held registers. */
  readonly admission: Admission;
  readonly #effects: Effects;

  constructor(rt: Runtime) {
    this.#rt = rt;
    this.admission = new Admission(rt, (entry, payload) => this.#onReceive(entry, payload, true));
    this.#effects = new Effects(rt, this.admission, (entry, event) => this.feed(entry, event));
  }

  /** A payload from the transport. */
  onInbound(payload: Record<string, unknown>): void {
    const rt = this.#rt;
    if (rt.stopping || !rt.self) return;
    const drop = checkAddressing(payload, rt.self.agentId);
    if (drop !== null) {
      // Our own echo and another pair's traffic on the shared bus are no concern of ours.
      if (drop === "no-sender") {
        rt.countRejection("malformed");
        rt.log.debug({ reason: "malformed" }, "dropped message without a valid sender");
      }
      return;
    }
    const from = payload.from as string;
    const directory = rt.directory!;
    const known = directory.cached(from);
    if (known) {
      this.#dispatch(from, known, payload);
      return;
    }
    directory.resolve(from).then(
      (r) => {
        if (r.kind === "known") this.#dispatch(from, r.identity, payload);
        else {
          rt.counters.droppedUnknownPeers++;
          if (r.kind === "throttled") rt.counters.lookupsThrottled++;
          rt.log.debug({ peer: from, why: r.kind }, "dropped message from an unknown agent");
        }
      },
      (error: unknown) => {
        rt.counters.droppedUnknownPeers++;
        rt.log.warn({ peer: from, err: errorCode(error) }, "peer lookup failed; message dropped");
      },
    );
  }

  /** Feed a runtime event (timer, abort) into a peer's lane. */
  feed(entry: PeerEntry, event: MachineEvent): Promise<void> {
    return entry.lane
      .run(async () => {
        const t = step(entry.machine.ctx, entry.machine.state, event);
        await this.#effects.apply(entry, t, null);
      })
      .catch((error: unknown) => this.#rt.laneFault(entry, error));
  }

  /**
   * Stopping: on each peer's lane, drop its detached sends, abort its session (state purged) and
   * stop its timers; then let every milestone writer finish.
   */
  async shutdown(): Promise<void> {
    const entries = [...this.#rt.peers.values()];
    await Promise.all(
      entries.map((entry) =>
        entry.lane
          .run(async () => {
            entry.timers.cancelDetached();
            const t = step(entry.machine.ctx, entry.machine.state, { type: "abort", reason: "shutdown" });
            await this.#effects.apply(entry, t, null);
            entry.timers.cancelAll();
          })
          .catch((error: unknown) => this.#rt.laneFault(entry, error)),
      ),
    );
    await Promise.all(entries.map((e) => e.writer.drain()));
  }

  #dispatch(peerId: string, identity: AgentIdentity, payload: Record<string, unknown>): void {
    const rt = this.#rt;
    if (rt.stopping) return;
    const entry = this.#entry(peerId, identity);
    entry.identity = identity; // the directory's current answer (re-read every identityTtlMs)
    if (entry.lane.depth >= rt.config.maxLaneDepth) {
      rt.counters.laneDrops++;
      return;
    }
    entry.lane
      .run(() => this.#onReceive(entry, payload))
      .catch((error: unknown) => rt.laneFault(entry, error));
  }

  #entry(peerId: string, identity: AgentIdentity): PeerEntry {
    let entry = this.#rt.peers.get(peerId);
    if (entry) return entry;
    entry = createPeer(this.#rt, peerId, identity, (e) => {
      void this.feed(e, { type: "abort", reason: "session-conflict" });
    });
    this.#rt.peers.set(peerId, entry);
    return entry;
  }

  async #onReceive(entry: PeerEntry, payload: Record<string, unknown>, admitted = false): Promise<void> {
    const rt = this.#rt;
    if (rt.stopping) return;
    const machine = entry.machine;
    const ready = machine.state.name === READY_STATE[machine.role];
    const late = entry.lateCopies.check(payload);
    if (late) {
      rt.counters.lateCloses++;
      // A close copy of a session that ended: only genuine copies pace a v1 peer's next register.
      // A re-sent finish of a session we released early: the peer has not seen our close yet.
      if (late.kind === "close") rt.pacer.noteClose(entry.id);
      else rt.send(late.reply);
      return;
    }
    const answering = ready && machine.role === "responder";
    // A session message from the peer answers our last first-time send (adaptive timeout, rto.ts).
    if (!ready && payload.intent !== "register" && !admitted) entry.rtt.answered(Date.now());
    if (payload.intent === "register" && !admitted) {
      if (rt.registers.check(peerIdentity(entry), payload, answering) !== null) return;
    }
    // Only messages the register gate let through are screened for legacy peers (legacy-gate.ts).
    if (!admitted && this.#screenLegacy(entry, payload, ready)) return;
    // At the cap (or others are waiting already): admission holds the register for a free slot.
    if (answering && payload.intent === "register" && !admitted && this.admission.hold(entry, payload))
      return;
    let t = step(machine.ctx, machine.state, { type: "receive", payload, peer: peerIdentity(entry) });
    const pinMismatch = t.effects.some((e) => e.type === "rejected" && e.reason === "pin-mismatch");
    if (pinMismatch && Date.now() - entry.lastPinRefresh >= rt.config.pinRefreshIntervalMs) {
      // Identity pinning (§1): the registry may be newer than our cache; refresh once, retry once.
      entry.lastPinRefresh = Date.now();
      const fresh = await rt.directory!.refresh(entry.id).catch(() => null);
      if (fresh && fresh.signPubB64 !== entry.identity.signPubB64) {
        entry.identity = fresh;
        t = step(machine.ctx, machine.state, { type: "receive", payload, peer: peerIdentity(entry) });
      }
    }
    await this.#effects.apply(entry, t, payload);
  }

  /**
   * Legacy gate (legacy-gate.ts): a v1-only peer's register is refused once, then ignored while it
   * backs off. Legacy on (legacy-pacer.ts): a v1 initiator's register is held while its late
   * `close` copies still arrive, and replayed on its lane once they stop. True when dealt with.
   */
  #screenLegacy(entry: PeerEntry, payload: Record<string, unknown>, ready: boolean): boolean {
    const rt = this.#rt;
    const verdict = rt.legacyGate.screen(entry.id, payload, entry.identity.protocols);
    if (verdict.action === "ignore") return true;
    if (verdict.action === "refuse") {
      rt.rejected(entry, "legacy-refused", "register", undefined, verdict.log);
      return true;
    }
    if (!ready || payload.intent !== "register" || entry.machine.role !== "responder") return false;
    if (!acceptsV1(rt.config) || !speaksOnlyV1(payload.proto, entry.identity.protocols)) return false;
    return rt.pacer.hold(entry.id, payload, (p) => this.#dispatch(entry.id, entry.identity, p));
  }
}
