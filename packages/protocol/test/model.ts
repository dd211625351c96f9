/**
 * A bounded explicit-state model checker for two pure machines (Alice = initiator, Bob =
 * responder) over an adversarial network. World = both machine states + durable nonce sets +
 * randomness cursors + armed timer deadlines + the in-flight multiset + fault budgets + outcome
 * counters. Network actions: deliver any in-flight message (reordering), deliver a copy and keep
 * it (duplication, budgeted), drop it (loss, budgeted). Time only advances when nothing is in
 * flight (delivery is faster than any timer), to the earliest armed deadline; timers due at the
 * same instant fire in every order. Explored breadth-first with states deduplicated by a
 * canonical hash.
 */
import { createHash } from "node:crypto";
import { canonicalJson, kxKeyPairFromPrivate } from "@hsagent/crypto";
import {
  createContext,
  type Effect,
  initialState,
  type MachineContext,
  type MachineEvent,
  type MachineState,
  offeredKeyAgreements,
  type PeerIdentity,
  type ProtocolConfig,
  type SelfIdentity,
  speaksV2,
  step,
} from "../src/index.js";
import { T0 } from "./helpers.js";

/** One agent inside a world. */
export interface AgentSnap {
  readonly state: MachineState;
  readonly nonces: readonly string[];
  readonly draws: number;
  readonly deadlines: { readonly retransmit: number | null; readonly session: number | null };
  readonly closed: number;
  readonly aborted: number;
  readonly established: number;
}

/** An in-flight message. */
export interface Flight {
  readonly to: 0 | 1;
  readonly json: string;
}

/** A global state of the model. */
export interface World {
  readonly now: number;
  readonly agents: readonly [AgentSnap, AgentSnap];
  readonly net: readonly Flight[];
  readonly drops: number;
  readonly dups: number;
  readonly early: number;
  /** Messages each agent accepted so far (canonical JSON), for the replay invariant. Not hashed. */
  readonly accepted: readonly [readonly string[], readonly string[]];
  readonly depth: number;
}

/** Exploration bounds. */
export interface Bounds {
  maxDrops: number;
  maxDups: number;
  maxDepth: number;
  maxStates: number;
  /** How many times a timer may fire while messages are still in flight (a slow network: late deliveries). */
  maxEarlyFires?: number;
}

/** A machine pair bound to a mutable environment (clock + randomness cursor). */
export class Pair {
  readonly ctx: [MachineContext, MachineContext];
  readonly peers: [PeerIdentity, PeerIdentity];
  private readonly env = { now: T0, draws: 0 };

  constructor(
    selves: [SelfIdentity, SelfIdentity],
    config: Partial<ProtocolConfig> = {},
    configB: Partial<ProtocolConfig> = config,
    protocols: [readonly number[], readonly number[]] = [
      [2, 1],
      [2, 1],
    ],
  ) {
    const mk = (
      self: SelfIdentity,
      peer: SelfIdentity,
      label: string,
      cfg: Partial<ProtocolConfig>,
    ): MachineContext =>
      createContext({
        self,
        peerId: peer.agentId,
        config: cfg,
        deps: {
          now: () => this.env.now,
          randomBytes: (n) => this.random(label, n),
          generateKxKeyPair: () => kxKeyPairFromPrivate(this.random(label, 32)),
        },
      });
    this.ctx = [mk(selves[0], selves[1], "a", config), mk(selves[1], selves[0], "b", configB)];
    // What each agent's registry says the other advertises (key agreements as an agent publishes them).
    const ka = (c: MachineContext) => (speaksV2(c.config) ? offeredKeyAgreements(c.config) : undefined);
    const id = (self: SelfIdentity, proto: readonly number[], c: MachineContext): PeerIdentity => {
      const keyAgreements = ka(c);
      const base = { agentId: self.agentId, signPubB64: self.signingKey.publicKeyB64, protocols: proto };
      return keyAgreements ? { ...base, keyAgreements } : base;
    };
    this.peers = [id(selves[1], protocols[1], this.ctx[1]), id(selves[0], protocols[0], this.ctx[0])];
  }

