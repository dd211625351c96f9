/**
 * Carrying out a machine step's effects, in order, on the peer's lane: sends, machine timers, the
 * replay check (the one substrate write a handshake waits for, bounded by the session's time),
 * write-behind milestones, audit events, and the session events and metrics. Also the detached
 * teardown of an initiator's session (`detachedTeardown`).
 */
import type { Effect, MachineEvent, Session, Transition } from "@hsagent/protocol";
import { step } from "@hsagent/protocol";
import type { AuditEventInput } from "@hsagent/stores";
import type { Admission } from "./admission.js";
import { nameOf, type PeerEntry } from "./peers.js";
import { checkReplay, mayAnswerEarly } from "./replay-check.js";
import { errorCode, type Runtime } from "./runtime.js";
import { DeadlineError, withDeadline } from "./timers.js";

/** Feeds an event into a peer's lane (the loop's `feed`). */
export type Feed = (entry: PeerEntry, event: MachineEvent) => Promise<void>;

/** Sends of a session already ended locally go out from detached timers, one tick apart. */
interface Deferred {
  next: number;
}

type EffectOf<T extends Effect["type"]> = Extract<Effect, { type: T }>;

/** The effect runner of one agent. */
export class Effects {
  readonly #rt: Runtime;
  readonly #admission: Admission;
  readonly #feed: Feed;

  constructor(rt: Runtime, admission: Admission, feed: Feed) {
    this.#rt = rt;
    this.#admission = admission;
    this.#feed = feed;
  }

  /**
   * Take the step `t` of `entry`'s machine and carry out its effects. `inbound` is the payload
   * the step consumed (null for timers and runtime events).
   */
  async apply(
    entry: PeerEntry,
    t: Transition,
    inbound: Record<string, unknown> | null,
    defer?: Deferred,
  ): Promise<void> {
    const machine = entry.machine;
    const before = machine.state;
    machine.state = t.state;
    this.#admission.track(entry, before, t.state);
    const session: Session | null = t.state.session ?? before.session;
    for (const effect of t.effects) {
      await this.#effect(entry, effect, session, inbound, defer);
    }
    if (
      !defer &&
      this.#rt.config.detachedTeardown &&
      machine.state.name === "init_finalize_close" &&
      machine.state.pending === null
    ) {
      await this.#detachTeardown(entry);
    }
  }

