/**
 * Start and stop. `start()` hydrates or provisions the identity, publishes the protocols and key
 * agreements we speak, opens the stores and the peer directory, purges sessions a previous run
 * left behind (audited `SESSION_ABORTED reason=restart`), connects the transport (its messages go
 * to the loop) and starts the `register` broadcast. `stop()` takes it all down again in order.
 * Both are idempotent: every call returns the same promise.
 */
import { prepareMlKem768, signingKeyFromPrivate } from "@hsagent/crypto";
import {
  acceptsV1,
  createSignedRegister,
  formatWireTimestamp,
  offeredKeyAgreements,
  speaksV2,
} from "@hsagent/protocol";
import { RelayClient, type Transport } from "@hsagent/relay";
import {
  createMemoryStores,
  createSubstrateStores,
  type HydratedAgent,
  type IdentityRegistry,
  MemoryIdentityRegistry,
  SubstrateIdentityRegistry,
} from "@hsagent/stores";
import type { Logger } from "pino";
import type { AgentConfig } from "./config.js";
import { AgentError } from "./errors.js";
import type { Loop } from "./loop.js";
import { PeerDirectory } from "./peer-directory.js";
import { strictNow } from "./replay-check.js";
import { errorCode, type Runtime } from "./runtime.js";
import { RegisterBroadcast } from "./timers.js";

/** The start and stop sequences of one agent. */
export class Startup {
  readonly #rt: Runtime;
  readonly #loop: Loop;
  readonly #broadcast: RegisterBroadcast;
  #starting: Promise<void> | null = null;
  #stopping: Promise<void> | null = null;

