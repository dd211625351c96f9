// Public API of @hsagent/fleet-view: the model fed by agent events, the mountable HTTP/SSE
// handler with its bundled page, a stand-alone server, token loading and health probes.

export { type Asset, loadAssets, pageWeight, WEB_DIR } from "./assets.js";
export { attachAgent, checkAudit, type FleetAgent } from "./attach.js";
export { FleetViewError, isLoopback, loadToken, MIN_TOKEN_LENGTH, PageAuth } from "./auth.js";
export { createFleetView, type FleetView, type FleetViewOptions } from "./handler.js";
export { type FleetHost, type FleetHostOptions, startFleetHost } from "./host.js";
export { type LatencyPoint, LatencyWindow, percentileOf } from "./latency-window.js";
export { FleetModel } from "./model.js";
export { probeHttp, probeTcp } from "./probes.js";
export {
  type FleetViewServer,
  type FleetViewServerOptions,
  parseListen,
  startFleetViewServer,
} from "./serve.js";
export type { AgentRow, AgentState, AuditResult, FleetSnapshot, HealthItem } from "./snapshot.js";
export { SseHub, type SseHubOptions } from "./sse.js";
