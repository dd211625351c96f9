/**
 * An attacker on the real relay. It owns a registered identity of the tenant ("mallory", with the
 * greatest possible agentId so honest agents are initiators toward it) and runs an honest
 * responder machine toward one victim, so tests can replace or precede any of its outgoing
 * messages with forged ones at an exact protocol step. It also sees all relay traffic.
 */

import { randomBytes } from "node:crypto";
import {
  generateIdentity,
  generateKxKeyPair,
  type IdentityRecord,
  signingKeyFromPrivate,
} from "@hsagent/crypto";
import {
  createPeerSession,
  type Effect,
  type PeerIdentity,
  type PeerSession,
  type SelfIdentity,
} from "@hsagent/protocol";
import { RelayClient } from "@hsagent/relay";
import { SubstrateIdentityRegistry } from "@hsagent/stores";
import type { World } from "./helpers.js";

/** Greatest UUIDv4: every honest agent is initiator toward it. */
export const MALLORY_ID = "ffffffff-ffff-4fff-bfff-ffffffffffff";

type Payload = Record<string, unknown>;
/** Decides what goes on the wire instead of `out` (default: `[out]`). */
export type Interceptor = (out: Payload) => Payload[];

/** The attacker. */
export class Mallory {
  readonly relay: RelayClient;
  readonly self: SelfIdentity;
  readonly record: IdentityRecord;
  /** Every payload seen on the relay. */
  readonly seen: Payload[] = [];
  /** Everything mallory's machine produced, by intent. */
  readonly produced: Payload[] = [];
  intercept: Interceptor = (out) => [out];
  #machine: PeerSession | null = null;
  #victim: PeerIdentity | null = null;
  #listeners: ((p: Payload) => void)[] = [];

  private constructor(relay: RelayClient, record: IdentityRecord) {
    this.relay = relay;
    this.record = record;
    this.self = { agentId: record.my_id, signingKey: signingKeyFromPrivate(record.sign_priv_b64) };
    relay.onMessage((m) => this.#onMessage(m.payload as Payload));
  }

  /** Provision mallory in the world's tenant and connect it to the relay. */
  static async join(world: World): Promise<Mallory> {
    const client = world.client();
    await client.login();
    const registry = new SubstrateIdentityRegistry(client);
    const record = generateIdentity({ myId: MALLORY_ID });
    await registry.provision("mallory", "mallory-vault", { identity: record });
    const relay = new RelayClient({ host: world.relay.address.host, port: world.relay.address.port });
    await relay.connect();
    return new Mallory(relay, record);
  }

  /** Run an honest responder machine toward `victim` (answers its registers). */
  engage(victim: { agentId: string; signPubB64: string }): void {
    this.#victim = { agentId: victim.agentId, signPubB64: victim.signPubB64, protocols: [2, 1] };
    this.#machine = createPeerSession({
      self: this.self,
      peerId: victim.agentId,
      config: { retransmitMs: 60_000, sessionTimeoutMs: 600_000 },
      deps: {
        now: Date.now,
        randomBytes: (n) => randomBytes(n),
        generateKxKeyPair: () => generateKxKeyPair(),
      },
    });
  }

  /** The machine's current state name. */
  get state(): string | null {
    return this.#machine?.state.name ?? null;
  }

  /** Subscribe to every relay payload. */
  onSeen(listener: (p: Payload) => void): void {
    this.#listeners.push(listener);
  }

  /** Send a raw payload (anything). */
  async send(payload: Payload): Promise<void> {
    await this.relay.send(payload as never);
  }

  #onMessage(payload: Payload): void {
    this.seen.push(payload);
    if (this.seen.length > 5000) this.seen.splice(0, 1000);
    for (const l of this.#listeners) l(payload);
    const machine = this.#machine;
    const victim = this.#victim;
    if (!machine || !victim || payload.from !== victim.agentId) return;
    if (payload.to !== null && payload.to !== this.self.agentId) return;
    this.#run(machine.handle({ type: "receive", payload, peer: victim }));
  }

  #run(effects: readonly Effect[]): void {
    const machine = this.#machine!;
    for (const e of effects) {
      if (e.type === "send") {
        const out = structuredClone(e.payload) as Payload;
        this.produced.push(out);
        for (const p of this.intercept(out)) this.send(p).catch(() => {});
      } else if (e.type === "checkNonce") {
        this.#run(machine.handle({ type: "nonce-checked", nonce: e.nonce, fresh: true }));
      }
    }
  }

  async close(): Promise<void> {
    await this.relay.close();
  }
}
