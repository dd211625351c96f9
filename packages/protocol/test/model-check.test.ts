/**
 * Exhaustive bounded model check of the two pure machines (see model.ts for the world and the
 * network model). Real crypto, fixed identities, deterministic randomness and clock.
 *
 * Invariants, checked on every explored world:
 *  - roles never mix and a machine holds a session exactly when it is not in `*_ready`
 *    (at most one session per pair);
 *  - when both sides are established they hold the same sid and keys, agreed with the hybrid
 *    X25519+ML-KEM-768 in v2 (both advertise it) and X25519 in v1;
 *  - no machine stays outside `*_ready` longer than sessionTimeoutMs;
 *  - invalid input (tampered ciphertext/seq/signature/timestamp/echo, stripped `sec`, forged
 *    third-party sender, tampered or stripped hybrid KEM fields) never changes state (sampled per state pair, intent and mutation);
 *  - replaying any message an agent accepted before never changes its state (sampled);
 *  - terminal worlds (nothing in flight, no timer armed): both machines ready; without loss
 *    every session closed cleanly and none aborted.
 */
import { canonicalJson } from "@hsagent/crypto";
import { describe, expect, it } from "vitest";
import type { ProtocolConfig } from "../src/index.js";
import { alice, bob, MALLORY_ID } from "./helpers.js";
import { type Bounds, Pair, stateHash, type World, worldHash } from "./model.js";

interface Stats {
  states: number;
  transitions: number;
  terminals: number;
  frontier: number;
  maxDepth: number;
  mutantsChecked: number;
  replaysChecked: number;
  completedSessions: number;
  abortedSessions: number;
  violations: string[];
}

type Payload = Record<string, unknown>;

function flipFirst(s: string): string {
  return (s[0] === "A" ? "B" : "A") + s.slice(1);
}

/** Tampered/forged variants of an in-flight payload; none of them may change the receiver's state. */
function mutants(p: Payload): [string, Payload][] {
  const out: [string, Payload][] = [["third-party", { ...p, from: MALLORY_ID }]];
  if (p.intent === "register") return out;
  const sec = p.sec as Payload | undefined;
  if (sec && typeof sec.ct === "string") {
    out.push(["tamper-ct", { ...p, sec: { ...sec, ct: flipFirst(sec.ct) } }]);
    out.push(["seq+1", { ...p, sec: { ...sec, seq: (sec.seq as number) + 1 } }]);
  }
  if (sec) out.push(["strip-sec", Object.fromEntries(Object.entries(p).filter(([k]) => k !== "sec"))]);
  if (typeof p.your_nonce === "string") {
    out.push([
      "echo",
      { ...p, your_nonce: p.your_nonce.slice(0, -1) + (p.your_nonce.endsWith("0") ? "1" : "0") },
    ]);
  }
  if (typeof p.your_ref === "string") out.push(["echo-ref", { ...p, your_ref: `${p.your_ref}x` }]);
  const hs = p.hs as Payload | undefined;
  if (hs) {
    out.push(["hs-sig", { ...p, hs: { ...hs, sig: flipFirst(hs.sig as string) } }]);
    out.push([
      "hs-ts",
      { ...p, hs: { ...hs, timestamp: (hs.timestamp as string).replace(/:(\d)(\d)(\.\d+)?\+/, ":$1$2.5+") } },
    ]);
    out.push(["hs-kx", { ...p, hs: { ...hs, kx_pub: flipFirst(hs.kx_pub as string) } }]);
  }
  if (typeof p.fin === "string") out.push(["fin", { ...p, fin: flipFirst(p.fin) }]);
  // Hybrid key agreement: tampered or stripped KEM fields.
  const strip = (...keys: string[]) =>
    Object.fromEntries(Object.entries(p).filter(([k]) => !keys.includes(k)));
  if (typeof p.kem_pub === "string") {
    out.push(["kem-pub", { ...p, kem_pub: flipFirst(p.kem_pub) }]);
    out.push(["strip-kem-pub", strip("kem_pub", "ka", "kem_sig")]);
    out.push(["kem-sig", { ...p, kem_sig: flipFirst(p.kem_sig as string) }]);
  }
  if (typeof p.kem_ct === "string") {
    out.push(["kem-ct", { ...p, kem_ct: flipFirst(p.kem_ct) }]);
    out.push(["strip-kem-ct", strip("kem_ct", "ka")]);
  }
  if (Array.isArray(p.ka)) out.push(["ka", { ...p, ka: ["x25519"] }]);
  return out;
}