  private random(label: string, n: number): Uint8Array {
    const out = new Uint8Array(n);
    for (let filled = 0; filled < n; filled += 32) {
      const block = createHash("sha256")
        .update(`${label}:${this.env.draws++}`)
        .digest();
      out.set(block.subarray(0, Math.min(32, n - filled)), filled);
    }
    return out;
  }

  /** The initial world: both ready; both registers in flight. */
  initial(): World {
    const snap = (i: 0 | 1): AgentSnap => ({
      state: initialState(this.ctx[i].role),
      nonces: [],
      draws: 0,
      deadlines: { retransmit: null, session: null },
      closed: 0,
      aborted: 0,
      established: 0,
    });
    const reg = (from: 0 | 1): Flight => ({
      to: from === 0 ? 1 : 0,
      json: canonicalJson({ from: this.ctx[from].self.agentId, to: null, intent: "register", proto: [2, 1] }),
    });
    return {
      now: T0,
      agents: [snap(0), snap(1)],
      net: [reg(0), reg(1)],
      drops: 0,
      dups: 0,
      early: 0,
      accepted: [[], []],
      depth: 0,
    };
  }

  /**
   * Apply `event` to agent `i` like a serialized runtime lane (a check's early sends go out, then
   * the check is answered at once from the agent's durable set). Returns the new snapshot, the effects and the messages sent.
   */
  apply(world: World, i: 0 | 1, event: MachineEvent): { snap: AgentSnap; effects: Effect[]; sent: Flight[] } {
    const ctx = this.ctx[i];
    let snap = world.agents[i];
    this.env.now = world.now;
    this.env.draws = snap.draws;
    const effects: Effect[] = [];
    let t = step(ctx, snap.state, event);
    let nonces = snap.nonces;
    for (;;) {
      effects.push(...t.effects);
      const check = t.effects.find((e) => e.type === "checkNonce");
      if (check?.type !== "checkNonce") break;
      // The early answer goes out before the verdict, whatever it is (the worst case: after a
      // restart the runtime knows no nonce locally).
      const early = check.early ?? [];
      for (const payload of early) effects.push({ type: "send", payload });
      const fresh = !nonces.includes(check.nonce);
      if (fresh) nonces = [...nonces, check.nonce].sort();
      t = step(ctx, t.state, { type: "nonce-checked", nonce: check.nonce, fresh });
      t = { ...t, effects: t.effects.filter((e) => e.type !== "send" || !early.includes(e.payload)) };
    }
    const deadlines = { ...snap.deadlines };
    const sent: Flight[] = [];
    let { closed, aborted, established } = snap;
    for (const e of effects) {
      if (e.type === "armTimer") deadlines[e.timer] = world.now + e.ms;
      else if (e.type === "cancelTimer") deadlines[e.timer] = null;
      else if (e.type === "send") sent.push({ to: i === 0 ? 1 : 0, json: canonicalJson(e.payload) });
      else if (e.type === "closed") closed++;
      else if (e.type === "aborted") aborted++;
      else if (e.type === "established") established++;
    }
    snap = { state: t.state, nonces, draws: this.env.draws, deadlines, closed, aborted, established };
    return { snap, effects, sent };
  }

