/**
 * Small statistics over fleet reports: nearest-rank percentiles and the merge of every agent's
 * window into one measurement point.
 */
import type { AgentWindow } from "./messages.js";

/** Nearest-rank percentile (p in 0..100) of unsorted samples; null when empty. */
export function pct(samples: readonly number[], p: number): number | null {
  if (samples.length === 0) return null;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1] ?? null;
}

/** Sessions per unordered pair of agents, from the initiators' counts. */
export function sessionsPerPair(agents: readonly AgentWindow[]): Map<string, number> {
  const pairs = new Map<string, number>();
  const ids = agents.map((a) => a.agentId);
  for (let i = 0; i < ids.length; i++)
    for (let j = i + 1; j < ids.length; j++) pairs.set(pairKey(ids[i]!, ids[j]!), 0);
  for (const a of agents)
    for (const [peer, n] of Object.entries(a.closedAsInitiator)) {
      const key = pairKey(a.agentId, peer);
      pairs.set(key, (pairs.get(key) ?? 0) + n);
    }
  return pairs;
}

/** Order-independent key of a pair of agentIds. */
export function pairKey(a: string, b: string): string {
  return a < b ? `${a}|${b}` : `${b}|${a}`;
}

/** Add up per-reason counters. */
export function sumCounts(records: readonly Record<string, number>[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of records) for (const [k, v] of Object.entries(r)) out[k] = (out[k] ?? 0) + v;
  return out;
}

/** Round to `digits` decimals (null stays null). */
export function round(value: number | null, digits = 1): number | null {
  if (value === null || !Number.isFinite(value)) return null;
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}
