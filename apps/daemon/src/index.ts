// Public API of @hsagent/daemon beside the `hsagentd` bin: start the daemon in-process, load its
// config, and render Prometheus metrics.

export {
  type DaemonConfig,
  DaemonConfigError,
  loadDaemonConfig,
  type ProtocolSettings,
  parseDaemonConfig,
} from "./config.js";
export { credentialsFromEnv, type Daemon, DaemonError, type DaemonOptions, startDaemon } from "./daemon.js";
export { type AgentSample, escapeLabel, HANDSHAKE_BUCKETS, Histogram, renderMetrics } from "./metrics.js";