function explore(c: Case): Stats {
  const { bounds, lossless } = c;
  const pair = new Pair([alice, bob], c.config, c.configB ?? c.config, c.protocols);
  const timeout = pair.ctx[0].config.sessionTimeoutMs;
  const stats: Stats = {
    states: 0,
    transitions: 0,
    terminals: 0,
    frontier: 0,
    maxDepth: 0,
    mutantsChecked: 0,
    replaysChecked: 0,
    completedSessions: 0,
    abortedSessions: 0,
    violations: [],
  };
  const parent = new Map<string, { from: string | null; label: string }>();
  const sampled = new Map<string, number>();
  const sample = (key: string, limit: number): boolean => {
    const n = sampled.get(key) ?? 0;
    if (n >= limit) return false;
    sampled.set(key, n + 1);
    return true;
  };
  const trace = (h: string): string => {
    const labels: string[] = [];
    for (let cur: string | null = h; cur !== null; ) {
      const p = parent.get(cur);
      if (!p) break;
      labels.push(p.label);
      cur = p.from;
    }
    return labels.reverse().join(" ; ");
  };
  const violate = (h: string, what: string) => {
    if (stats.violations.length < 5) stats.violations.push(`${what}\n  trace: ${trace(h)}`);
  };

  const check = (w: World, h: string) => {
    const [a, b] = w.agents;
    for (const [i, x] of [a, b].entries()) {
      const prefix = i === 0 ? "init_" : "resp_";
      if (!x.state.name.startsWith(prefix)) violate(h, `agent ${i} in foreign state ${x.state.name}`);
      const ready = x.state.name.endsWith("_ready");
      if (ready !== (x.state.session === null))
        violate(h, `agent ${i}: session/ready mismatch in ${x.state.name}`);
      const s = x.state.session;
      if (s !== null && w.now - s.startedAt > timeout)
        violate(h, `agent ${i} outside ready beyond sessionTimeoutMs`);
      const ka = c.version === 1 ? "x25519" : "x25519+mlkem768";
      if (s?.established && s.keyAgreement !== ka) {
        violate(h, `agent ${i} established with ${s.keyAgreement}, expected ${ka}`);
      }
      if (c.version !== undefined && s?.established && s.version !== c.version) {
        violate(h, `agent ${i} established v${s.version}, expected v${c.version}`);
      }
    }
    const sa = a.state.session;
    const sb = b.state.session;
    if (sa?.established && sb?.established) {
      const same =
        sa.sid === sb.sid &&
        sa.keys !== null &&
        sb.keys !== null &&
        Buffer.from(sa.keys.i2r).equals(Buffer.from(sb.keys.i2r)) &&
        Buffer.from(sa.keys.r2i).equals(Buffer.from(sb.keys.r2i));
      if (!same) violate(h, "both established with different sid/keys");
    }
    // Invalid input never changes state.
    for (const f of w.net) {
      const target = w.agents[f.to];
      const p = JSON.parse(f.json) as Payload;
      for (const [name, m] of mutants(p)) {
        if (!sample(`${a.state.name}|${b.state.name}|${f.to}|${p.intent}|${name}`, 8)) continue;
        stats.mutantsChecked++;
        const r = pair.apply(w, f.to, { type: "receive", payload: m, peer: pair.peers[f.to] });
        const rejected = r.effects.length === 1 && r.effects[0]?.type === "rejected";
        if (r.snap.state !== target.state || r.snap.nonces !== target.nonces || !rejected) {
          violate(
            h,
            `mutant ${name} of ${p.intent} changed agent ${f.to} (${canonicalJson(r.effects.map((e) => e.type))})`,
          );
        }
      }
    }
    // Replayed input never changes state.
    for (const i of [0, 1] as const) {
      const target = w.agents[i];
      w.accepted[i].forEach((json, idx) => {
        if (!sample(`replay|${i}|${target.state.name}|${idx}`, 2)) return;
        stats.replaysChecked++;
        const r = pair.apply(w, i, { type: "receive", payload: JSON.parse(json), peer: pair.peers[i] });
        const okEffects = r.effects.every(
          (e) => e.type === "rejected" || e.type === "send" || e.type === "checkNonce",
        );
        if (stateHash(r.snap.state) !== stateHash(target.state) || !okEffects) {
          violate(h, `replay #${idx} changed agent ${i} in ${target.state.name}`);
        }
      });
    }
  };

  const start = pair.initial();
  const h0 = worldHash(start);
  parent.set(h0, { from: null, label: "start" });
  let layer: [World, string][] = [[start, h0]];
  const visited = new Set<string>([h0]);
  check(start, h0);
  stats.states = 1;
  while (layer.length > 0) {
    const next: [World, string][] = [];
    for (const [w, h] of layer) {
      stats.maxDepth = Math.max(stats.maxDepth, w.depth);
      if (w.depth >= bounds.maxDepth) {
        stats.frontier++;
        continue;
      }
      const succ = pair.successors(w, bounds);
      if (succ.length === 0) {
        stats.terminals++;
        const [a, b] = w.agents;
        stats.completedSessions += a.closed;
        stats.abortedSessions += a.aborted + b.aborted;
        const idle = w.agents.every(
          (x) =>
            x.state.session === null &&
            x.state.pending === null &&
            x.deadlines.retransmit === null &&
            x.deadlines.session === null,
        );
        if (!idle) violate(h, `terminal world not idle: ${a.state.name}/${b.state.name}`);
        if (lossless && (a.aborted > 0 || b.aborted > 0 || a.closed === 0 || a.closed !== b.closed)) {
          violate(h, `lossless terminal: closed ${a.closed}/${b.closed}, aborted ${a.aborted}/${b.aborted}`);
        }
        continue;
      }
      for (const { label, world } of succ) {
        stats.transitions++;
        const hw = worldHash(world);
        if (visited.has(hw)) continue;
        visited.add(hw);
        parent.set(hw, { from: h, label });
        stats.states++;
        check(world, hw);
        if (stats.states > bounds.maxStates) throw new Error(`state budget exceeded at depth ${world.depth}`);
        next.push([world, hw]);
      }
    }
    layer = next;
  }
  return stats;
}

