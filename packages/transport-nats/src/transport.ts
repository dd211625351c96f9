// The NATS implementation of the agent's Transport seam: one NATS connection per agent, which
// publishes a message to the recipient's inbox subject (or the tenant's discovery subjects when it
// is addressed to nobody), receives its own inbox and the discovery it may answer (subjects.ts:
// ordered discovery), drops and logs bad payloads, and reconnects across the cluster's servers
// (the client learns them from the cluster).

import {
  type Payload,
  RelayError,
  type Logger as RelayLogger,
  type RelayMessage,
  silentLogger,
  type Transport,
  type Unsubscribe,
} from "@hsagent/relay";
import {
  type ConnectionOptions,
  connect,
  type NatsConnection,
  type Subscription,
} from "@nats-io/transport-node";
import { authenticatorFor } from "./auth.js";
import { decodeNatsPayload, encodeNatsPayload, type NatsDropReason } from "./codec.js";
import type { NatsAuth } from "./settings.js";
import { DEFAULT_SUBJECT_PREFIX, type TenantSubjects, tenantSubjects } from "./subjects.js";

/** Options of {@link NatsTransport}. */
export interface NatsTransportOptions {
  /** Seed servers, `host:port` (the client learns the other cluster members from them). */
  servers: string[];
  /** The tenant (the substrate account id) whose subjects this agent uses. */
  tenant: string;
  /** First subject token (default `hsagent`). */
  subjectPrefix?: string;
  /** Credentials (default none); see {@link natsAuthFromEnv}. */
  auth?: NatsAuth;
  /** Require TLS (default false; implied by `caFile`). */
  tls?: boolean;
  /** PEM file of the CA that signed the servers' certificates. */
  caFile?: string;
  /** Connection name shown by the server's monitoring (default `hsagent`). */
  name?: string;
  /** Largest message sent or accepted, bytes (default 65536, the relay's line limit). */
  maxPayloadBytes?: number;
  /** Wait between reconnect attempts to one server, ms (default 250). */
  reconnectTimeWaitMs?: number;
  /** Client ping period, ms (default 10 000); `maxPingOut` unanswered pings drop the connection. */
  pingIntervalMs?: number;
  /** Unanswered pings before the connection is treated as dead (default 2). */
  maxPingOut?: number;
  /** First connection timeout, ms (default 5000). */
  connectTimeoutMs?: number;
  /**
   * Ordered discovery (default true): a broadcast goes under the sender's id prefix and an agent
   * receives only the prefixes at or below its own, i.e. the registers it may answer
   * (PROTOCOL.md §4; see {@link TenantSubjects.discoveryFor}). False: every broadcast reaches
   * every agent of the tenant.
   */
  orderedDiscovery?: boolean;
  /** Logger (default: the one given to {@link NatsTransport.bind}, else silent). Never receives credentials or payload contents. */
  logger?: RelayLogger;
}

/** Counters of a {@link NatsTransport}. */
export interface NatsTransportStats {
  /** Messages published / delivered to listeners. */
  sent: number;
  received: number;
  /** Received messages dropped, by cause. */
  drops: Record<NatsDropReason, number>;
  /** Disconnections and successful reconnections. */
  disconnects: number;
  reconnects: number;
}

/** Log a given drop reason at warn at most this often, ms (all are counted). */
const DROP_LOG_INTERVAL_MS = 10_000;

/**
 * A {@link Transport} over NATS. Call {@link NatsTransport.connect}, then
 * {@link NatsTransport.bind} with the agent's id (the agent runtime does this itself).
 */
