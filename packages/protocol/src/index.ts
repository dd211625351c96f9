/**
 * @hsagent/protocol — HSAgent message schemas and the pure handshake state machines
 * (protocol v2 by default, legacy v1 opt-in). No I/O, clock or randomness except injected.
 */
export {
  bindFieldsOf,
  CONFIRM_BIND_LABEL,
  type ConfirmBindFields,
  checkRegisterCheap,
  confirmBindBytes,
  createSignedRegister,
  REGISTER_LABEL,
  type RegisterFault,
  type RegisterWindow,
  registerSignedBytes,
  signConfirmBind,
  verifyConfirmBind,
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
export type { Inbound } from "./consume.js";
export {
  isAgentId,
  isKeyB64,
  isNonce,
  isRef,
  isSid,
  isSigB64,
  isTimestamp,
} from "./formats.js";
export {
  advertisesHybrid,
  KEY_AGREEMENT_CLASSIC,
  KEY_AGREEMENT_HYBRID,
  type KeyAgreement,
  offeredKeyAgreements,
} from "./hybrid.js";
export { consumeConfirm, consumeFinish, consumeRespond } from "./initiator.js";
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
  type RouteResult,
  routeInbound,
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
  renderReasonTable,
} from "./reasons.js";
export {
  consumeClose,
  consumeConclude,
  consumeFirstRequest,
  consumeRequest,
  createConfirm,
} from "./responder.js";
export {
  type EventKey,
  findRow,
  INITIATOR_TABLE,
  RESPONDER_TABLE,
  type Row,
  renderTables,
  TRANSITIONS,
} from "./table.js";
export type {
  AbortReason,
  AuditEvent,
  Effect,
  InitiatorState,
  MachineContext,
  MachineEvent,
  MachineState,
  Milestone,
  OutboundPayload,
  PeerIdentity,
  Pending,
  ProtocolDeps,
  RejectReason,
  ResponderState,
  Role,
  SelfIdentity,
  Session,
  SessionKeys,
  SessionRecord,
  StateName,
  TimerName,
  Transition,
} from "./types.js";
export { decideVersion } from "./version.js";
