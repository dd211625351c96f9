/**
 * The context every room of the runtime shares: settings, log, the protocol's injected clock and
 * randomness, the parts `start()` wires up (identity, stores, directory, transport), the peers,
 * counters, the gates inbound messages pass, and the ways out — `send`, `emit` (events and
 * listeners), `audit`, and `rejected` (count, warn, audit block, event). One per agent.
 */
import type { EventEmitter } from "node:events";
import { generateKxKeyPair, getMlKem768, randomBytes, takeMlKemKeyPair } from "@hsagent/crypto";
import { acceptsV1, type ProtocolDeps, type RejectReason, type SelfIdentity } from "@hsagent/protocol";
import type { Transport, Unsubscribe } from "@hsagent/relay";
import type { AgentStores, AuditEventInput, HydratedAgent } from "@hsagent/stores";
import type { SubstrateClient } from "@hsagent/substrate-client";
import pino, { type Logger } from "pino";
import type { AgentOptions } from "./agent.js";
import type { AgentConfig } from "./config.js";
import { AgentError } from "./errors.js";
import type { AgentEvent, AgentEventMap, EventQueue } from "./events.js";
import { LegacyGate, legacyRefusalLine } from "./legacy-gate.js";
import { ClosePacer } from "./legacy-pacer.js";
import { SampleRing } from "./metrics.js";
import type { PeerDirectory } from "./peer-directory.js";
import { nameOf, type PeerEntry } from "./peers.js";
import { createRegisterGate, type RegisterGate } from "./register-gate.js";
import { blockAuditInput, type RejectionBlock, RejectionReport } from "./rejection-report.js";
import { strictNow } from "./replay-check.js";
import { RttEstimator } from "./rto.js";

/** The shared context of one agent's runtime; see the module comment. */
export class Runtime {
  /** Resolved settings. */
  readonly config: AgentConfig;
  readonly options: AgentOptions;
  readonly log: Logger;
  /** The protocol machines' clock and randomness. */
  readonly deps: ProtocolDeps = {
    now: strictNow,
    randomBytes: (n) => randomBytes(n),
    generateKxKeyPair: () => generateKxKeyPair(),
    generateMlKemKeyPair: () => takeMlKemKeyPair(), // made ahead of time, off the handshake
    encapsulateMlKem: (publicKey) => getMlKem768().encapsulate(publicKey), // fastest present
  };
  readonly counters = {
    started: 0,
    established: 0,
    closed: 0,
    aborted: 0,
    droppedUnknownPeers: 0,
    lookupsThrottled: 0,
    registersIgnoredBusy: 0,
    lateCloses: 0,
    auditRejectionsSuppressed: 0,
    relayReconnects: 0,
    /** Inbound messages dropped because their peer's lane was full (`maxLaneDepth`). */
    laneDrops: 0,
  };
  /** Rejections by reason. */
  readonly rejections: Record<string, number> = {};
  readonly handshakeMs = new SampleRing();
  readonly sessionMs = new SampleRing();
  /** Consumers of `agent.events()`. */
  readonly queues = new Set<EventQueue>();
  /** Every peer we exchanged a message with, by agentId. */
  readonly peers = new Map<string, PeerEntry>();
  /** Round trips to every peer: stands in for a peer without samples of its own (rto.ts). */
  readonly rtt = new RttEstimator();
  /** Set once `stop()` was called: nothing new starts, nothing more is sent. */
  stopping = false;

  // Wired up by start() (startup.ts).
  client: SubstrateClient | null = null;
  transport: Transport | null = null;
  ownsTransport = false;
  readonly unsubscribe: Unsubscribe[] = [];
  self: SelfIdentity | null = null;
  hydrated: HydratedAgent | null = null;
  directory: PeerDirectory | null = null;
  /** The session store's purge carries buffered audit events (decided once at start). */
  purgeCarriesAudit = false;
  #stores: AgentStores | null = null;

  /** Signed-register checks before a register reaches a machine or the admission queue. */
  readonly registers: RegisterGate;
  /** Rejections → one audit block per peer, reason and minute; 2 warn lines per peer and minute. */
  readonly report: RejectionReport;
  /** Legacy off: refusal and back-off of v1-only peers. Legacy on: pacing of v1 initiators. */
  readonly legacyGate: LegacyGate;
  readonly pacer = new ClosePacer();
  readonly #emitter: EventEmitter;
  #auditWindow = { start: 0, count: 0 };

  constructor(options: AgentOptions, config: AgentConfig, emitter: EventEmitter) {
    this.config = config;
    this.options = options;
    this.#emitter = emitter;
    this.log = (options.logger ?? pino({ level: "silent" })).child({ agent: options.name });
    this.registers = createRegisterGate(config, this.log, (peerId, payload) =>
      this.#onUnsignedRegister(peerId, payload),
    );
    this.report = new RejectionReport({
      emit: (block) => this.#auditRejections(block),
      windowMs: config.rejectionWindowMs,
    });
    this.legacyGate = new LegacyGate({ allowLegacy: acceptsV1(config), backoffMs: config.legacyBackoffMs });
  }

