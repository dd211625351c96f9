/**
 * The agent runtime: one `Agent` = a relay transport + one pure protocol machine per peer + the
 * substrate stores + timers. Every inbound message and timer of a peer runs on that peer's lane
 * (serialized, PROTOCOL.md §4); peers run in parallel. Effects are carried out in order; the only
 * substrate I/O on the latency path is the durable nonce check (§7) — milestones (§8) are written
 * behind, audit events are batched into one chain append per session end. Nothing touches the
 * substrate while idle: no polling, no timers but the register broadcast.
 */
import { randomBytes } from "node:crypto";
import { EventEmitter } from "node:events";
import { canonicalJson, generateKxKeyPair, signingKeyFromPrivate, takeMlKemKeyPair } from "@hsagent/crypto";
import {
  acceptsV1,
  createPeerSession,
  createSignedRegister,
  type Effect,
  formatWireTimestamp,
  isAgentId,
  type MachineEvent,
  type MachineState,
  offeredKeyAgreements,
  type PeerIdentity,
  type PeerSession,
  type ProtocolDeps,
  READY_STATE,
  type RejectReason,
  type SelfIdentity,
  type Session,
  speaksV2,
  step,
  type Transition,
} from "@hsagent/protocol";
import { RelayClient, type RelayClientOptions, type Transport, type Unsubscribe } from "@hsagent/relay";
import {
  type AgentIdentity,
  type AgentStores,
  type AuditEventInput,
  createMemoryStores,
  createSubstrateStores,
  type HydratedAgent,
  type IdentityRegistry,
  type MemoryBackend,
  MemoryIdentityRegistry,
  SubstrateIdentityRegistry,
} from "@hsagent/stores";
import type { SubstrateClient } from "@hsagent/substrate-client";
import pino, { type Logger } from "pino";
import { type AgentConfig, resolveAgentConfig } from "./config.js";
import { AgentError } from "./errors.js";
import { type AgentEvent, type AgentEventMap, EventQueue } from "./events.js";
import { Lane } from "./lane.js";
import { LegacyGate, legacyRefusalLine, speaksOnlyV1 } from "./legacy-gate.js";
import { ClosePacer } from "./legacy-pacer.js";
import { type AgentMetrics, SampleRing } from "./metrics.js";
import { MilestoneWriter } from "./milestones.js";
import { PeerDirectory } from "./peer-directory.js";
import { createRegisterGate, type RegisterGate } from "./register-gate.js";
import { blockAuditInput, RejectionReport } from "./rejection-report.js";
import { checkReplay, strictNow } from "./replay-check.js";

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

/** One peer: its machine, lane, timers and milestone writer. */
interface PeerEntry {
  readonly id: string;
  identity: AgentIdentity;
  readonly machine: PeerSession;
  readonly lane: Lane;
  readonly timers: { retransmit: NodeJS.Timeout | null; session: NodeJS.Timeout | null };
  /** Detached `close` re-sends of an ended session (see `detachedTeardown`). */
  readonly teardown: Set<NodeJS.Timeout>;
  readonly writer: MilestoneWriter;
  /** The `close`s that ended our recent sessions as responder (late copies are dropped), until when. */
  readonly lateCloses: { text: string; until: number }[];
  /** Sessions released early as initiator: the peer's `finish` (canonical), our `close`, until when. */
  readonly released: { finish: string; close: { readonly [key: string]: unknown }; until: number }[];
  lastPinRefresh: number;
}

/** How a peer is named in log lines: its display name, else its id. */
function nameOf(entry: PeerEntry): string {
  return entry.identity.displayName || entry.id;
}

/** Most closes remembered per peer to drop their late copies (FINAL_LIMIT copies may span many short sessions). */
const LATE_CLOSES_KEPT = 256;