  constructor(rt: Runtime, loop: Loop) {
    this.#rt = rt;
    this.#loop = loop;
    this.#broadcast = new RegisterBroadcast(
      rt.config.registerIntervalMs,
      () => this.#sendRegister(),
      () => loop.admission.registerBackoff,
    );
  }

  /** Start once (see the module comment). */
  start(): Promise<void> {
    if (this.#stopping) return Promise.reject(new AgentError("STOPPED", "the agent was stopped"));
    this.#starting ??= this.#start();
    return this.#starting;
  }

  /** Stop once: abort open sessions, stop broadcasting, flush the audit log, disconnect. */
  stop(): Promise<void> {
    this.#rt.stopping = true;
    this.#stopping ??= this.#stop();
    return this.#stopping;
  }

  async #start(): Promise<void> {
    const rt = this.#rt;
    const opts = rt.options;
    const sub = opts.substrate;
    // The WebAssembly ML-KEM loads beside the login; it must be ready before the first handshake.
    const kemReady = rt.config.pq ? prepareMlKem768() : undefined;
    let registry: IdentityRegistry;
    if ("client" in sub) {
      rt.client = sub.client;
      if (!sub.client.account) await sub.client.login();
      registry = new SubstrateIdentityRegistry(sub.client);
    } else {
      registry = new MemoryIdentityRegistry(sub.backend);
    }
    const hydrated = await this.#identity(registry);
    rt.hydrated = hydrated;
    rt.self = {
      agentId: hydrated.identity.agentId,
      signingKey: signingKeyFromPrivate(hydrated.keys.sign_priv_b64),
    };
    const storeOptions = {
      agentId: hydrated.identity.agentId,
      identityObjId: hydrated.identity.identityObjId,
      identity: registry,
      audit: { flushIntervalMs: rt.config.auditFlushIntervalMs },
    };
    rt.stores =
      "client" in sub
        ? createSubstrateStores(sub.client, storeOptions)
        : createMemoryStores({ ...storeOptions, backend: sub.backend });
    rt.directory = new PeerDirectory(registry, {
      negativeTtlMs: rt.config.unknownPeerTtlMs,
      lookupsPerSecond: rt.config.unknownPeerLookupsPerSecond,
      lookupBurst: Math.max(1, Math.ceil(rt.config.unknownPeerLookupsPerSecond * 2.5)),
      identityTtlMs: rt.config.identityTtlMs,
    });
    rt.log.info({ agentId: rt.self.agentId }, "identity ready");
    rt.purgeCarriesAudit = (await rt.stores.sessions.purgeCarriesAudit?.()) ?? false;
    await this.#purgeStale();
    const kem = await kemReady;
    if (kem) rt.log.debug({ mlkem: kem.name }, "ML-KEM-768 implementation");
    await this.#connect();
    this.#broadcast.start(0);
  }

  /** Hydrate or provision our identity, and publish what we speak when it changed. */
  async #identity(registry: IdentityRegistry): Promise<HydratedAgent> {
    const { config, options } = this.#rt;
    const protocols = publishedProtocols(config);
    let hydrated: HydratedAgent;
    try {
      hydrated = await registry.hydrateOrProvision(options.name, options.vaultPassphrase, { protocols });
    } catch (error) {
      const code = (error as { code?: string }).code ?? "unknown";
      throw new AgentError("IDENTITY_FAILED", `identity ${options.name}: ${code}`, { cause: error });
    }
    const current = hydrated.identity.protocols;
    const ka = keyAgreements(config);
    if (
      current.length !== protocols.length ||
      current.some((v, i) => v !== protocols[i]) ||
      (hydrated.identity.keyAgreements ?? []).join() !== ka.join()
    ) {
      const published = await registry.publishProtocols(hydrated.identity.agentId, protocols, ka);
      hydrated = { ...hydrated, identity: published };
    }
    return hydrated;
  }

  /** Sessions a previous run of this agent left behind cannot continue: audit and purge them. */
  async #purgeStale(): Promise<void> {
    const { stores, log } = this.#rt;
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
      log.warn({ peer, role: s.record.role, state }, "stale session from a previous run purged");
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
    if (spares) log.info({ spares }, "spare nonce markers of a previous run deleted");
  }

  async #connect(): Promise<void> {
    const rt = this.#rt;
    let transport = rt.options.transport;
    if (!transport) {
      const relay = rt.options.relay!;
      const client = new RelayClient({ ...relay, logger: relayLogger(rt.log) });
      rt.ownsTransport = true;
      transport = client;
      try {
        await client.connect();
      } catch (error) {
        const message = `relay ${relay.host}:${relay.port}: ${(error as Error).message}`;
        throw new AgentError("RELAY_FAILED", message, { cause: error });
      }
    }
    if (transport instanceof RelayClient) {
      rt.unsubscribe.push(transport.on("reconnecting", () => rt.counters.relayReconnects++));
    }
    rt.transport = transport;
    rt.unsubscribe.push(
      transport.onMessage((m) => this.#loop.onInbound(m.payload)),
      transport.onNotice((text) => rt.log.info({ notice: text.slice(0, 200) }, "relay notice")),
    );
    // Transports that route by recipient (NATS) start receiving our subject here.
    await (transport as Transport)
      .bind?.({ agentId: rt.self!.agentId, logger: relayLogger(rt.log) })
      .catch((error: unknown) => {
        throw new AgentError("RELAY_FAILED", `transport bind: ${(error as Error).message}`, { cause: error });
      });
  }

  #sendRegister(): void {
    const rt = this.#rt;
    // Milliseconds, strictly increasing: peers drop a register whose ts is not above the last one.
    const ts = formatWireTimestamp(strictNow());
    const { agentId, signingKey } = rt.self!;
    rt.send({
      ...createSignedRegister(
        agentId,
        signingKey,
        ts,
        publishedProtocols(rt.config),
        keyAgreements(rt.config),
      ),
    });
  }

  async #stop(): Promise<void> {
    const rt = this.#rt;
    this.#broadcast.stop();
    this.#loop.admission.clear();
    if (this.#starting) await this.#starting.catch(() => {});
    // No new spare nonce markers from here on; delete the ones written ahead.
    const spares = rt.hasStores
      ? rt.stores.nonces.purgeSpares?.({ close: true }).catch((error: unknown) => {
          rt.log.warn({ err: errorCode(error) }, "spare nonce markers not deleted (the next start does)");
        })
      : undefined;
    await this.#loop.shutdown();
    await spares;
    for (const u of rt.unsubscribe.splice(0)) u();
    rt.pacer.close();
    rt.report.close(); // pending rejection blocks go into the final audit flush
    if (rt.hasStores) {
      await rt.stores.audit.close().catch((error: unknown) => {
        rt.log.warn({ err: errorCode(error) }, "audit log could not be flushed at stop");
      });
    }
    if (rt.transport && rt.ownsTransport) await rt.transport.close().catch(() => {});
    for (const q of rt.queues) q.end();
    rt.queues.clear();
    rt.log.info("stopped");
  }
}

/** The protocol versions we publish, newest first. */
function publishedProtocols(config: AgentConfig): number[] {
  const out: number[] = [];
  if (speaksV2(config)) out.push(2);
  if (acceptsV1(config)) out.push(1);
  return out;
}

/** The key agreements we offer and publish (`x25519+mlkem768` first unless `pq` is off). */
function keyAgreements(config: AgentConfig): string[] {
  return offeredKeyAgreements({ pq: config.pq && speaksV2(config) });
}

function relayLogger(log: Logger): import("@hsagent/relay").Logger {
  return {
    debug: (m, f) => log.debug(f ?? {}, m),
    info: (m, f) => log.info(f ?? {}, m),
    warn: (m, f) => log.warn(f ?? {}, m),
    error: (m, f) => log.error(f ?? {}, m),
  };
}