  /** Every successor world (with the label of the action that leads to it). */
  successors(w: World, bounds: Bounds): { label: string; world: World }[] {
    const out: { label: string; world: World }[] = [];
    const seen = new Set<string>();
    w.net.forEach((f, idx) => {
      const key = `${f.to}|${f.json}`;
      if (seen.has(key)) return; // identical copies give identical successors
      seen.add(key);
      const rest = w.net.filter((_, j) => j !== idx);
      const delivered = this.deliver(w, f, rest);
      out.push({ label: `deliver ${intent(f)}→${f.to}`, world: delivered });
      if (w.dups < bounds.maxDups) {
        out.push({
          label: `dup ${intent(f)}→${f.to}`,
          world: { ...this.deliver(w, f, w.net), dups: w.dups + 1 },
        });
      }
      if (w.drops < bounds.maxDrops) {
        out.push({
          label: `drop ${intent(f)}→${f.to}`,
          world: { ...w, net: rest, drops: w.drops + 1, depth: w.depth + 1 },
        });
      }
    });
    const early = w.net.length > 0;
    if (!early || w.early < (bounds.maxEarlyFires ?? 0)) {
      let tmin = Number.POSITIVE_INFINITY;
      for (const a of w.agents) {
        for (const d of [a.deadlines.retransmit, a.deadlines.session]) if (d !== null && d < tmin) tmin = d;
      }
      if (tmin !== Number.POSITIVE_INFINITY) {
        for (const i of [0, 1] as const) {
          for (const timer of ["retransmit", "session"] as const) {
            if (w.agents[i].deadlines[timer] !== tmin) continue;
            const fired = this.fire(w, i, timer, tmin);
            out.push({
              label: `timer ${timer}@${i}`,
              world: early ? { ...fired, early: w.early + 1 } : fired,
            });
          }
        }
      }
    }
    return out;
  }

  private deliver(w: World, f: Flight, rest: readonly Flight[]): World {
    const payload: unknown = JSON.parse(f.json);
    const r = this.apply(w, f.to, { type: "receive", payload, peer: this.peers[f.to] });
    const agents: [AgentSnap, AgentSnap] = [w.agents[0], w.agents[1]];
    agents[f.to] = r.snap;
    const changed = r.snap.state !== w.agents[f.to].state;
    const accepted: [readonly string[], readonly string[]] = [w.accepted[0], w.accepted[1]];
    if (changed && intent(f) !== "register") accepted[f.to] = [...accepted[f.to], f.json];
    return { ...w, agents, net: [...rest, ...r.sent], accepted, depth: w.depth + 1 };
  }

  private fire(w: World, i: 0 | 1, timer: "retransmit" | "session", at: number): World {
    const gen = w.agents[i].state.timers[timer];
    const cleared: World = {
      ...w,
      now: at,
      agents: w.agents.map((a, j) =>
        j === i ? { ...a, deadlines: { ...a.deadlines, [timer]: null } } : a,
      ) as [AgentSnap, AgentSnap],
    };
    if (gen === null) return { ...cleared, depth: w.depth + 1 };
    const r = this.apply(cleared, i, { type: "timer", timer, gen });
    const agents: [AgentSnap, AgentSnap] = [cleared.agents[0], cleared.agents[1]];
    agents[i] = r.snap;
    return { ...cleared, agents, net: [...cleared.net, ...r.sent], depth: w.depth + 1 };
  }
}

function intent(f: Flight): string {
  const m = /"intent":"([a-z]+)"/.exec(f.json);
  return m?.[1] ?? "?";
}

/** JSON with bytes as hex and key pairs by their public key, for hashing. */
function stable(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => {
    if (v instanceof Uint8Array) return Buffer.from(v).toString("hex");
    if (v !== null && typeof v === "object" && "publicKeyB64" in v && "deriveSharedSecret" in v) {
      return `kx:${(v as { publicKeyB64: string }).publicKeyB64}`;
    }
    return v;
  });
}

/** Canonical hash of a world (history and depth excluded; the in-flight multiset sorted). */
export function worldHash(w: World): string {
  const net = w.net.map((f) => `${f.to}|${f.json}`).sort();
  return createHash("sha256")
    .update(stable({ now: w.now, agents: w.agents, net, drops: w.drops, dups: w.dups, early: w.early }))
    .digest("base64");
}

/** Structural state hash of one machine (for "state unchanged" checks). */
export function stateHash(st: MachineState): string {
  return createHash("sha256").update(stable(st)).digest("base64");
}