export class NatsTransport implements Transport {
  readonly #opts: NatsTransportOptions;
  readonly #subjects: TenantSubjects;
  readonly #maxBytes: number;
  #log: RelayLogger;
  readonly #messageHandlers = new Set<(m: RelayMessage) => void>();
  readonly #noticeHandlers = new Set<(t: string) => void>();
  readonly #subs: Subscription[] = [];
  readonly #dropLoggedAt = new Map<NatsDropReason, number>();
  readonly #stats: NatsTransportStats = {
    sent: 0,
    received: 0,
    drops: {
      "too-long": 0,
      "invalid-utf8": 0,
      "invalid-json": 0,
      "not-envelope": 0,
      "payload-not-object": 0,
    },
    disconnects: 0,
    reconnects: 0,
  };
  #nc: NatsConnection | null = null;
  #agentId: string | null = null;
  #closed = false;

  /** @param options - servers, tenant, credentials; see {@link NatsTransportOptions} */
  constructor(options: NatsTransportOptions) {
    if (!Array.isArray(options.servers) || options.servers.length === 0)
      throw new RelayError("INVALID_OPTION", "at least one NATS server is required");
    if (typeof options.tenant !== "string" || options.tenant.length === 0 || options.tenant.length > 200)
      throw new RelayError(
        "INVALID_OPTION",
        "the tenant must be a non-empty string of at most 200 characters",
      );
    this.#opts = options;
    try {
      this.#subjects = tenantSubjects(options.tenant, options.subjectPrefix ?? DEFAULT_SUBJECT_PREFIX);
    } catch (error) {
      throw new RelayError("INVALID_OPTION", (error as Error).message);
    }
    this.#maxBytes = options.maxPayloadBytes ?? 65_536;
    if (!(this.#maxBytes >= 64))
      throw new RelayError("INVALID_OPTION", "maxPayloadBytes must be at least 64");
    this.#log = options.logger ?? silentLogger;
  }

  /** The tenant's subjects (discovery, inboxes). */
  get subjects(): TenantSubjects {
    return this.#subjects;
  }

  /** True while a connection to a server is established. */
  get isConnected(): boolean {
    return this.#nc !== null && !this.#nc.isClosed() && this.#nc.getServer() !== "";
  }

  /** The server currently connected to (`host:port`), or `""`. */
  get server(): string {
    return this.#nc?.getServer() ?? "";
  }

  /** A copy of the counters. */
  stats(): NatsTransportStats {
    return { ...this.#stats, drops: { ...this.#stats.drops } };
  }

  /**
   * Open the connection (tries every seed server). Later losses reconnect forever, across
   * every server the cluster announced.
   * @throws RelayError `NOT_CONNECTED` when no server accepts the connection
   */
  async connect(): Promise<void> {
    if (this.#closed) throw new RelayError("CLOSED", "transport is closed");
    if (this.#nc) return;
    const o = this.#opts;
    const options: ConnectionOptions = {
      servers: o.servers,
      name: o.name ?? "hsagent",
      noEcho: true,
      reconnect: true,
      maxReconnectAttempts: -1,
      reconnectTimeWait: o.reconnectTimeWaitMs ?? 250,
      pingInterval: o.pingIntervalMs ?? 10_000,
      maxPingOut: o.maxPingOut ?? 2,
      timeout: o.connectTimeoutMs ?? 5000,
      ...authenticatorFor(o.auth ?? { kind: "none" }),
    };
    if (o.tls || o.caFile) options.tls = o.caFile ? { caFile: o.caFile } : {};
    try {
      this.#nc = await connect(options);
    } catch (error) {
      throw new RelayError("NOT_CONNECTED", `NATS ${o.servers.join(",")}: ${describe(error)}`, {
        cause: error,
      });
    }
    this.#log.info("nats: connected", { server: this.#nc.getServer() });
    void this.#watchStatus(this.#nc);
  }

  /**
   * Start receiving: the agent's own inbox subject and the tenant's discovery subjects (with
   * ordered discovery, those of the agents whose registers it may answer).
   * Idempotent for the same id.
   * @throws RelayError `NOT_CONNECTED` before {@link connect}, `INVALID_OPTION` for another id
   */
  async bind(self: { agentId: string; logger?: RelayLogger }): Promise<void> {
    const nc = this.#nc;
    if (!nc || this.#closed) throw new RelayError("NOT_CONNECTED", "connect() the NATS transport first");
    if (this.#agentId !== null) {
      if (this.#agentId === self.agentId) return;
      throw new RelayError("INVALID_OPTION", "the transport is already bound to another agent");
    }
    if (typeof self.agentId !== "string" || self.agentId.length === 0 || self.agentId.length > 200)
      throw new RelayError("INVALID_OPTION", "invalid agentId");
    this.#agentId = self.agentId;
    if (!this.#opts.logger && self.logger) this.#log = self.logger;
    const discovery =
      this.#opts.orderedDiscovery === false
        ? [this.#subjects.discovery]
        : this.#subjects.discoveryFor(self.agentId);
    for (const subject of [this.#subjects.inbox(self.agentId), ...discovery]) {
      this.#subs.push(
        nc.subscribe(subject, {
          callback: (err, msg) => {
            if (err) this.#log.warn("nats: subscription error", { subject, error: describe(err) });
            else this.#deliver(msg.data, msg.subject);
          },
        }),
      );
    }
    // The server has registered the subscriptions once a ping round-trip is done.
    await nc.flush();
  }

  send(payload: Payload): Promise<void> {
    const nc = this.#nc;
    if (this.#closed) return Promise.reject(new RelayError("CLOSED", "transport is closed"));
    if (!nc) return Promise.reject(new RelayError("NOT_CONNECTED", "connect() the NATS transport first"));
    const to = (payload as { to?: unknown }).to;
    if (to !== undefined && to !== null && (typeof to !== "string" || to.length === 0 || to.length > 200))
      return Promise.reject(new RelayError("INVALID_PAYLOAD", "`to` must be an agentId or null"));
    let data: Uint8Array;
    try {
      data = encodeNatsPayload(payload, this.#maxBytes);
    } catch (error) {
      return Promise.reject(error);
    }
    const subject =
      typeof to === "string"
        ? this.#subjects.inbox(to)
        : this.#agentId !== null && this.#opts.orderedDiscovery !== false
          ? this.#subjects.discoveryFrom(this.#agentId)
          : this.#subjects.discovery;
    try {
      nc.publish(subject, data);
    } catch (error) {
      return Promise.reject(
        new RelayError("CLOSED", `NATS publish failed: ${describe(error)}`, { cause: error }),
      );
    }
    this.#stats.sent++;
    return Promise.resolve();
  }

  onMessage(handler: (message: RelayMessage) => void): Unsubscribe {
    this.#messageHandlers.add(handler);
    return () => this.#messageHandlers.delete(handler);
  }

  onNotice(handler: (text: string) => void): Unsubscribe {
    this.#noticeHandlers.add(handler);
    return () => this.#noticeHandlers.delete(handler);
  }

  /** Close the connection (pending publishes are flushed when the server is reachable). */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const nc = this.#nc;
    if (!nc) return;
    await nc.close().catch(() => {});
  }

  #deliver(data: Uint8Array, subject: string): void {
    const decoded = decodeNatsPayload(data, this.#maxBytes);
    if (decoded.kind === "drop") {
      this.#stats.drops[decoded.reason]++;
      const now = Date.now();
      if (now - (this.#dropLoggedAt.get(decoded.reason) ?? -Infinity) >= DROP_LOG_INTERVAL_MS) {
        this.#dropLoggedAt.set(decoded.reason, now);
        this.#log.warn("nats: dropped a bad message", {
          reason: decoded.reason,
          subject: subject.slice(0, 200),
          bytes: data.length,
          dropped: this.#stats.drops[decoded.reason],
        });
      }
      return;
    }
    this.#stats.received++;
    const message: RelayMessage = { remoteAddr: "nats", payload: decoded.payload };
    for (const h of this.#messageHandlers) {
      try {
        h(message);
      } catch (error) {
        this.#log.error("nats: message handler threw", { error: describe(error) });
      }
    }
  }

  #notice(text: string): void {
    for (const h of this.#noticeHandlers) h(text);
  }

  async #watchStatus(nc: NatsConnection): Promise<void> {
    for await (const s of nc.status()) {
      switch (s.type) {
        case "disconnect":
          this.#stats.disconnects++;
          this.#log.warn("nats: disconnected", { server: s.server });
          this.#notice(`Warning: NATS disconnected from ${s.server}`);
          break;
        case "reconnect":
          this.#stats.reconnects++;
          this.#log.info("nats: reconnected", { server: s.server });
          this.#notice(`Warning: NATS reconnected to ${s.server}`);
          break;
        case "error":
          this.#log.warn("nats: server error", { error: describe(s.error) });
          break;
        case "slowConsumer":
        case "staleConnection":
        case "ldm":
          this.#log.warn(`nats: ${s.type}`);
          break;
        case "update":
          this.#log.debug("nats: cluster servers changed", { added: s.added, deleted: s.deleted });
          break;
        default:
          break;
      }
    }
  }
}

function describe(error: unknown): string {
  return String((error as Error)?.message ?? error).slice(0, 300);
}
