// Public API of @hsagent/daemon beside the `hsagentd` bin: start the daemon in-process, load its
// config, and its Prometheus metrics (prom-client).

export {
  type DaemonConfig,
  DaemonConfigError,
  loadDaemonConfig,
  type ProtocolSettings,
  parseDaemonConfig,
} from "./config.js";
export { credentialsFromEnv, type Daemon, DaemonError, type DaemonOptions, startDaemon } from "./daemon.js";
export { type AgentSample, DaemonMetrics, HANDSHAKE_BUCKETS } from "./metrics.js";
export type { WebSettings } from "./web-config.js";
