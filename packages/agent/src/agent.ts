/**
 * The agent runtime: one `Agent` = a transport + one pure protocol machine per peer + the
 * substrate stores + timers. Every inbound message and timer of a peer runs on that peer's lane
 * (serialized, PROTOCOL.md §4); peers run in parallel. Effects are carried out in order; the only
 * substrate I/O on the latency path is the durable nonce check (§7) — milestones (§8) are written
 * behind, audit events are batched into one chain append per session end. Nothing touches the
 * substrate while idle: no polling, no timers but the register broadcast.
 *
 * This file is the public facade. The rooms behind it: `loop.ts` (transport in, lanes, timers
 * in), `effects.ts` (carrying out a step), `admission.ts` (maxSessions), `peers.ts` (per-peer
 * state), `timers.ts`, `startup.ts` (start/stop) and `runtime.ts` (what they share).
 */
import { EventEmitter } from "node:events";
import type { RelayClientOptions, Transport } from "@hsagent/relay";
import type { AgentIdentity, AgentStores, MemoryBackend } from "@hsagent/stores";
import type { SubstrateClient } from "@hsagent/substrate-client";
import type { Logger } from "pino";
import { type AgentConfig, resolveAgentConfig } from "./config.js";
import { AgentError } from "./errors.js";
import { type AgentEvent, type AgentEventMap, EventQueue } from "./events.js";
import { Loop } from "./loop.js";
import type { AgentMetrics } from "./metrics.js";
import { Runtime } from "./runtime.js";
import { Startup } from "./startup.js";

/** Application hooks: what each exchange round says. Called synchronously inside the machine. */
export interface AgentHooks {
  /** Initiator: the message of round `round` (1-based) to `peer`. Default "How are you?". */
  requestPayload?(round: number, peer: string): unknown;
  /** Responder: the answer in round `round` to `msg` from `peer`. Default "I am OK!". */
  respondPayload?(round: number, peer: string, msg: unknown): unknown;
  /** Every application message received in an exchange round. */
  onMessage?(peer: string, msg: unknown): void;
}

/** Where the agent keeps its state. */
export type SubstrateOption =
  /** A substrate client (logged in by `start()` if it is not yet). */
  | { client: SubstrateClient }
  /** In-memory stores over a shared backend (tests, embedded use); no substrate calls. */
  | { backend: MemoryBackend };

/** Options of {@link createAgent}. */
export interface AgentOptions {
  /** Display name of the agent (its identity is found or provisioned by this name). */
  name: string;
  /** A transport to use (memory bus, own RelayClient...). */
  transport?: Transport;
  /** Or a relay to connect to (a reconnecting TCP RelayClient is created). */
  relay?: { host: string; port: number } & Omit<RelayClientOptions, "host" | "port">;
  /** State: a substrate client or an in-memory backend. */
  substrate: SubstrateOption;
  /** Passphrase of the identity vault (from the caller's environment; never a constant). */
  vaultPassphrase: string;
  /** Protocol and runtime settings (defaults of PROTOCOL.md §9 and {@link DEFAULT_RUNTIME_CONFIG}). */
  config?: Partial<AgentConfig>;
  /** pino logger (default: silent). Secrets are never logged. */
  logger?: Logger;
  /** Application hooks. */
  hooks?: AgentHooks;
}

/** Typed listener helpers on top of EventEmitter. */
export interface Agent {
  on<K extends keyof AgentEventMap>(event: K, listener: (e: AgentEventMap[K]) => void): this;
  once<K extends keyof AgentEventMap>(event: K, listener: (e: AgentEventMap[K]) => void): this;
  off<K extends keyof AgentEventMap>(event: K, listener: (e: AgentEventMap[K]) => void): this;
}

/**
 * An HSAgent agent. Create with {@link createAgent}, then `start()`; listen with `on(...)` or
 * `for await (const e of agent.events())`; `stop()` ends everything (idempotent).
 */
// biome-ignore lint/suspicious/noUnsafeDeclarationMerging: typed overloads of EventEmitter's on/once/off.
export class Agent extends EventEmitter {
  /** Resolved settings. */
  readonly config: AgentConfig;
  readonly #rt: Runtime;
  readonly #loop: Loop;
  readonly #startup: Startup;

