/**
 * @hsagent/protocol — HSAgent message schemas and the pure handshake state machines
 * (protocol v2 by default, legacy v1 opt-in). No I/O, clock or randomness except injected.
 * Exactly the names README.md documents; the steps, tables and helpers behind them are internal.
 */
export {
  checkRegisterCheap,
  createSignedRegister,
  type RegisterFault,
  type RegisterWindow,
  registerSignedBytes,
  verifyRegisterSignature,
} from "./bindings.js";
export { formatWireTimestamp, initialState, READY_STATE } from "./common.js";
export {
  type AppMessage,
  acceptsV1,
  DEFAULT_CONFIG,
  type ProtocolConfig,
  resolveConfig,
  speaksV2,
} from "./config.js";
export { isAgentId } from "./formats.js";
export {
  advertisesHybrid,
  KEY_AGREEMENT_CLASSIC,
  KEY_AGREEMENT_HYBRID,
  type KeyAgreement,
  offeredKeyAgreements,
} from "./hybrid.js";
export {
  LATE_COPIES_KEPT,
  LateCopies,
  type LateCopiesOptions,
  type LateCopy,
  lateCopyWindowMs,
} from "./late-copies.js";
export {
  createContext,
  createPeerSession,
  PeerSession,
  type PeerSessionOptions,
  roleFor,
  step,
} from "./machine.js";
export {
  type AddressingDrop,
  type CloseMsg,
  type ConcludeMsg,
  type ConfirmMsg,
  checkAddressing,
  createRegister,
  type FinishMsg,
  type HsBlob,
  INTENTS,
  type Intent,
  type Message,
  type ParseResult,
  parseMessage,
  type ReconnectMsg,
  type RegisterMsg,
  type RequestMsg,
  type RespondMsg,
  type Sec,
  type SecV1,
  type SecV2,
  shouldRespond,
} from "./messages.js";
export {
  isRejectReason,
  REJECTION_REASONS,
  type RejectionAudit,
  type RejectionReasonInfo,
  rejectionAudit,
} from "./reasons.js";
export type {
  AbortReason,
  AuditEvent,
  Effect,
  MachineContext,
  MachineEvent,
  MachineState,
  Milestone,
  OutboundPayload,
  PeerIdentity,
  Pending,
  ProtocolDeps,
  RejectReason,
  Role,
  SelfIdentity,
  Session,
  SessionKeys,
  SessionRecord,
  StateName,
  TimerName,
  Transition,
} from "./types.js";
