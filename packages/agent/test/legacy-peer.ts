/**
 * A scripted HSAgent_2 (protocol v1) peer written from PROTOCOL.md §6 with @hsagent/crypto
 * primitives only — not with the protocol package's machines. It plays the responder toward one
 * target (its agentId is the greatest possible) and speaks the v1 wire: a blob without `"v"`, v1
 * `sec` envelopes on exchange rounds (plus the plain `message`), an unsealed `finish`, and it
 * accepts an unsealed `close`.
 */
import { randomBytes } from "node:crypto";
import {
  buildHandshake,
  deriveV1SessionKey,
  generateIdentity,
  generateKxKeyPair,
  type IdentityRecord,
  type KxKeyPair,
  openSecV1,
  randomNonceHex,
  sealSecV1,
  signingKeyFromPrivate,
  verifyHandshake,
} from "@hsagent/crypto";
import { RelayClient } from "@hsagent/relay";
import { SubstrateIdentityRegistry } from "@hsagent/stores";
import type { World } from "./helpers.js";

/** The legacy peer's agentId: greater than any other, so it is the responder. */
export const LEGACY_ID = "ffffffff-ffff-4fff-bfff-fffffffffffe";

type Payload = Record<string, unknown>;

interface LegacySession {
  eph: KxKeyPair;
  myNonce: string;
  key: Uint8Array | null;
  rounds: number;
  myRef: string | null;
  /** The confirm that opened it (re-sent unchanged while unanswered). */
  confirm?: Payload;
}

/** Flip one character of a base64 signature (still well-formed, no longer valid). */
function spoil(sig: string): string {
  return (sig[0] === "A" ? "B" : "A") + sig.slice(1);
}

/** How the scripted v1 responder behaves beyond answering registers (all off by default). */
export interface LegacyPeerBehaviour {
  /** Re-send an unanswered `confirm` this often, ms, as HSAgent_2 does when refused (measured: 1000). */
  resendConfirmMs?: number;
  /** Broadcast `register` (without `proto`) this often, ms. */
  registerMs?: number;
  /** Spoil the `sig` of every confirm's blob (a confirm refused as `bad-signature`). */
  corruptSig?: boolean;
}

/** The scripted v1 responder. */
export class LegacyPeer {
  readonly relay: RelayClient;
  readonly record: IdentityRecord;
  /** Sessions completed (close received), and the messages opened from the target. */
  completed = 0;
  readonly received: unknown[] = [];
  /** Confirms sent (first sends and re-sends). */
  confirmsSent = 0;
  #target: { agentId: string; signPubB64: string } | null = null;
  #session: LegacySession | null = null;
  #lastConfirm = 0;
  #behaviour: LegacyPeerBehaviour = {};
  readonly #timers: NodeJS.Timeout[] = [];

  private constructor(relay: RelayClient, record: IdentityRecord) {
    this.relay = relay;
    this.record = record;
    relay.onMessage((m) => this.#onMessage(m.payload as Payload));
  }

  /** Provision the legacy identity (advertising protocol 1 only) and join the relay. */
  static async join(world: World, options: { id?: string; name?: string } = {}): Promise<LegacyPeer> {
    const client = world.client();
    await client.login();
    const registry = new SubstrateIdentityRegistry(client);
    const record = generateIdentity({ myId: options.id ?? LEGACY_ID });
    await registry.provision(options.name ?? "legacy", "legacy-vault", { identity: record, protocols: [1] });
    const relay = new RelayClient({ host: world.relay.address.host, port: world.relay.address.port });
    await relay.connect();
    return new LegacyPeer(relay, record);
  }

  get #id(): string {
    return this.record.my_id;
  }

  /** Answer `target`'s registers (and behave as `behaviour` says). */
  engage(target: { agentId: string; signPubB64: string }, behaviour: LegacyPeerBehaviour = {}): void {
    this.#target = target;
    this.#session = null;
    this.#behaviour = behaviour;
    this.#stopTimers();
    if (behaviour.registerMs) {
      const t = setInterval(
        () => this.#send({ from: this.#id, to: null, intent: "register" }),
        behaviour.registerMs,
      );
      this.#timers.push(t);
    }
    if (behaviour.resendConfirmMs) {
      const t = setInterval(() => {
        const s = this.#session;
        if (s && s.key === null && s.confirm) {
          this.confirmsSent++;
          this.#send(s.confirm);
        }
      }, behaviour.resendConfirmMs);
      this.#timers.push(t);
    }
  }

  #stopTimers(): void {
    for (const t of this.#timers.splice(0)) clearInterval(t);
  }

