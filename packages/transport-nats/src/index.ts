// Public API of @hsagent/transport-nats: the NATS transport, its subject layout, and the
// parsing of `nats://` settings and NATS credentials.

export { authenticatorFor } from "./auth.js";
export {
  type DecodedNatsPayload,
  decodeNatsPayload,
  encodeNatsPayload,
  type NatsDropReason,
} from "./codec.js";
export { type OpenNatsOptions, openNatsTransport } from "./open.js";
export {
  isNatsUrl,
  type NatsAuth,
  type NatsServers,
  natsAuthFromEnv,
  natsCaFileFromEnv,
  parseNatsServers,
} from "./settings.js";
export {
  DEFAULT_SUBJECT_PREFIX,
  decodeToken,
  discoveryPrefix,
  encodeToken,
  type TenantSubjects,
  tenantSubjects,
} from "./subjects.js";
export { NatsTransport, type NatsTransportOptions, type NatsTransportStats } from "./transport.js";
