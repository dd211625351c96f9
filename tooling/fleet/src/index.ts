/**
 * @hsagent/fleet — scale, soak and fault tooling for hsagent: agent-host worker processes driven
 * over IPC, restartable infrastructure processes and a fault proxy, the statistics, the SVG chart
 * and the BENCHMARKS.md renderer. The scripts (fleet-bench, soak, write-docs) use these.
 */
export {
  type CapacityOptions,
  type CapacityPoint,
  measureCapacity,
  measureRetrying,
  measureTransports,
  type StartedTransport,
  TRANSPORTS,
  type TransportName,
  type TransportPoint,
  type TransportsOptions,
} from "./capacity.js";
export { type CapacityResults, renderCapacity, renderTransports } from "./capacity-report.js";
export { renderChart } from "./chart.js";
export {
  AgentHost,
  type ClosedRecord,
  FleetError,
  type FleetOptions,
  type HostStartOptions,
  partition,
  type StartedFleet,
  startFleet,
} from "./fleet.js";
export { type FaultProxy, InfraProcess, type ProxyMode, startFaultProxy } from "./infra.js";
export { machineInfo } from "./machine.js";
export { type MeasuredWindow, measureWindow, summarize, type WindowSummary } from "./measure.js";
export type * from "./messages.js";
export { BENCHMARKS_MD, REPO_ROOT, RESULTS_DIR } from "./paths.js";
export { ORIGINAL, renderBenchmarks } from "./report.js";
export type * from "./results.js";
export { pairKey, pct, round, sessionsPerPair, sumCounts } from "./stats.js";
export {
  DEFAULT_PG_URL,
  dropSchema,
  ensureAccount,
  pgReachable,
  randomName,
  startWorld,
  type World,
} from "./world.js";
export { writeDocs } from "./write-docs.js";