  /**
   * End the initiator's session now: drive the remaining close ticks through the machine at once,
   * carrying out purge/audit/closed immediately but sending each further `close` from a detached
   * timer one retransmit tick apart — the wire sees what §4 step 8 prescribes.
   */
  async #detachTeardown(entry: PeerEntry): Promise<void> {
    const defer = { next: 1 };
    const s = entry.machine.state.session;
    if (s?.lastAccepted) entry.lateCopies.released(s.lastAccepted, s.lastSent);
    for (let guard = 0; guard < 1000 && entry.machine.state.name === "init_finalize_close"; guard++) {
      const gen = entry.machine.state.timers.retransmit;
      if (gen === null) break;
      const t = step(entry.machine.ctx, entry.machine.state, { type: "timer", timer: "retransmit", gen });
      await this.apply(entry, t, null, defer);
    }
  }

  /**
   * How long a machine timer runs. The retransmit timer after a message that waits for an answer
   * runs for the peer's adaptive timeout (rto.ts; doubled after each re-send as the machine asks,
   * at most `sessionTimeoutMs`), and a first send starts a round-trip sample; a re-send voids it
   * (Karn). The initiator's `close` copies keep the configured tick (§4 step 8).
   */
  #timerMs(entry: PeerEntry, effect: EffectOf<"armTimer">): number {
    if (effect.timer !== "retransmit") return effect.ms;
    const state = entry.machine.state;
    if (state.name === "init_finalize_close") {
      entry.rtt.forget();
      return effect.ms;
    }
    if ((state.session?.retransmits ?? 0) === 0) entry.rtt.sent(Date.now());
    else entry.rtt.forget();
    // The machine's wait (retransmitMs, doubled after each re-send) scaled by the peer's timeout.
    const base = this.#rt.config.retransmitMs;
    const scale = entry.rtt.estimator.timeoutMs(base) / base;
    return Math.min(Math.round(effect.ms * scale), this.#rt.config.sessionTimeoutMs);
  }

  async #effect(
    entry: PeerEntry,
    effect: Effect,
    session: Session | null,
    inbound: Record<string, unknown> | null,
    defer?: Deferred,
  ): Promise<void> {
    const rt = this.#rt;
    switch (effect.type) {
      case "send": {
        const payload = effect.payload;
        if (!defer) rt.send(payload);
        else entry.timers.detached(defer.next++ * rt.config.retransmitMs, () => rt.send(payload));
        return;
      }
      case "persist":
        entry.writer.record(effect.milestone, effect.record);
        return;
      case "audit":
        rt.audit(auditInput(effect.event));
        return;
      case "armTimer": {
        if (defer) return; // the session already ended locally; no machine timers after it
        const { timer, gen } = effect;
        entry.timers.arm(
          timer,
          this.#timerMs(entry, effect),
          () => void this.#feed(entry, { type: "timer", timer, gen }),
        );
        return;
      }
      case "cancelTimer":
        if (effect.timer === "retransmit") entry.rtt.forget();
        entry.timers.cancel(effect.timer);
        return;
      case "checkNonce":
        return this.#checkNonce(entry, effect, session, inbound);
      case "purge":
        // The machine already forgot keys, nonces and refs; the writer deletes the stored state
        // and nonce markers after the `ended` milestone (see MilestoneWriter).
        return;
      case "deliver": {
        const message = effect.message;
        try {
          rt.options.hooks?.onMessage?.(entry.id, message);
        } catch (error) {
          // An application bug must not cut the effects of this step short.
          rt.log.error({ peer: entry.id, err: errorCode(error) }, "onMessage hook threw");
        }
        rt.emit({ type: "message", peer: entry.id, role: entry.machine.role, round: effect.round, message });
        return;
      }
      case "established":
        return this.#established(entry, effect, session);
      case "closed":
        return this.#closed(entry, effect, session, inbound);
      case "aborted":
        return this.#aborted(entry, effect, session);
      case "rejected":
        rt.rejected(entry, effect.reason, effect.intent, effect.detail);
        return;
    }
  }

  /**
   * The replay check. The lane waits on it, and timers of this peer wait behind it: it is bounded
   * by what is left of the session's time, so a slow or saturated substrate cannot hold a session
   * past sessionTimeoutMs (the request may still finish in the background; that is harmless).
   * A v2 handshake's answer (`early`) goes on the wire before the durable write when the store
   * already holds the peer's mark and the handshake is above it; what the answer commits waits
   * for the write. Otherwise (first handshake from a peer after a start) the answer waits too.
   */
  async #checkNonce(
    entry: PeerEntry,
    effect: EffectOf<"checkNonce">,
    session: Session | null,
    inbound: Record<string, unknown> | null,
  ): Promise<void> {
    const rt = this.#rt;
    const machine = entry.machine;
    let fresh: boolean;
    const started = session?.startedAt ?? machine.state.session?.startedAt ?? Date.now();
    const budgetMs = Math.max(1, started + rt.config.sessionTimeoutMs - Date.now());
    const peerObjId = entry.identity.identityObjId;
    const early = effect.early && mayAnswerEarly(rt.stores.nonces, peerObjId, effect) ? effect.early : null;
    if (early) for (const payload of early) rt.send(payload);
    try {
      fresh = await withDeadline(checkReplay(rt.stores.nonces, peerObjId, effect), budgetMs);
    } catch (error) {
      const timedOut = error instanceof DeadlineError;
      rt.log.warn(
        { peer: entry.id, err: timedOut ? "timeout" : errorCode(error) },
        "nonce check failed; handshake dropped",
      );
      const reason = timedOut ? "timeout" : "substrate-error";
      await this.apply(entry, step(machine.ctx, machine.state, { type: "abort", reason }), null);
      return;
    }
    let t = step(machine.ctx, machine.state, { type: "nonce-checked", nonce: effect.nonce, fresh });
    if (early) {
      // Already on the wire: the verdict's own copies of those sends are skipped.
      const sent = new Set<unknown>(early);
      t = { ...t, effects: t.effects.filter((e) => e.type !== "send" || !sent.has(e.payload)) };
    }
    await this.apply(entry, t, inbound);
  }

  #established(entry: PeerEntry, effect: EffectOf<"established">, session: Session | null): void {
    const rt = this.#rt;
    const role = entry.machine.role;
    const handshakeMs = session ? Date.now() - session.startedAt : 0;
    rt.counters.established++;
    rt.handshakeMs.add(handshakeMs);
    const { version, keyAgreement, sid } = effect;
    rt.log.info(
      {
        event: "established",
        peer: entry.id,
        peerName: nameOf(entry),
        role,
        version,
        keyAgreement,
        sid,
        handshakeMs,
      },
      `session with ${nameOf(entry)} established`,
    );
    rt.emit({ type: "established", peer: entry.id, role, version, keyAgreement, sid, handshakeMs });
  }

  #closed(
    entry: PeerEntry,
    effect: EffectOf<"closed">,
    session: Session | null,
    inbound: Record<string, unknown> | null,
  ): void {
    const rt = this.#rt;
    const role = entry.machine.role;
    const sessionMs = session ? Date.now() - session.startedAt : 0;
    rt.counters.closed++;
    rt.sessionMs.add(sessionMs);
    if (inbound && inbound.intent === "close") {
      entry.lateCopies.closed(inbound);
      rt.pacer.noteClose(entry.id);
    }
    // The end audit is written now: by the session purge it rides with, else by a flush. Except
    // a responder's clean close: nothing follows it on the wire, so the peer cannot have seen this
    // step, and its events ride with the agent's next write (typically the next handshake's mark
    // write) or the audit log's timer flush, whichever comes first (PROTOCOL.md §10).
    if (!entry.writer.endCarriesAudit && role === "initiator") rt.flushAudit();
    rt.log.info(
      { event: "closed", peer: entry.id, peerName: nameOf(entry), role, sid: effect.sid, sessionMs },
      `session with ${nameOf(entry)} closed`,
    );
    rt.emit({ type: "closed", peer: entry.id, role, sid: effect.sid, sessionMs });
  }

  #aborted(entry: PeerEntry, effect: EffectOf<"aborted">, session: Session | null): void {
    const rt = this.#rt;
    const role = entry.machine.role;
    const sessionMs = session ? Date.now() - session.startedAt : null;
    rt.counters.aborted++;
    if (!entry.writer.endCarriesAudit) rt.flushAudit();
    rt.log.warn(
      { event: "aborted", peer: entry.id, peerName: nameOf(entry), role, reason: effect.reason },
      `session with ${nameOf(entry)} aborted`,
    );
    rt.emit({ type: "aborted", peer: entry.id, role, reason: effect.reason, sessionMs });
  }
}

function auditInput(event: EffectOf<"audit">["event"]): AuditEventInput {
  switch (event.type) {
    case "SESSION_STARTED":
      return { type: event.type, peer: event.peer, detail: { role: event.role } };
    case "NONCE_SEEN":
      return { type: event.type, peer: event.peer, detail: { nonce: event.nonce } };
    case "HANDSHAKE_OK":
      return {
        type: event.type,
        peer: event.peer,
        sid: event.sid,
        protocolVersion: event.version,
        detail: { keyAgreement: event.keyAgreement },
      };
    case "SESSION_CLOSED":
      return { type: event.type, peer: event.peer, ...(event.sid ? { sid: event.sid } : {}) };
    case "SESSION_ABORTED":
      return { type: event.type, peer: event.peer, reason: event.reason, detail: { state: event.state } };
  }
}
