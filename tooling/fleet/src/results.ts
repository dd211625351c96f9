/**
 * Shapes of the files the bench and soak scripts write (`bench/results/latest.json`,
 * `bench/results/soak.json`), read back by the docs generator.
 */

/** The machine a run was measured on (from the os module). */
export interface MachineInfo {
  nproc: number;
  cpuModel: string;
  memoryGiB: number;
  node: string;
  platform: string;
}

/** Which database the substrate server used. */
export type Backend = "sqlite" | "postgres";

/** One measured point: N agents on one backend for a bounded time. */
export interface BenchPoint {
  backend: Backend;
  agents: number;
  /** Worker processes hosting the agents. */
  procs: number;
  durationS: number;
  /** Sessions closed cleanly (counted once, on the initiator). */
  sessions: number;
  sessionsPerSec: number;
  handshakeP50Ms: number | null;
  handshakeP99Ms: number | null;
  sessionP50Ms: number | null;
  sessionP99Ms: number | null;
  /** Substrate HTTP requests of all agents in the window / sessions. */
  substrateCallsPerSession: number | null;
  /** Pairs that completed at least one session / all pairs. */
  pairsActive: number;
  pairs: number;
  aborted: Record<string, number>;
  rejections: Record<string, number>;
  stuck: number;
  /** Substrate requests/s of all agents during the window. */
  substrateRequestsPerSec: number;
}

/** The bench output (`bench/results/latest.json`). */
export interface BenchResults {
  generatedAt: string;
  machine: MachineInfo;
  method: {
    durationS: number;
    agentCounts: number[];
    procsRule: string;
    agentConfig: Record<string, number>;
    substrate: string;
    relay: string;
  };
  /** Substrate requests per second of one agent alone (no peers), per backend. */
  idleRequestsPerSec: Partial<Record<Backend, number>>;
  points: BenchPoint[];
  /** Backends that were skipped, with why. */
  skipped: Partial<Record<Backend, string>>;
}

/** The soak output (`bench/results/soak.json`). */
export interface SoakResults {
  generatedAt: string;
  machine: MachineInfo;
  agents: number;
  procs: number;
  minutes: number;
  backend: Backend;
  agentConfig: Record<string, number>;
  sessions: number;
  sessionsPerPair: { min: number; max: number; pairs: number };
  /** Sessions in a non-ready state longer than sessionTimeoutMs + grace, during the run. */
  stuckSessions: number;
  /** Stuck sessions by the state they were stuck in. */
  stuckStates: Record<string, number>;
  /** HandshakeSessionState objects left in the substrate after stop. */
  sessionsLeftAfterStop: number;
  longestActiveMs: number;
  /** RSS per agent process: at ready, after the warm-up (baseline), at the end; growth = end − baseline. */
  rssMiB: { ready: number[]; warmupS: number; start: number[]; end: number[]; maxGrowthPerAgent: number };
  rejections: Record<string, number>;
  aborted: Record<string, number>;
  crashedProcesses: number;
  /** Hosts that did not report back from a graceful stop in time. */
  stopFailures?: number;
  audit: { chains: number; valid: number; pendingAfterStop: number };
  handshakeP50Ms: number | null;
  handshakeP99Ms: number | null;
  ok: boolean;
}