  #send(p: Payload): void {
    this.relay.send(p as never).catch(() => {});
  }

  #onMessage(p: Payload): void {
    const t = this.#target;
    if (!t || p.from !== t.agentId || (p.to !== null && p.to !== this.#id)) return;
    const signingKey = signingKeyFromPrivate(this.record.sign_priv_b64);
    try {
      switch (p.intent) {
        case "register": {
          // One session at a time; a stuck one is given up after 3 s (HSAgent_2 had a timeout too).
          if (this.#session && Date.now() - this.#lastConfirm < 3000) return;
          const eph = generateKxKeyPair();
          const myNonce = randomNonceHex();
          const built = buildHandshake({
            version: 1,
            type: "response",
            nonce: myNonce,
            kxPub: eph,
            signingKey,
          });
          const hs = this.#behaviour.corruptSig ? { ...built, sig: spoil(String(built.sig)) } : built;
          const confirm = { from: this.#id, to: t.agentId, intent: "confirm", my_nonce: myNonce, hs };
          this.#session = { eph, myNonce, key: null, rounds: 0, myRef: null, confirm };
          this.#lastConfirm = Date.now();
          this.confirmsSent++;
          this.#send(confirm);
          return;
        }
        case "request": {
          const s = this.#session;
          if (!s || p.your_nonce !== s.myNonce) return;
          if (s.key === null) {
            const v = verifyHandshake(p.hs, {
              expectedType: "init",
              expectedNonce: String(p.my_nonce),
              pin: t.signPubB64,
            });
            s.key = deriveV1SessionKey(s.eph, v.blob.kx_pub);
          }
          const opened = openSecV1(p.sec, { key: s.key, pin: t.signPubB64 });
          this.received.push(opened.message);
          s.rounds++;
          s.myNonce = randomNonceHex();
          const message = `I am OK! (v1 round ${s.rounds})`;
          this.#send({
            from: this.#id,
            to: t.agentId,
            intent: "respond",
            your_nonce: p.my_nonce,
            my_nonce: s.myNonce,
            message,
            sec: sealSecV1({ key: s.key, signingKey, message, nonce: randomBytes(12) }),
          });
          return;
        }
        case "conclude": {
          const s = this.#session;
          if (!s || p.your_nonce !== s.myNonce) return;
          s.myRef = randomBytes(9).toString("base64url");
          this.#send({
            from: this.#id,
            to: t.agentId,
            intent: "finish",
            your_ref: p.my_ref,
            my_ref: s.myRef,
          });
          return;
        }
        case "close": {
          const s = this.#session;
          if (!s || s.myRef === null || p.your_ref !== s.myRef) return;
          this.#session = null;
          this.completed++;
          return;
        }
      }
    } catch {
      // A v1 agent drops what it cannot verify.
    }
  }

  async close(): Promise<void> {
    this.#stopTimers();
    await this.relay.close();
  }
}

/** A legacy agentId smaller than any other: the v1 peer is the initiator. */
export const LEGACY_INITIATOR_ID = "00000000-0000-4000-8000-000000000001";

/** How the scripted v1 initiator paces itself (defaults: the quick script of the first tests). */
export interface LegacyInitiatorBehaviour {
  /** `register` period, ms (default 200). */
  registerMs?: number;
  /** `close` copies after a session and their spacing, ms (defaults 3, 100). */
  closeCount?: number;
  closeEveryMs?: number;
  /** While re-sending `close`, ignore `confirm` but keep registering (HSAgent_2 as measured). */
  deafWhileClosing?: boolean;
}

/** The measured HSAgent_2 initiator: close every 1 s for 4 s, deaf to confirm meanwhile, registers every 1 s. */
export const SLOW_V1_INITIATOR: LegacyInitiatorBehaviour = {
  registerMs: 1000,
  closeCount: 4,
  closeEveryMs: 1000,
  deafWhileClosing: true,
};

/** Timings the v1 initiator saw, per session (ms). */
export interface LegacyTiming {
  /** From the end of its close phase (ready again; engage for the first) to the handshake's completion (first `respond`). */
  readyToHandshake: number;
  /** From accepting `confirm` to the first `respond`. */
  handshake: number;
  /** From accepting `confirm` to `finish` (its session). */
  session: number;
}

/**
 * The scripted v1 peer as initiator (HSAgent_2's other half): broadcasts `register`, verifies the
 * responder's blob with the v1 rule (a v2 blob verifies too: its `sig` is the v1 signature),
 * sends v1 rounds, `conclude`, and unsealed `close`s (with {@link SLOW_V1_INITIATOR}: as the
 * original was measured to).
 */
