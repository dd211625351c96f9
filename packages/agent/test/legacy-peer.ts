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
}

/** The scripted v1 responder. */
export class LegacyPeer {
  readonly relay: RelayClient;
  readonly record: IdentityRecord;
  /** Sessions completed (close received), and the messages opened from the target. */
  completed = 0;
  readonly received: unknown[] = [];
  #target: { agentId: string; signPubB64: string } | null = null;
  #session: LegacySession | null = null;
  #lastConfirm = 0;

  private constructor(relay: RelayClient, record: IdentityRecord) {
    this.relay = relay;
    this.record = record;
    relay.onMessage((m) => this.#onMessage(m.payload as Payload));
  }

  /** Provision the legacy identity (advertising protocol 1 only) and join the relay. */
  static async join(world: World): Promise<LegacyPeer> {
    const client = world.client();
    await client.login();
    const registry = new SubstrateIdentityRegistry(client);
    const record = generateIdentity({ myId: LEGACY_ID });
    await registry.provision("legacy", "legacy-vault", { identity: record, protocols: [1] });
    const relay = new RelayClient({ host: world.relay.address.host, port: world.relay.address.port });
    await relay.connect();
    return new LegacyPeer(relay, record);
  }

  /** Answer `target`'s registers. */
  engage(target: { agentId: string; signPubB64: string }): void {
    this.#target = target;
    this.#session = null;
  }

  #send(p: Payload): void {
    void this.relay.send(p as never);
  }

  #onMessage(p: Payload): void {
    const t = this.#target;
    if (!t || p.from !== t.agentId || (p.to !== null && p.to !== LEGACY_ID)) return;
    const signingKey = signingKeyFromPrivate(this.record.sign_priv_b64);
    try {
      switch (p.intent) {
        case "register": {
          // One session at a time; a stuck one is given up after 3 s (HSAgent_2 had a timeout too).
          if (this.#session && Date.now() - this.#lastConfirm < 3000) return;
          const eph = generateKxKeyPair();
          const myNonce = randomNonceHex();
          const hs = buildHandshake({ version: 1, type: "response", nonce: myNonce, kxPub: eph, signingKey });
          this.#session = { eph, myNonce, key: null, rounds: 0, myRef: null };
          this.#lastConfirm = Date.now();
          this.#send({ from: LEGACY_ID, to: t.agentId, intent: "confirm", my_nonce: myNonce, hs });
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
            from: LEGACY_ID,
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
            from: LEGACY_ID,
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
    await this.relay.close();
  }
}