  constructor(options: AgentOptions) {
    super();
    if (typeof options.name !== "string" || !/^[A-Za-z0-9_.~-]{1,200}$/.test(options.name))
      throw new AgentError("INVALID_OPTIONS", "name must match [A-Za-z0-9_.~-]{1,200}");
    if (typeof options.vaultPassphrase !== "string" || options.vaultPassphrase.length === 0)
      throw new AgentError("MISSING_PASSPHRASE", "a vault passphrase is required");
    if (!options.transport && !options.relay)
      throw new AgentError("INVALID_OPTIONS", "either transport or relay is required");
    const hooks = options.hooks ?? {};
    const config: Partial<AgentConfig> = { ...options.config };
    if (hooks.requestPayload) {
      const f = hooks.requestPayload;
      config.initiatorMessage = (round, peer) => f(round, peer) as never;
    }
    if (hooks.respondPayload) {
      const f = hooks.respondPayload;
      config.responderMessage = (round, received, peer) => f(round, peer, received) as never;
    }
    this.config = resolveAgentConfig(config);
    this.#rt = new Runtime(options, this.config, this);
    this.#loop = new Loop(this.#rt);
    this.#startup = new Startup(this.#rt, this.#loop);
  }

  /** Our agentId (after `start()`). */
  get agentId(): string {
    if (!this.#rt.self) throw new AgentError("NOT_STARTED", "the agent is not started");
    return this.#rt.self.agentId;
  }

  /** Our public identity (after `start()`). */
  get identity(): AgentIdentity {
    if (!this.#rt.hydrated) throw new AgentError("NOT_STARTED", "the agent is not started");
    return this.#rt.hydrated.identity;
  }

  /** The agent's stores (after `start()`): audit log, sessions, nonces, identity registry. */
  get stores(): AgentStores {
    return this.#rt.stores;
  }

  /**
   * Hydrate or provision the identity, publish the protocols we speak, purge sessions left by a
   * previous run (audited `SESSION_ABORTED reason=restart`), connect, and start broadcasting
   * `register` (one at once, then every `registerIntervalMs` ±20%).
   */
  start(): Promise<void> {
    return this.#startup.start();
  }

  /**
   * Abort open sessions (purging their state), stop broadcasting, flush the audit log and
   * disconnect. Idempotent: every call returns the same promise.
   */
  stop(): Promise<void> {
    return this.#startup.stop();
  }

  /** An async iterator over this agent's events from now on; ends when the agent stops. */
  events(options: { maxBuffered?: number } = {}): AsyncIterableIterator<AgentEvent> {
    const queues = this.#rt.queues;
    const queue: EventQueue = new EventQueue(options.maxBuffered ?? 10_000, () => queues.delete(queue));
    if (this.#rt.stopping) queue.end();
    else queues.add(queue);
    return queue;
  }

  /** Counters and latency summaries. */
  metrics(): AgentMetrics {
    const rt = this.#rt;
    const c = rt.counters;
    const gate = rt.legacyGate.stats();
    const report = rt.report.stats();
    return {
      sessions: {
        started: c.started,
        established: c.established,
        closed: c.closed,
        aborted: c.aborted,
        active: this.#loop.admission.active,
      },
      handshakeMs: rt.handshakeMs.summary(),
      sessionMs: rt.sessionMs.summary(),
      rejections: { ...rt.rejections },
      substrateCalls: rt.client?.stats.requests ?? 0,
      relayReconnects: c.relayReconnects,
      droppedUnknownPeers: c.droppedUnknownPeers,
      lookupsThrottled: c.lookupsThrottled,
      registersIgnoredBusy: c.registersIgnoredBusy,
      registersWaiting: this.#loop.admission.waiting,
      sessionCap: this.#loop.admission.limit,
      registerIntervalMs: Math.round(rt.config.registerIntervalMs * this.#loop.admission.registerBackoff),
      retransmitTimeoutMs: rt.rtt.timeoutMs(rt.config.retransmitMs),
      lateCloses: c.lateCloses,
      auditRejectionsSuppressed: c.auditRejectionsSuppressed,
      registersDropped: { ...rt.registers.dropped },
      registerSignaturesVerified: rt.registers.verified,
      laneDrops: c.laneDrops,
      legacyRefusals: gate.refusals,
      legacyIgnored: gate.ignored,
      legacyRegistersHeld: rt.pacer.heldCount,
      rejectionAuditBlocks: report.blocks,
      rejectionWarnsSuppressed: report.warnsSuppressed,
    };
  }

  /** Raw latency samples (ms) of the current window, for benchmarks. */
  latencySamples(): { handshakeMs: number[]; sessionMs: number[] } {
    return { handshakeMs: this.#rt.handshakeMs.values(), sessionMs: this.#rt.sessionMs.values() };
  }

  /** The state name of our machine toward `peerId` (null if we never talked to it). */
  sessionState(peerId: string): string | null {
    return this.#rt.peers.get(peerId)?.machine.state.name ?? null;
  }
}

/** Create an agent (not started: call `start()`). */
export function createAgent(options: AgentOptions): Agent {
  return new Agent(options);
}
