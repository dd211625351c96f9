/**
 * Test wiring: real crypto identities from the fixtures, deterministic injected randomness and
 * clock, and a tiny in-memory "runtime" that carries out effects between two machines.
 */

import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { hexDecode, kxKeyPairFromPrivate, signingKeyFromPrivate } from "@hsagent/crypto";
import {
  createContext,
  type Effect,
  initialState,
  type MachineContext,
  type MachineEvent,
  type MachineState,
  type PeerIdentity,
  type ProtocolConfig,
  type ProtocolDeps,
  type SelfIdentity,
  step,
} from "../src/index.js";

const here = new URL("./fixtures/", import.meta.url);
/** Parsed JSON fixture. */
export function fixture<T = Record<string, unknown>>(name: string): T {
  return JSON.parse(readFileSync(new URL(name, here), "utf8")) as T;
}

interface KeyEntry {
  sign_priv_b64: string;
  sign_pub_b64: string;
}
const keys = fixture<Record<"alice" | "bob", KeyEntry>>("keys.json");

/** Alice: the smaller id, hence initiator toward Bob. */
export const ALICE_ID = "1b2c3d4e-0000-4000-8000-00000000000a";
/** Bob: the greater id, hence responder toward Alice. */
export const BOB_ID = "9f8e7d6c-0000-4000-8000-00000000000b";
/** Mallory: a third agent of the tenant. */
export const MALLORY_ID = "5a5a5a5a-0000-4000-8000-00000000000c";

/** Our identities. */
export const alice: SelfIdentity = {
  agentId: ALICE_ID,
  signingKey: signingKeyFromPrivate(keys.alice.sign_priv_b64),
};
export const bob: SelfIdentity = {
  agentId: BOB_ID,
  signingKey: signingKeyFromPrivate(keys.bob.sign_priv_b64),
};
export const mallory: SelfIdentity = {
  agentId: MALLORY_ID,
  signingKey: signingKeyFromPrivate(createHash("sha256").update("mallory").digest()),
};

/** What each agent's registry says about the other (`keyAgreements` only when given). */
export function identityOf(
  who: SelfIdentity,
  protocols: readonly number[] = [2, 1],
  keyAgreements?: readonly string[],
): PeerIdentity {
  const id: PeerIdentity = { agentId: who.agentId, signPubB64: who.signingKey.publicKeyB64, protocols };
  return keyAgreements === undefined ? id : { ...id, keyAgreements };
}

/** A fixed epoch for tests: 2026-11-27T04:40:00Z. */
export const T0 = Date.parse("2026-11-27T04:40:00Z");

/** Deterministic randomness: SHA-256 counter stream per label. `draws` can be read and reset. */
export class DetRandom {
  draws = 0;
  constructor(readonly label: string) {}
  bytes(n: number): Uint8Array {
    const out = new Uint8Array(n);
    let filled = 0;
    while (filled < n) {
      const block = createHash("sha256")
        .update(`${this.label}:${this.draws++}`)
        .digest();
      out.set(block.subarray(0, Math.min(32, n - filled)), filled);
      filled += 32;
    }
    return out;
  }
}

/** A mutable clock. */
export class Clock {
  constructor(public ms = T0) {}
  now = (): number => this.ms;
}

/** Deps with deterministic randomness and the given clock. */
export function detDeps(label: string, clock: Clock): ProtocolDeps & { random: DetRandom } {
  const random = new DetRandom(label);
  return {
    random,
    now: clock.now,
    randomBytes: (n) => random.bytes(n),
    generateKxKeyPair: () => kxKeyPairFromPrivate(random.bytes(32)),
  };
}

/**
 * Deps replaying a test vector: the ephemeral key `ephPriv`, `draws` (hex) as the exact sequence of
 * `randomBytes` results (nonces, refs, ML-KEM seeds), and the clock `now()` (an ISO timestamp).
 */
export function scriptedDeps(ephPriv: string, draws: string[], now: () => string): ProtocolDeps {
  const queue = draws.map((n) => hexDecode(n));
  return {
    now: () => Date.parse(now()),
    randomBytes: (n) => {
      const next = queue.shift();
      if (!next || next.length !== n) throw new Error(`unscripted randomBytes(${n})`);
      return next;
    },
    generateKxKeyPair: () => kxKeyPairFromPrivate(ephPriv),
  };
}

/** The parts of a session vector (fixtures/v2-*session.json) that script both machines. */
export interface SessionVector {
  initiator: { ephemeral_priv_b64: string };
  responder: { ephemeral_priv_b64: string };
  request1: { hs: { timestamp: string } };
}

/**
 * Bob's and Alice's contexts replaying `v`: each side's ephemeral key, its `randomBytes` draws in
 * order, and its clock (Bob's from `bobNow`, Alice's at request #1's timestamp).
 */
export function vectorContexts(
  v: SessionVector,
  draws: { bob: string[]; alice: string[] },
  bobNow: () => string,
  bobConfig: Partial<ProtocolConfig> = {},
): { bobCtx: MachineContext; aliceCtx: MachineContext } {
  const bobDeps = scriptedDeps(v.responder.ephemeral_priv_b64, draws.bob, bobNow);
  const aliceDeps = scriptedDeps(v.initiator.ephemeral_priv_b64, draws.alice, () => v.request1.hs.timestamp);
  return {
    bobCtx: createContext({ self: bob, peerId: alice.agentId, config: bobConfig, deps: bobDeps }),
    aliceCtx: createContext({ self: alice, peerId: bob.agentId, deps: aliceDeps }),
  };
}

/** One agent's machine toward one peer, plus its durable nonce store. */
export interface Agent {
  ctx: MachineContext;
  state: MachineState;
  nonces: Set<string>;
  peer: PeerIdentity;
  log: Effect[];
}