export class LegacyInitiator {
  readonly relay: RelayClient;
  readonly record: IdentityRecord;
  completed = 0;
  readonly received: unknown[] = [];
  /** One entry per completed session. */
  readonly timings: LegacyTiming[] = [];
  /** Confirms ignored while closing. */
  confirmsIgnored = 0;
  #target: { agentId: string; signPubB64: string } | null = null;
  #timer: NodeJS.Timeout | null = null;
  #behaviour: Required<LegacyInitiatorBehaviour> = {
    registerMs: 200,
    closeCount: 3,
    closeEveryMs: 100,
    deafWhileClosing: false,
  };
  #closingUntil = 0;
  #readyAt = 0;
  #s: {
    eph: KxKeyPair;
    myNonce: string;
    key: Uint8Array;
    round: number;
    myRef: string;
    startedAt: number;
    handshakeAt: number | null;
  } | null = null;

  private constructor(relay: RelayClient, record: IdentityRecord) {
    this.relay = relay;
    this.record = record;
    relay.onMessage((m) => this.#onMessage(m.payload as Payload));
  }

  get #id(): string {
    return this.record.my_id;
  }

  static async join(world: World, options: { id?: string; name?: string } = {}): Promise<LegacyInitiator> {
    const client = world.client();
    await client.login();
    const registry = new SubstrateIdentityRegistry(client);
    const record = generateIdentity({ myId: options.id ?? LEGACY_INITIATOR_ID });
    await registry.provision(options.name ?? "legacy-init", "legacy-vault", {
      identity: record,
      protocols: [1],
    });
    const relay = new RelayClient({ host: world.relay.address.host, port: world.relay.address.port });
    await relay.connect();
    return new LegacyInitiator(relay, record);
  }

  /** Start broadcasting `register` (without `proto`) and talk to `target`. */
  engage(target: { agentId: string; signPubB64: string }, behaviour: LegacyInitiatorBehaviour = {}): void {
    this.#target = target;
    this.#behaviour = { ...this.#behaviour, ...behaviour };
    this.#readyAt = Date.now();
    const register = () => {
      if (!this.#s)
        this.relay.send({ from: this.#id, to: null, intent: "register" } as never).catch(() => {});
    };
    register(); // at once when it starts, then every registerMs
    this.#timer = setInterval(register, this.#behaviour.registerMs);
  }

  #send(p: Payload): void {
    this.relay.send(p as never).catch(() => {});
  }

  #round(s: { key: Uint8Array; round: number; myNonce: string }, yourNonce: unknown, hs?: unknown): void {
    const signingKey = signingKeyFromPrivate(this.record.sign_priv_b64);
    s.myNonce = randomNonceHex();
    const message = `How are you? (v1 round ${s.round})`;
    this.#send({
      from: this.#id,
      to: this.#target!.agentId,
      intent: "request",
      your_nonce: yourNonce,
      my_nonce: s.myNonce,
      ...(hs ? { hs } : {}),
      message,
      sec: sealSecV1({ key: s.key, signingKey, message, nonce: randomBytes(12) }),
    });
  }

  #onMessage(p: Payload): void {
    const t = this.#target;
    if (!t || p.from !== t.agentId || p.to !== this.#id) return;
    const signingKey = signingKeyFromPrivate(this.record.sign_priv_b64);
    try {
      if (p.intent === "confirm" && this.#behaviour.deafWhileClosing && Date.now() < this.#closingUntil) {
        this.confirmsIgnored++;
        return;
      }
      if (p.intent === "confirm" && !this.#s) {
        const v = verifyHandshake(p.hs, {
          expectedType: "response",
          expectedNonce: String(p.my_nonce),
          pin: t.signPubB64,
        });
        const eph = generateKxKeyPair();
        const myNonce = randomNonceHex();
        const key = deriveV1SessionKey(eph, v.blob.kx_pub);
        this.#s = { eph, myNonce, key, round: 1, myRef: "", startedAt: Date.now(), handshakeAt: null };
        const hs = buildHandshake({ version: 1, type: "init", nonce: myNonce, kxPub: eph, signingKey });
        // The hs nonce is this request's my_nonce.
        const s = this.#s;
        const message = `How are you? (v1 round ${s.round})`;
        this.#send({
          from: this.#id,
          to: t.agentId,
          intent: "request",
          your_nonce: p.my_nonce,
          my_nonce: myNonce,
          hs,
          message,
          sec: sealSecV1({ key, signingKey, message, nonce: randomBytes(12) }),
        });
        return;
      }
      const s = this.#s;
      if (!s) return;
      if (p.intent === "respond" && p.your_nonce === s.myNonce) {
        this.received.push(openSecV1(p.sec, { key: s.key, pin: t.signPubB64 }).message);
        s.handshakeAt ??= Date.now();
        if (s.round < 4) {
          s.round++;
          this.#round(s, p.my_nonce);
        } else {
          s.myRef = randomBytes(9).toString("base64url");
          this.#send({
            from: this.#id,
            to: t.agentId,
            intent: "conclude",
            your_nonce: p.my_nonce,
            my_ref: s.myRef,
          });
        }
        return;
      }
      if (p.intent === "finish" && s.myRef !== "" && p.your_ref === s.myRef) {
        const close = {
          from: this.#id,
          to: t.agentId,
          intent: "close",
          your_ref: p.my_ref,
          my_ref: s.myRef,
        };
        const { closeCount, closeEveryMs } = this.#behaviour;
        for (let i = 0; i < closeCount; i++) setTimeout(() => this.#send(close), i * closeEveryMs);
        const now = Date.now();
        const handshakeAt = s.handshakeAt ?? now;
        this.timings.push({
          readyToHandshake: handshakeAt - Math.max(this.#readyAt, 0),
          handshake: handshakeAt - s.startedAt,
          session: now - s.startedAt,
        });
        this.#closingUntil = now + closeCount * closeEveryMs;
        this.#readyAt = this.#closingUntil;
        this.#s = null;
        this.completed++;
      }
    } catch {
      // A v1 agent drops what it cannot verify.
    }
  }

  async close(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    await this.relay.close();
  }
}