interface Case {
  name: string;
  config: Partial<ProtocolConfig>;
  /** Bob's config when it differs from Alice's. */
  configB?: Partial<ProtocolConfig>;
  /** Protocols Alice's and Bob's identities advertise. */
  protocols?: [number[], number[]];
  bounds: Bounds;
  lossless: boolean;
  /** Expected session version. */
  version?: 1 | 2;
}

const CASES: Case[] = [
  {
    name: "lossless, defaults (4 rounds), 3 duplicates",
    config: {},
    bounds: { maxDrops: 0, maxDups: 3, maxDepth: 120, maxStates: 400_000 },
    lossless: true,
  },
  {
    name: "lossy, defaults, 3 drops + 1 duplicate",
    config: {},
    bounds: { maxDrops: 3, maxDups: 1, maxDepth: 160, maxStates: 400_000 },
    lossless: false,
  },
  {
    name: "lossy, 2 rounds, maxRetransmits 1, FINAL_LIMIT 2, 4 drops + 2 duplicates",
    config: { exchangeLimit: 1, maxRetransmits: 1, finalLimit: 2 },
    bounds: { maxDrops: 4, maxDups: 2, maxDepth: 160, maxStates: 400_000 },
    lossless: false,
  },
  {
    name: "slow network: 2 timer fires while messages are in flight (late deliveries), 2 rounds, 1 drop",
    config: { exchangeLimit: 1, maxRetransmits: 2, finalLimit: 2 },
    bounds: { maxDrops: 1, maxDups: 0, maxDepth: 160, maxStates: 400_000, maxEarlyFires: 2 },
    lossless: false,
  },
  {
    name: "legacy: v2 Alice (allowLegacy) ↔ v1-only Bob, 2 rounds, 2 drops + 1 duplicate",
    config: { exchangeLimit: 1, allowLegacy: true },
    configB: { exchangeLimit: 1, protocolVersions: [1], allowLegacy: true },
    protocols: [[2, 1], [1]],
    bounds: { maxDrops: 2, maxDups: 1, maxDepth: 160, maxStates: 400_000 },
    lossless: false,
    version: 1,
  },
];

describe("model check: two machines, adversarial network", () => {
  for (const c of CASES) {
    it(c.name, () => {
      const t = performance.now();
      const stats = explore(c);
      console.log(
        `model-check [${c.name}]`,
        JSON.stringify({ ...stats, ms: Math.round(performance.now() - t) }),
      );
      expect(stats.violations).toEqual([]);
      expect(stats.frontier).toBe(0);
      expect(stats.terminals).toBeGreaterThan(0);
      expect(stats.completedSessions).toBeGreaterThan(0);
      // Aborts need maxRetransmits+1 losses of one message: reachable with the small config.
      if (c.config.maxRetransmits === 1) expect(stats.abortedSessions).toBeGreaterThan(0);
    }, 120_000);
  }
});