/** Drop expired entries (and the oldest beyond the bound) from a per-peer memory of recent sessions. */
function prune<T extends { until: number }>(list: T[], now: number): void {
  while (list.length > 0 && (list[0]!.until < now || list.length > LATE_CLOSES_KEPT)) list.shift();
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
  readonly #options: AgentOptions;
  readonly #log: Logger;
  readonly #peers = new Map<string, PeerEntry>();
  readonly #queues = new Set<EventQueue>();
  readonly #handshake = new SampleRing();
  readonly #sessionLatency = new SampleRing();
  readonly #counters = {
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
  };
  readonly #rejections: Record<string, number> = {};
  #client: SubstrateClient | null = null;
  #transport: Transport | null = null;
  #ownsTransport = false;
  #unsubscribe: Unsubscribe[] = [];
  #stores: AgentStores | null = null;
  #directory: PeerDirectory | null = null;
  #self: SelfIdentity | null = null;
  #hydrated: HydratedAgent | null = null;
  #deps: ProtocolDeps;
  #registerTimer: NodeJS.Timeout | null = null;
  #starting: Promise<void> | null = null;
  #stopping: Promise<void> | null = null;
  #active = 0;
  /** Open sessions this agent accepted as responder (admission control, see `#admit`). */
  #accepted = 0;
  /** Peers whose `register` waits for a free slot, in arrival order: latest payload, when last heard. */
  readonly #waiting = new Map<string, { payload: Record<string, unknown>; at: number }>();
  /** Peers taken off `#waiting` whose register is being processed on their lane (slots reserved). */
  readonly #granted = new Set<string>();
  #auditWindow = { start: 0, count: 0 };
  readonly #registers: RegisterGate;
  /** Inbound messages dropped because their peer's lane was full (`maxLaneDepth`). */
  #laneDrops = 0;
  /** Rejections → one audit block per peer, reason and minute; 2 warn lines per peer and minute. */
  readonly #report: RejectionReport;
  /** Legacy off: refusal and back-off of v1-only peers. Legacy on: pacing of v1 initiators. */
  readonly #legacyGate: LegacyGate;
  readonly #pacer = new ClosePacer();

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
    this.#options = options;
    this.#log = (options.logger ?? pino({ level: "silent" })).child({ agent: options.name });
    this.#registers = createRegisterGate(this.config, this.#log, (peerId, payload) =>
      this.#onUnsignedRegister(peerId, payload),
    );
    this.#report = new RejectionReport({
      emit: (block) => this.#auditRejections(block),
      windowMs: this.config.rejectionWindowMs,
    });
    this.#legacyGate = new LegacyGate({
      allowLegacy: acceptsV1(this.config),
      backoffMs: this.config.legacyBackoffMs,
    });
    this.#deps = {
      now: strictNow,
      randomBytes: (n) => randomBytes(n),
      generateKxKeyPair: () => generateKxKeyPair(),
      generateMlKemKeyPair: () => takeMlKemKeyPair(), // made ahead of time, off the handshake
    };
  }

  /** Our agentId (after `start()`). */
  get agentId(): string {
    if (!this.#self) throw new AgentError("NOT_STARTED", "the agent is not started");
    return this.#self.agentId;
  }

  /** Our public identity (after `start()`). */
  get identity(): AgentIdentity {
    if (!this.#hydrated) throw new AgentError("NOT_STARTED", "the agent is not started");
    return this.#hydrated.identity;
  }

  /** The agent's stores (after `start()`): audit log, sessions, nonces, identity registry. */
  get stores(): AgentStores {
    if (!this.#stores) throw new AgentError("NOT_STARTED", "the agent is not started");
    return this.#stores;
  }

  /**
   * Hydrate or provision the identity, publish the protocols we speak, purge sessions left by a
   * previous run (audited `SESSION_ABORTED reason=restart`), connect, and start broadcasting
   * `register` (one at once, then every `registerIntervalMs` ±20%).
   */
  start(): Promise<void> {
    if (this.#stopping) return Promise.reject(new AgentError("STOPPED", "the agent was stopped"));
    this.#starting ??= this.#start();
    return this.#starting;
  }

  async #start(): Promise<void> {
    const opts = this.#options;
    let registry: IdentityRegistry;
    const sub = opts.substrate;
    if ("client" in sub) {
      this.#client = sub.client;
      if (!sub.client.account) await sub.client.login();
      registry = new SubstrateIdentityRegistry(sub.client);
    } else {
      registry = new MemoryIdentityRegistry(sub.backend);
    }
    const protocols = this.#publishedProtocols();
    let hydrated: HydratedAgent;
    try {
      hydrated = await registry.hydrateOrProvision(opts.name, opts.vaultPassphrase, { protocols });
    } catch (error) {
      const code = (error as { code?: string }).code ?? "unknown";
      throw new AgentError("IDENTITY_FAILED", `identity ${opts.name}: ${code}`, { cause: error });
    }
    const current = hydrated.identity.protocols;
    const ka = this.#keyAgreements();
    if (
      current.length !== protocols.length ||
      current.some((v, i) => v !== protocols[i]) ||
      (hydrated.identity.keyAgreements ?? []).join() !== ka.join()
    ) {
      const published = await registry.publishProtocols(hydrated.identity.agentId, protocols, ka);
      hydrated = { ...hydrated, identity: published };
    }
    this.#hydrated = hydrated;
    this.#self = {
      agentId: hydrated.identity.agentId,
      signingKey: signingKeyFromPrivate(hydrated.keys.sign_priv_b64),
    };
    const storeOptions = {
      agentId: hydrated.identity.agentId,
      identityObjId: hydrated.identity.identityObjId,
      identity: registry,
      audit: { flushIntervalMs: this.config.auditFlushIntervalMs },
    };
    this.#stores =
      "client" in sub
        ? createSubstrateStores(sub.client, storeOptions)
        : createMemoryStores({ ...storeOptions, backend: sub.backend });
    this.#directory = new PeerDirectory(registry, {
      negativeTtlMs: this.config.unknownPeerTtlMs,
      lookupsPerSecond: this.config.unknownPeerLookupsPerSecond,
      lookupBurst: Math.max(1, Math.ceil(this.config.unknownPeerLookupsPerSecond * 2.5)),
      identityTtlMs: this.config.identityTtlMs,
    });
    this.#log.info({ agentId: this.#self.agentId }, "identity ready");
    await this.#purgeStale();
    await this.#connect();
    this.#scheduleRegister(0);
  }

  /** The key agreements we offer and publish (`x25519+mlkem768` first unless `pq` is off). */
  #keyAgreements(): string[] {
    return offeredKeyAgreements({ pq: this.config.pq && speaksV2(this.config) });
  }

  #publishedProtocols(): number[] {
    const cfg = this.config;
    const out: number[] = [];
    if (speaksV2(cfg)) out.push(2);
    if (acceptsV1(cfg)) out.push(1);
    return out;
  }

  /** Sessions a previous run of this agent left behind cannot continue: audit and purge them. */
  async #purgeStale(): Promise<void> {
    const stores = this.stores;
    const stale = await stores.sessions.list();
    for (const s of stale) {
      const peer = typeof s.record.peerId === "string" ? s.record.peerId : s.record.peerIdentityObjId;
      const state = typeof s.record.state === "string" ? s.record.state : "unknown";
      stores.audit.append({
        type: "SESSION_ABORTED",
        peer,
        reason: "restart",
        detail: { role: s.record.role, state },
      });
      this.#log.warn({ peer, role: s.record.role, state }, "stale session from a previous run purged");
    }
    await Promise.all(
      stale.map((s) =>
        Promise.all([
          stores.sessions.purge(s.record.role, s.record.peerIdentityObjId),
          stores.nonces.purgePeer(s.record.peerIdentityObjId, { scanJournal: true }),
        ]),
      ),
    );
    if (stale.length > 0) await stores.audit.flush();
    // Spare nonce markers a previous run wrote ahead and never used (1 lookup).
    const spares = await stores.nonces.purgeSpares?.({ scan: true });
    if (spares) this.#log.info({ spares }, "spare nonce markers of a previous run deleted");
  }

  async #connect(): Promise<void> {
    const opts = this.#options;
    let transport = opts.transport;
    if (!transport) {
      const relay = opts.relay!;
      const client = new RelayClient({ ...relay, logger: relayLogger(this.#log) });
      this.#ownsTransport = true;
      transport = client;
      try {
        await client.connect();
      } catch (error) {
        throw new AgentError(
          "RELAY_FAILED",
          `relay ${relay.host}:${relay.port}: ${(error as Error).message}`,
          {
            cause: error,
          },
        );
      }
    }
    if (transport instanceof RelayClient) {
      this.#unsubscribe.push(transport.on("reconnecting", () => this.#counters.relayReconnects++));
    }
    this.#transport = transport;
    this.#unsubscribe.push(
      transport.onMessage((m) => this.#onInbound(m.payload)),
      transport.onNotice((text) => this.#log.info({ notice: text.slice(0, 200) }, "relay notice")),
    );
    // Transports that route by recipient (NATS) start receiving our subject here.
    await (transport as Transport)
      .bind?.({ agentId: this.agentId, logger: relayLogger(this.#log) })
      .catch((error: unknown) => {
        throw new AgentError("RELAY_FAILED", `transport bind: ${(error as Error).message}`, { cause: error });
      });
  }

  #scheduleRegister(delayMs: number): void {
    if (this.#stopping) return;
    this.#registerTimer = setTimeout(() => {
      this.#registerTimer = null;
      // Milliseconds, strictly increasing: peers drop a register whose ts is not above the last one.
      const ts = formatWireTimestamp(strictNow());
      this.#send({
        ...createSignedRegister(
          this.agentId,
          this.#self!.signingKey,
          ts,
          this.#publishedProtocols(),
          this.#keyAgreements(),
        ),
      });
      const base = this.config.registerIntervalMs;
      this.#scheduleRegister(base * (0.8 + 0.4 * Math.random()));
    }, delayMs);
    this.#registerTimer.unref();
  }

  #send(payload: { readonly [key: string]: unknown }): void {
    const transport = this.#transport;
    if (!transport || this.#stopping) return;
    transport.send(payload as never).catch((error: unknown) => {
      this.#log.warn({ code: (error as { code?: string }).code, intent: payload.intent }, "send failed");
    });
  }

  // ---------------------------------------------------------------- inbound

  #onInbound(payload: Record<string, unknown>): void {
    if (this.#stopping || !this.#self) return;
    const from = payload.from;
    const to = payload.to;
    const self = this.#self.agentId;
    if (from === self) return;
    if (typeof to === "string" && to !== self) return; // another pair's traffic on the shared bus
    if (typeof from !== "string" || !isAgentId(from)) {
      this.#countRejection("malformed");
      this.#log.debug({ reason: "malformed" }, "dropped message without a valid sender");
      return;
    }
    const directory = this.#directory!;
    const known = directory.cached(from);
    if (known) {
      this.#dispatch(from, known, payload);
      return;
    }
    directory.resolve(from).then(
      (r) => {
        if (r.kind === "known") this.#dispatch(from, r.identity, payload);
        else {
          this.#counters.droppedUnknownPeers++;
          if (r.kind === "throttled") this.#counters.lookupsThrottled++;
          this.#log.debug({ peer: from, why: r.kind }, "dropped message from an unknown agent");
        }
      },
      (error: unknown) => {
        this.#counters.droppedUnknownPeers++;
        this.#log.warn({ peer: from, err: errorCode(error) }, "peer lookup failed; message dropped");
      },
    );
  }

  #dispatch(peerId: string, identity: AgentIdentity, payload: Record<string, unknown>): void {
    if (this.#stopping) return;
    const entry = this.#entry(peerId, identity);
    entry.identity = identity; // the directory's current answer (re-read every identityTtlMs)
    if (entry.lane.depth >= this.config.maxLaneDepth) {
      this.#laneDrops++;
      return;
    }
    entry.lane
      .run(() => this.#onReceive(entry, payload))
      .catch((error: unknown) => this.#laneFault(entry, error));
  }

  #entry(peerId: string, identity: AgentIdentity): PeerEntry {
    let entry = this.#peers.get(peerId);
    if (entry) return entry;
    const machine = createPeerSession({
      self: this.#self!,
      peerId,
      config: this.config,
      deps: this.#deps,
    });
    const created: PeerEntry = {
      id: peerId,
      identity,
      machine,
      lane: new Lane(),
      timers: { retransmit: null, session: null },
      teardown: new Set(),
      writer: new MilestoneWriter(
        this.stores,
        identity.identityObjId,
        {
          onConflict: (error) => {
            this.#log.warn(
              { peer: peerId, code: error.code },
              "session state owned by another process: aborting",
            );
            this.#feed(created, { type: "abort", reason: "session-conflict" });
          },
          onError: (error, what) => this.#log.warn({ peer: peerId, err: errorCode(error) }, `${what} failed`),
        },
        this.config.milestoneDelayMs,
      ),
      lateCloses: [],
      released: [],
      lastPinRefresh: 0,
    };
    entry = created;
    this.#peers.set(peerId, entry);
    return entry;
  }

  #peerIdentity(entry: PeerEntry): PeerIdentity {
    const { signPubB64, protocols, keyAgreements } = entry.identity;
    return { agentId: entry.id, signPubB64, protocols, ...(keyAgreements ? { keyAgreements } : {}) };
  }

  async #onReceive(entry: PeerEntry, payload: Record<string, unknown>, admitted = false): Promise<void> {
    if (this.#stopping) return;
    const machine = entry.machine;
    const ready = machine.state.name === READY_STATE[machine.role];
    if (entry.lateCloses.length > 0 && payload.intent === "close") {
      // A late copy of a close that ended one of our recent sessions (the initiator sends
      // FINAL_LIMIT of them, one retransmit tick apart; sessions can be shorter than a tick).
      prune(entry.lateCloses, Date.now());
      const text = safeCanonical(payload);
      if (text !== null && entry.lateCloses.some((c) => c.text === text)) {
        this.#counters.lateCloses++;
        this.#pacer.noteClose(entry.id); // only genuine copies pace a v1 peer's next register
        return;
      }
    }
    if (entry.released.length > 0 && payload.intent === "finish") {
      // A re-sent finish of a session we released early (detachedTeardown): the peer has not seen
      // our close yet. Answer as the duplicate rule of §4 would have: send the close again.
      prune(entry.released, Date.now());
      const text = safeCanonical(payload);
      const hit = entry.released.find((r) => r.finish === text);
      if (hit) {
        this.#counters.lateCloses++;
        this.#send(hit.close);
        return;
      }
    }
    if (payload.intent === "register" && !admitted) {
      const answering = ready && machine.role === "responder";
      if (this.#registers.check(this.#peerIdentity(entry), payload, answering) !== null) return;
    }
    // Only messages the register gate let through are screened for legacy peers (legacy-gate.ts).
    if (!admitted && this.#screenLegacy(entry, payload, ready)) return;
    if (ready && payload.intent === "register" && machine.role === "responder" && !admitted) {
      if (this.#accepted + this.#granted.size >= this.config.maxSessions || this.#waiting.size > 0) {
        // At the cap (or others are waiting already): hold the register, answer it when a slot
        // frees — longest-waiting peer first, so no pair starves however busy this agent is.
        this.#counters.registersIgnoredBusy++;
        const waiting = this.#waiting.get(entry.id);
        if (waiting) {
          waiting.payload = payload;
          waiting.at = Date.now();
        } else this.#waiting.set(entry.id, { payload, at: Date.now() });
        this.#admit();
        return;
      }
    }
    let t = step(machine.ctx, machine.state, { type: "receive", payload, peer: this.#peerIdentity(entry) });
    const pinMismatch = t.effects.some((e) => e.type === "rejected" && e.reason === "pin-mismatch");
    if (pinMismatch && Date.now() - entry.lastPinRefresh >= this.config.pinRefreshIntervalMs) {
      // Identity pinning (§1): the registry may be newer than our cache; refresh once, retry once.
      entry.lastPinRefresh = Date.now();
      const fresh = await this.#directory!.refresh(entry.id).catch(() => null);
      if (fresh && fresh.signPubB64 !== entry.identity.signPubB64) {
        entry.identity = fresh;
        t = step(machine.ctx, machine.state, { type: "receive", payload, peer: this.#peerIdentity(entry) });
      }
    }
    await this.#apply(entry, t, payload);
  }

  /**
   * Legacy gate (legacy-gate.ts): a v1-only peer's register is refused once, then ignored while it
   * backs off. Legacy on (legacy-pacer.ts): a v1 initiator's register is held while its late
   * `close` copies still arrive, and replayed on its lane once they stop. True when dealt with.
   */
  #screenLegacy(entry: PeerEntry, payload: Record<string, unknown>, ready: boolean): boolean {
    const verdict = this.#legacyGate.screen(entry.id, payload, entry.identity.protocols);
    if (verdict.action === "ignore") return true;
    if (verdict.action === "refuse") {
      this.#onRejected(entry, "legacy-refused", "register", undefined, verdict.log);
      return true;
    }
    if (!ready || payload.intent !== "register" || entry.machine.role !== "responder") return false;
    if (!acceptsV1(this.config) || !speaksOnlyV1(payload.proto, entry.identity.protocols)) return false;
    return this.#pacer.hold(entry.id, payload, (p) => this.#dispatch(entry.id, entry.identity, p));
  }

  /**
   * Legacy off: an unsigned register the register gate dropped is a v1-only peer's (or a forgery
   * in its name). The legacy gate refuses it once, with one log line, then ignores it while the
   * peer backs off.
   */
  #onUnsignedRegister(peerId: string, payload: Record<string, unknown>): void {
    const entry = this.#peers.get(peerId);
    if (!entry) return;
    const verdict = this.#legacyGate.screen(peerId, payload, entry.identity.protocols);
    if (verdict.action === "refuse")
      this.#onRejected(entry, "legacy-refused", "register", undefined, verdict.log);
  }

  /** Feed a runtime event into a peer's lane. */
  #feed(entry: PeerEntry, event: MachineEvent): Promise<void> {
    return entry.lane
      .run(async () => {
        const t = step(entry.machine.ctx, entry.machine.state, event);
        await this.#apply(entry, t, null);
      })
      .catch((error: unknown) => this.#laneFault(entry, error));
  }

  #laneFault(entry: PeerEntry, error: unknown): void {
    // A bug or a store failure inside a step: log it; the lane carries on with the next event.
    this.#log.error({ peer: entry.id, err: errorCode(error), msg: (error as Error)?.message }, "lane fault");
  }

  // ---------------------------------------------------------------- effects

  async #apply(
    entry: PeerEntry,
    t: Transition,
    inbound: Record<string, unknown> | null,
    deferSends?: { next: number },
  ): Promise<void> {
    const machine = entry.machine;
    const before = machine.state;
    machine.state = t.state;
    this.#trackActive(entry, before, t.state);
    const session: Session | null = t.state.session ?? before.session;
    for (const effect of t.effects) {
      await this.#effect(entry, effect, session, inbound, deferSends);
    }
    if (
      !deferSends &&
      this.config.detachedTeardown &&
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
    if (s?.lastAccepted) {
      entry.released.push({
        finish: s.lastAccepted,
        close: s.lastSent,
        until: Date.now() + this.#lateWindowMs(),
      });
      prune(entry.released, Date.now());
    }
    for (let guard = 0; guard < 1000 && entry.machine.state.name === "init_finalize_close"; guard++) {
      const gen = entry.machine.state.timers.retransmit;
      if (gen === null) break;
      const t = step(entry.machine.ctx, entry.machine.state, { type: "timer", timer: "retransmit", gen });
      await this.#apply(entry, t, null, defer);
    }
  }

  /** How long late copies of a session's teardown can still arrive: FINAL_LIMIT ticks plus the retransmit budget. */
  #lateWindowMs(): number {
    const c = this.config;
    return (c.finalLimit + c.maxRetransmits + 1) * c.retransmitMs;
  }

  #trackActive(entry: PeerEntry, before: MachineState, after: MachineState): void {
    const role = entry.machine.role;
    const ready = READY_STATE[role];
    const wasActive = before.name !== ready;
    const isActive = after.name !== ready;
    if (!wasActive && isActive) {
      this.#active++;
      this.#counters.started++;
      if (role === "responder") {
        this.#accepted++;
        this.#registers.started(entry.id);
      }
    } else if (wasActive && !isActive) {
      this.#active--;
      if (role === "responder") {
        this.#accepted--;
        this.#admit();
      }
    }
  }

  /**
   * Admission control: while fewer than `maxSessions` accepted sessions are open, answer the
   * longest-waiting held `register` on its peer's lane. A held register older than 1.5 register
   * periods is dropped instead: that peer has gone quiet (a live one registers again meanwhile,
   * refreshing its entry without losing its place).
   */
  #admit(): void {
    const now = Date.now();
    const maxAgeMs = this.config.registerIntervalMs * 1.5;
    for (const [peerId, waiting] of this.#waiting) {
      if (this.#stopping || this.#accepted + this.#granted.size >= this.config.maxSessions) return;
      this.#waiting.delete(peerId);
      const entry = this.#peers.get(peerId);
      if (!entry || now - waiting.at > maxAgeMs) continue;
      this.#granted.add(peerId);
      entry.lane
        .run(async () => {
          try {
            await this.#onReceive(entry, waiting.payload, true);
          } finally {
            this.#granted.delete(peerId);
          }
          // A register that did not open a session (rejected, or the peer was busy) frees its slot.
          this.#admit();
        })
        .catch((error: unknown) => this.#laneFault(entry, error));
    }
  }

  async #effect(
    entry: PeerEntry,
    effect: Effect,
    session: Session | null,
    inbound: Record<string, unknown> | null,
    deferSends?: { next: number },
  ): Promise<void> {
    const role = entry.machine.role;
    switch (effect.type) {
      case "send": {
        if (deferSends) {
          const payload = effect.payload;
          const timer = setTimeout(() => {
            entry.teardown.delete(timer);
            this.#send(payload);
          }, deferSends.next * this.config.retransmitMs);
          deferSends.next++;
          timer.unref();
          entry.teardown.add(timer);
        } else this.#send(effect.payload);
        return;
      }
      case "persist":
        entry.writer.record(effect.milestone, effect.record);
        return;
      case "audit":
        this.#audit(auditInput(effect.event));
        return;
      case "armTimer": {
        if (deferSends) return; // the session already ended locally; no machine timers after it
        const name = effect.timer;
        const old = entry.timers[name];
        if (old) clearTimeout(old);
        const gen = effect.gen;
        const handle = setTimeout(() => {
          if (entry.timers[name] === handle) entry.timers[name] = null;
          void this.#feed(entry, { type: "timer", timer: name, gen });
        }, effect.ms);
        handle.unref();
        entry.timers[name] = handle;
        return;
      }
      case "cancelTimer": {
        const old = entry.timers[effect.timer];
        if (old) clearTimeout(old);
        entry.timers[effect.timer] = null;
        return;
      }
      case "checkNonce": {
        let fresh: boolean;
        // The lane waits on this check, and timers of this peer wait behind it: bound it by what
        // is left of the session's time, so a slow or saturated substrate cannot hold a session
        // past sessionTimeoutMs (the request may still finish in the background; that is harmless).
        const started = session?.startedAt ?? entry.machine.state.session?.startedAt ?? Date.now();
        const budgetMs = Math.max(1, started + this.config.sessionTimeoutMs - Date.now());
        try {
          fresh = await withDeadline(
            checkReplay(this.stores.nonces, entry.identity.identityObjId, effect),
            budgetMs,
          );
        } catch (error) {
          const timedOut = error instanceof DeadlineError;
          this.#log.warn(
            { peer: entry.id, err: timedOut ? "timeout" : errorCode(error) },
            "nonce check failed; handshake dropped",
          );
          const t = step(entry.machine.ctx, entry.machine.state, {
            type: "abort",
            reason: timedOut ? "timeout" : "substrate-error",
          });
          await this.#apply(entry, t, null);
          return;
        }
        const t = step(entry.machine.ctx, entry.machine.state, {
          type: "nonce-checked",
          nonce: effect.nonce,
          fresh,
        });
        await this.#apply(entry, t, inbound);
        return;
      }
      case "purge":
        // The machine already forgot keys, nonces and refs; the writer deletes the stored state
        // and nonce markers after the `ended` milestone (see MilestoneWriter).
        return;
      case "deliver": {
        const message = effect.message;
        try {
          this.#options.hooks?.onMessage?.(entry.id, message);
        } catch (error) {
          // An application bug must not cut the effects of this step short.
          this.#log.error({ peer: entry.id, err: errorCode(error) }, "onMessage hook threw");
        }
        this.#emitEvent({ type: "message", peer: entry.id, role, round: effect.round, message });
        return;
      }
      case "established": {
        const handshakeMs = session ? Date.now() - session.startedAt : 0;
        this.#counters.established++;
        this.#handshake.add(handshakeMs);
        this.#log.info(
          {
            event: "established",
            peer: entry.id,
            peerName: nameOf(entry),
            role,
            version: effect.version,
            keyAgreement: effect.keyAgreement,
            sid: effect.sid,
            handshakeMs,
          },
          `session with ${nameOf(entry)} established`,
        );
        this.#emitEvent({
          type: "established",
          peer: entry.id,
          role,
          version: effect.version,
          keyAgreement: effect.keyAgreement,
          sid: effect.sid,
          handshakeMs,
        });
        return;
      }
      case "closed": {
        const sessionMs = session ? Date.now() - session.startedAt : 0;
        this.#counters.closed++;
        this.#sessionLatency.add(sessionMs);
        if (inbound && inbound.intent === "close") {
          const text = safeCanonical(inbound);
          if (text !== null) entry.lateCloses.push({ text, until: Date.now() + this.#lateWindowMs() });
          prune(entry.lateCloses, Date.now());
          this.#pacer.noteClose(entry.id);
        }
        this.#flushAudit();
        this.#log.info(
          { event: "closed", peer: entry.id, peerName: nameOf(entry), role, sid: effect.sid, sessionMs },
          `session with ${nameOf(entry)} closed`,
        );
        this.#emitEvent({ type: "closed", peer: entry.id, role, sid: effect.sid, sessionMs });
        return;
      }
      case "aborted": {
        const sessionMs = session ? Date.now() - session.startedAt : null;
        this.#counters.aborted++;
        this.#flushAudit();
        this.#log.warn(
          { event: "aborted", peer: entry.id, peerName: nameOf(entry), role, reason: effect.reason },
          `session with ${nameOf(entry)} aborted`,
        );
        this.#emitEvent({ type: "aborted", peer: entry.id, role, reason: effect.reason, sessionMs });
        return;
      }
      case "rejected":
        this.#onRejected(entry, effect.reason, effect.intent, effect.detail);
        return;
    }
  }

  #onRejected(
    entry: PeerEntry,
    reason: RejectReason,
    intent: string | null,
    detail?: string,
    legacyLog?: boolean,
  ): void {
    this.#countRejection(reason);
    const { warn } = this.#report.record(entry.id, reason, intent);
    if (reason === "legacy-refused") {
      // One line per peer says why (instead of a warn per rejection); the peer backs off.
      if (legacyLog ?? this.#legacyGate.refused(entry.id).log)
        this.#log.warn({ peer: entry.id }, legacyRefusalLine(entry.id));
    } else if (warn)
      this.#log.warn(
        { event: "rejected", peer: entry.id, peerName: nameOf(entry), reason, intent },
        `message from ${nameOf(entry)} rejected`,
      );
    const event: AgentEventMap["rejected"] = { type: "rejected", peer: entry.id, reason, intent };
    if (detail !== undefined) event.detail = detail;
    this.#emitEvent(event);
  }

  #countRejection(reason: string): void {
    this.#rejections[reason] = (this.#rejections[reason] ?? 0) + 1;
  }

  /** An aggregated rejection block (rejection-report.ts) to the audit chain, within the global cap. */
  #auditRejections(block: Parameters<typeof blockAuditInput>[0]): void {
    if (this.#stores && this.#allowRejectionAudit()) this.#audit(blockAuditInput(block));
    else this.#counters.auditRejectionsSuppressed += block.count;
  }

  #allowRejectionAudit(): boolean {
    const now = Date.now();
    if (now - this.#auditWindow.start >= 60_000) this.#auditWindow = { start: now, count: 0 };
    if (this.#auditWindow.count >= this.config.rejectionAuditsPerMinute) return false;
    this.#auditWindow.count++;
    return true;
  }

  #audit(event: AuditEventInput): void {
    try {
      this.stores.audit.append(event);
    } catch (error) {
      this.#log.warn({ err: errorCode(error), type: event.type }, "audit append refused");
    }
  }

  #flushAudit(): void {
    this.stores.audit.flush().catch((error: unknown) => {
      this.#log.warn({ err: errorCode(error) }, "audit flush failed (kept for the next one)");
    });
  }

  #emitEvent(event: AgentEvent): void {
    for (const q of this.#queues) q.push(event);
    try {
      this.emit(event.type, event);
    } catch (error) {
      // A throwing listener must not cut the effects of this step short.
      this.#log.error({ event: event.type, err: errorCode(error) }, "event listener threw");
    }
  }

  // ---------------------------------------------------------------- public surface

  /** An async iterator over this agent's events from now on; ends when the agent stops. */
  events(options: { maxBuffered?: number } = {}): AsyncIterableIterator<AgentEvent> {
    const queue: EventQueue = new EventQueue(options.maxBuffered ?? 10_000, () => this.#queues.delete(queue));
    if (this.#stopping) queue.end();
    else this.#queues.add(queue);
    return queue;
  }

  /** Counters and latency summaries. */
  metrics(): AgentMetrics {
    const c = this.#counters;
    return {
      sessions: {
        started: c.started,
        established: c.established,
        closed: c.closed,
        aborted: c.aborted,
        active: this.#active,
      },
      handshakeMs: this.#handshake.summary(),
      sessionMs: this.#sessionLatency.summary(),
      rejections: { ...this.#rejections },
      substrateCalls: this.#client?.stats.requests ?? 0,
      relayReconnects: c.relayReconnects,
      droppedUnknownPeers: c.droppedUnknownPeers,
      lookupsThrottled: c.lookupsThrottled,
      registersIgnoredBusy: c.registersIgnoredBusy,
      registersWaiting: this.#waiting.size,
      lateCloses: c.lateCloses,
      auditRejectionsSuppressed: c.auditRejectionsSuppressed,
      registersDropped: { ...this.#registers.dropped },
      registerSignaturesVerified: this.#registers.verified,
      laneDrops: this.#laneDrops,
      ...this.#legacyAndReportMetrics(),
    };
  }

  #legacyAndReportMetrics(): Pick<
    AgentMetrics,
    | "legacyRefusals"
    | "legacyIgnored"
    | "legacyRegistersHeld"
    | "rejectionAuditBlocks"
    | "rejectionWarnsSuppressed"
  > {
    const gate = this.#legacyGate.stats();
    const report = this.#report.stats();
    return {
      legacyRefusals: gate.refusals,
      legacyIgnored: gate.ignored,
      legacyRegistersHeld: this.#pacer.heldCount,
      rejectionAuditBlocks: report.blocks,
      rejectionWarnsSuppressed: report.warnsSuppressed,
    };
  }

  /** Raw latency samples (ms) of the current window, for benchmarks. */
  latencySamples(): { handshakeMs: number[]; sessionMs: number[] } {
    return { handshakeMs: this.#handshake.values(), sessionMs: this.#sessionLatency.values() };
  }

  /** The state name of our machine toward `peerId` (null if we never talked to it). */
  sessionState(peerId: string): string | null {
    return this.#peers.get(peerId)?.machine.state.name ?? null;
  }

  /**
   * Abort open sessions (purging their state), stop broadcasting, flush the audit log and
   * disconnect. Idempotent: every call returns the same promise.
   */
  stop(): Promise<void> {
    this.#stopping ??= this.#stop();
    return this.#stopping;
  }

  async #stop(): Promise<void> {
    if (this.#registerTimer) clearTimeout(this.#registerTimer);
    this.#registerTimer = null;
    this.#waiting.clear();
    if (this.#starting) await this.#starting.catch(() => {});
    // No new spare nonce markers from here on; delete the ones written ahead.
    const spares = this.#stores?.nonces.purgeSpares?.({ close: true }).catch((error: unknown) => {
      this.#log.warn({ err: errorCode(error) }, "spare nonce markers not deleted (the next start does)");
    });
    const entries = [...this.#peers.values()];
    await Promise.all(
      entries.map((entry) =>
        entry.lane
          .run(async () => {
            for (const t of entry.teardown) clearTimeout(t);
            entry.teardown.clear();
            const t = step(entry.machine.ctx, entry.machine.state, { type: "abort", reason: "shutdown" });
            await this.#apply(entry, t, null);
            for (const name of ["retransmit", "session"] as const) {
              const h = entry.timers[name];
              if (h) clearTimeout(h);
              entry.timers[name] = null;
            }
          })
          .catch((error: unknown) => this.#laneFault(entry, error)),
      ),
    );
    await Promise.all(entries.map((e) => e.writer.drain()));
    await spares;
    for (const u of this.#unsubscribe.splice(0)) u();
    this.#pacer.close();
    this.#report.close(); // pending rejection blocks go into the final audit flush
    if (this.#stores) {
      await this.#stores.audit.close().catch((error: unknown) => {
        this.#log.warn({ err: errorCode(error) }, "audit log could not be flushed at stop");
      });
    }
    if (this.#transport && this.#ownsTransport) await this.#transport.close().catch(() => {});
    for (const q of this.#queues) q.end();
    this.#queues.clear();
    this.#log.info("stopped");
  }
}

/** Create an agent (not started: call `start()`). */
export function createAgent(options: AgentOptions): Agent {
  return new Agent(options);
}

function auditInput(event: Extract<Effect, { type: "audit" }>["event"]): AuditEventInput {
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

function safeCanonical(value: unknown): string | null {
  try {
    return canonicalJson(value);
  } catch {
    return null;
  }
}

function errorCode(error: unknown): string {
  if (error && typeof error === "object") {
    const e = error as { code?: unknown; name?: unknown };
    if (typeof e.code === "string") return e.code;
    if (typeof e.name === "string") return e.name;
  }
  return "unknown";
}

function relayLogger(log: Logger): import("@hsagent/relay").Logger {
  return {
    debug: (m, f) => log.debug(f ?? {}, m),
    info: (m, f) => log.info(f ?? {}, m),
    warn: (m, f) => log.warn(f ?? {}, m),
    error: (m, f) => log.error(f ?? {}, m),
  };
}

/** Thrown by {@link withDeadline} when the deadline passes first. */
class DeadlineError extends Error {}

/** `promise`, or a DeadlineError after `ms` (the promise's own outcome is then ignored). */
function withDeadline<T>(promise: Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new DeadlineError(`no answer within ${ms} ms`)), ms);
    timer.unref();
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}