/** Build an agent machine (`deps`: the injected dependencies, default {@link detDeps}). */
export function makeAgent(
  self: SelfIdentity,
  peer: PeerIdentity,
  clock: Clock,
  config: Partial<ProtocolConfig> = {},
  deps: ProtocolDeps = detDeps(self.agentId, clock),
): Agent {
  const ctx = createContext({ self, peerId: peer.agentId, config, deps });
  return { ctx, state: initialState(ctx.role), nonces: new Set(), peer, log: [] };
}

/** One side of {@link pairAgents}: what the other side's registry says it advertises, and overrides. */
export interface PairSide {
  self?: SelfIdentity;
  config?: Partial<ProtocolConfig>;
  /** Protocol versions advertised (default [2, 1]). */
  protocols?: readonly number[];
  /** Key agreements advertised (default none, as an older build). */
  keyAgreements?: readonly string[] | undefined;
  /** Injected dependencies (default {@link detDeps}). */
  deps?: (clock: Clock) => ProtocolDeps;
}

/** Alice (initiator, default `alice`) toward Bob (responder, default `bob`), on one clock. */
export function pairAgents(
  aliceSide: PairSide = {},
  bobSide: PairSide = {},
): { a: Agent; b: Agent; clock: Clock } {
  const clock = new Clock();
  const side = (
    me: PairSide,
    other: PairSide,
    fallback: SelfIdentity,
    otherFallback: SelfIdentity,
  ): Agent => {
    const peer = identityOf(other.self ?? otherFallback, other.protocols ?? [2, 1], other.keyAgreements);
    return makeAgent(me.self ?? fallback, peer, clock, me.config, me.deps?.(clock));
  };
  return { a: side(aliceSide, bobSide, alice, bob), b: side(bobSide, aliceSide, bob, alice), clock };
}

/**
 * Apply an event to an agent like a serialized runtime lane: a `checkNonce` effect's `early`
 * sends go out unless the nonce is in the agent's set, and the check is answered at once from
 * that set (recording it when fresh). Returns all effects, in order.
 */
export function apply(agent: Agent, event: MachineEvent): Effect[] {
  const out: Effect[] = [];
  let t = step(agent.ctx, agent.state, event);
  agent.state = t.state;
  for (;;) {
    const check = t.effects.find((e) => e.type === "checkNonce");
    out.push(...t.effects);
    if (check?.type !== "checkNonce") break;
    const fresh = !agent.nonces.has(check.nonce);
    // Like the runtime: the early answer goes out unless the nonce is known here already, and
    // then the verdict's copies of those sends are skipped.
    const early = fresh ? (check.early ?? []) : [];
    for (const payload of early) out.push({ type: "send", payload });
    if (fresh) agent.nonces.add(check.nonce);
    t = step(agent.ctx, agent.state, { type: "nonce-checked", nonce: check.nonce, fresh });
    t = { ...t, effects: t.effects.filter((e) => e.type !== "send" || !early.includes(e.payload)) };
    agent.state = t.state;
  }
  agent.log.push(...out);
  return out;
}

/** Deliver a payload to `agent` as the runtime would. */
export function deliver(agent: Agent, payload: unknown): Effect[] {
  return apply(agent, { type: "receive", payload, peer: agent.peer });
}

/** One complete session, started by `a`'s register (advertising `protocols`), run to quiescence. */
export function completeSession(a: Agent, b: Agent, protocols: readonly number[] = [2, 1]): void {
  runToQuiescence(a, b, [{ to: b, payload: registerOf(a.ctx.self, [...protocols]) }]);
}

/** The register broadcast of `self`. */
export function registerOf(self: SelfIdentity, proto: number[] = [2, 1]): Record<string, unknown> {
  return { from: self.agentId, to: null, intent: "register", proto };
}

/** Payloads of the `send` effects. */
export function sends(effects: readonly Effect[]): Record<string, unknown>[] {
  return effects.flatMap((e) => (e.type === "send" ? [e.payload as Record<string, unknown>] : []));
}

/** The answer a `checkNonce` effect among `effects` sends before its verdict (v2), else []. */
export function early(effects: readonly Effect[]): Record<string, unknown>[] {
  const check = effects.find((e) => e.type === "checkNonce");
  return check?.type === "checkNonce" ? ((check.early ?? []) as Record<string, unknown>[]) : [];
}

/** Fire the armed timer `timer` of `agent`, if any. */
export function fire(agent: Agent, timer: "retransmit" | "session"): Effect[] {
  const gen = agent.state.timers[timer];
  if (gen === null) return [];
  return apply(agent, { type: "timer", timer, gen });
}

/**
 * Run a lossless conversation to quiescence: deliver every sent message in FIFO order, then fire
 * retransmit timers while any is armed (the initiator's close ticks). Returns both logs' effects.
 */
export function runToQuiescence(
  a: Agent,
  b: Agent,
  first: { to: Agent; payload: unknown }[],
  maxSteps = 500,
): void {
  const queue = [...first];
  let steps = 0;
  for (;;) {
    while (queue.length > 0) {
      if (++steps > maxSteps) throw new Error("no quiescence");
      const m = queue.shift()!;
      const other = m.to === a ? b : a;
      for (const p of sends(deliver(m.to, m.payload))) queue.push({ to: other, payload: p });
    }
    const armed = [a, b].find(
      (x) => x.state.timers.retransmit !== null && x.state.name === "init_finalize_close",
    );
    if (!armed) return;
    const other = armed === a ? b : a;
    for (const p of sends(fire(armed, "retransmit"))) queue.push({ to: other, payload: p });
  }
}