  /** The agent's stores (after `start()`). */
  get stores(): AgentStores {
    if (!this.#stores) throw new AgentError("NOT_STARTED", "the agent is not started");
    return this.#stores;
  }

  set stores(stores: AgentStores) {
    this.#stores = stores;
  }

  /** Whether `start()` has set up the stores. */
  get hasStores(): boolean {
    return this.#stores !== null;
  }

  /** Send on the transport (nothing once stopping); a failure is logged. */
  send(payload: { readonly [key: string]: unknown }): void {
    const transport = this.transport;
    if (!transport || this.stopping) return;
    transport.send(payload as never).catch((error: unknown) => {
      this.log.warn({ code: (error as { code?: string }).code, intent: payload.intent }, "send failed");
    });
  }

  /** An event to the `events()` queues and the listeners. */
  emit(event: AgentEvent): void {
    for (const q of this.queues) q.push(event);
    try {
      this.#emitter.emit(event.type, event);
    } catch (error) {
      // A throwing listener must not cut the effects of this step short.
      this.log.error({ event: event.type, err: errorCode(error) }, "event listener threw");
    }
  }

  /** Append to the audit chain (batched; a refusal is logged). */
  audit(event: AuditEventInput): void {
    try {
      this.stores.audit.append(event);
    } catch (error) {
      this.log.warn({ err: errorCode(error), type: event.type }, "audit append refused");
    }
  }

  /** Flush the audit batch in the background. */
  flushAudit(): void {
    this.stores.audit.flush().catch((error: unknown) => {
      this.log.warn({ err: errorCode(error) }, "audit flush failed (kept for the next one)");
    });
  }

  /** A message of `entry` was rejected: count, warn (rationed), audit (aggregated), event. */
  rejected(
    entry: PeerEntry,
    reason: RejectReason,
    intent: string | null,
    detail?: string,
    legacyLog?: boolean,
  ): void {
    this.countRejection(reason);
    const { warn } = this.report.record(entry.id, reason, intent);
    if (reason === "legacy-refused") {
      // One line per peer says why (instead of a warn per rejection); the peer backs off.
      if (legacyLog ?? this.legacyGate.refused(entry.id).log)
        this.log.warn({ peer: entry.id }, legacyRefusalLine(entry.id));
    } else if (warn)
      this.log.warn(
        { event: "rejected", peer: entry.id, peerName: nameOf(entry), reason, intent },
        `message from ${nameOf(entry)} rejected`,
      );
    const event: AgentEventMap["rejected"] = { type: "rejected", peer: entry.id, reason, intent };
    if (detail !== undefined) event.detail = detail;
    this.emit(event);
  }

  countRejection(reason: string): void {
    this.rejections[reason] = (this.rejections[reason] ?? 0) + 1;
  }

  /** A bug or a store failure inside a step: log it; the lane carries on with the next event. */
  laneFault(entry: PeerEntry, error: unknown): void {
    this.log.error({ peer: entry.id, err: errorCode(error), msg: (error as Error)?.message }, "lane fault");
  }

  /** An aggregated rejection block (rejection-report.ts) to the audit chain, within the global cap. */
  #auditRejections(block: RejectionBlock): void {
    if (this.#stores && this.#allowRejectionAudit()) this.audit(blockAuditInput(block));
    else this.counters.auditRejectionsSuppressed += block.count;
  }

  #allowRejectionAudit(): boolean {
    const now = Date.now();
    if (now - this.#auditWindow.start >= 60_000) this.#auditWindow = { start: now, count: 0 };
    if (this.#auditWindow.count >= this.config.rejectionAuditsPerMinute) return false;
    this.#auditWindow.count++;
    return true;
  }

  /**
   * Legacy off: an unsigned register the register gate dropped is a v1-only peer's (or a forgery
   * in its name). The legacy gate refuses it once, with one log line, then ignores it while the
   * peer backs off.
   */
  #onUnsignedRegister(peerId: string, payload: Record<string, unknown>): void {
    const entry = this.peers.get(peerId);
    if (!entry) return;
    const verdict = this.legacyGate.screen(peerId, payload, entry.identity.protocols);
    if (verdict.action === "refuse")
      this.rejected(entry, "legacy-refused", "register", undefined, verdict.log);
  }
}

/** A loggable code of an error (never its message, which may carry secrets). */
export function errorCode(error: unknown): string {
  if (error && typeof error === "object") {
    const e = error as { code?: unknown; name?: unknown };
    if (typeof e.code === "string") return e.code;
    if (typeof e.name === "string") return e.name;
  }
  return "unknown";
}
