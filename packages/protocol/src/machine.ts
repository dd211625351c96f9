/**
 * `step(ctx, state, event) → {state, effects}`: the single entry point of the pure machines, and
 * `PeerSession`, a small holder of one (self, peer) machine for runtimes. Inbound payloads go
 * through, in order: the duplicate rule (before any other validation, §4), the validator (§3),
 * addressing, the pending nonce check, and finally the table row for `(state, intent)`.
 */
import { initialState, reject, tryCanonical } from "./common.js";
import { type ProtocolConfig, resolveConfig } from "./config.js";
import { checkAddressing, INTENTS, type Intent, parseMessage, shouldRespond } from "./messages.js";
import { findRow } from "./table.js";
import type {
  Effect,
  MachineContext,
  MachineEvent,
  MachineState,
  ProtocolDeps,
  Role,
  SelfIdentity,
  Transition,
} from "./types.js";

function intentOf(payload: unknown): Intent | null {
  if (typeof payload !== "object" || payload === null) return null;
  const intent = (payload as Record<string, unknown>).intent;
  return INTENTS.find((i) => i === intent) ?? null;
}

function onReceive(
  ctx: MachineContext,
  st: MachineState,
  payload: unknown,
  event: MachineEvent & { type: "receive" },
): Transition {
  // Duplicate of the last accepted message: answer with our last reply again, change nothing.
  // Checked before anything else: re-verifying it would flag its nonce as a replay.
  const s = st.session;
  if (
    s !== null &&
    st.pending === null &&
    s.lastAccepted !== null &&
    tryCanonical(payload) === s.lastAccepted
  ) {
    return { state: st, effects: [{ type: "send", payload: s.lastSent }] };
  }
  const parsed = parseMessage(payload);
  if (!parsed.ok) return reject(st, "malformed", intentOf(payload), parsed.detail);
  const msg = parsed.msg;
  if (event.peer.agentId !== ctx.peerId) return reject(st, "misaddressed", msg.intent);
  const drop = checkAddressing(msg, ctx.self.agentId, ctx.peerId);
  if (drop !== null) return reject(st, "misaddressed", msg.intent, drop === "broadcast" ? "to" : undefined);
  if (msg.intent === "reconnect") return { state: st, effects: [] };
  if (st.pending !== null) return reject(st, "busy", msg.intent);
  const row = findRow(ctx.role, st.name, msg.intent);
  if (row === undefined) return reject(st, "unexpected", msg.intent);
  return row.run(ctx, st, { msg, raw: payload as Record<string, unknown>, peer: event.peer, reason: "" });
}

/**
 * One pure step of a (self, peer) machine. Never throws for any event content; returns the same
 * state object when nothing changed. Contract with the runtime: after a `checkNonce` effect, feed
 * the matching `nonce-checked` before any other event of this peer (messages meanwhile are
 * rejected as `busy`, timers are held back: see below). A v2 check's `early` answer may be sent
 * before that (see the `checkNonce` effect).
 */
export function step(ctx: MachineContext, st: MachineState, event: MachineEvent): Transition {
  switch (event.type) {
    case "receive":
      return onReceive(ctx, st, event.payload, event);
    case "nonce-checked": {
      const p = st.pending;
      if (p === null || p.nonce !== event.nonce) return { state: st, effects: [] };
      if (event.fresh) return { state: p.next, effects: p.effects };
      const restored: MachineState = { ...st, pending: null };
      return { state: restored, effects: [{ type: "rejected", reason: "replay", intent: p.intent }] };
    }
    case "timer": {
      if (st.timers[event.timer] !== event.gen) return { state: st, effects: [] }; // stale or cancelled
      if (st.pending !== null) {
        // Serialized lanes make this impossible; if it happens, drop the parked handshake first.
        st = { ...st, pending: null };
      }
      const fired: MachineState = { ...st, timers: { ...st.timers, [event.timer]: null } };
      const row = findRow(
        ctx.role,
        st.name,
        event.timer === "retransmit" ? "timer:retransmit" : "timer:session",
      );
      if (row === undefined) return { state: fired, effects: [] };
      return row.run(ctx, fired, { msg: undefined as never, raw: {}, peer: undefined as never, reason: "" });
    }
    case "start": {
      const row = findRow(ctx.role, st.name, "start");
      if (row === undefined || st.pending !== null) return { state: st, effects: [] };
      return row.run(ctx, st, { msg: undefined as never, raw: {}, peer: undefined as never, reason: "" });
    }
    case "abort": {
      const row = findRow(ctx.role, st.name, "abort");
      if (row === undefined) return { state: st.pending ? { ...st, pending: null } : st, effects: [] };
      return row.run(
        ctx,
        { ...st, pending: null },
        { msg: undefined as never, raw: {}, peer: undefined as never, reason: event.reason },
      );
    }
    default:
      return { state: st, effects: [] };
  }
}

/** Options of {@link createPeerSession}. */
export interface PeerSessionOptions {
  /** Our identity. */
  self: SelfIdentity;
  /** The peer's agentId. */
  peerId: string;
  /** Settings (defaults of §9 for anything not given). */
  config?: Partial<ProtocolConfig>;
  /** Clock and randomness. */
  deps: ProtocolDeps;
}

/** The role `selfId` plays toward `peerId`: responder iff `selfId > peerId` (§4). */
export function roleFor(selfId: string, peerId: string): Role {
  return shouldRespond(selfId, peerId) ? "responder" : "initiator";
}

/** Build the context of a (self, peer) machine. */
export function createContext(options: PeerSessionOptions): MachineContext {
  if (options.self.agentId === options.peerId)
    throw new RangeError("a peer session needs two different agents");
  return {
    self: options.self,
    peerId: options.peerId,
    role: roleFor(options.self.agentId, options.peerId),
    config: resolveConfig(options.config),
    deps: options.deps,
  };
}

/**
 * One machine per (self, peer) pair: holds the role (fixed by the ids) and the current state, and
 * applies events with {@link step}. Use `state` for inspection; it is an immutable snapshot.
 */
export class PeerSession {
  /** The machine context (identity, peer, role, config, deps). */
  readonly ctx: MachineContext;
  /** Current state snapshot. */
  state: MachineState;

  constructor(options: PeerSessionOptions) {
    this.ctx = createContext(options);
    this.state = initialState(this.ctx.role);
  }

  /** Our role toward the peer. */
  get role(): Role {
    return this.ctx.role;
  }

  /** Apply one event; returns the effects to carry out, in order. */
  handle(event: MachineEvent): readonly Effect[] {
    const t = step(this.ctx, this.state, event);
    this.state = t.state;
    return t.effects;
  }
}

/** Create a {@link PeerSession}. */
export function createPeerSession(options: PeerSessionOptions): PeerSession {
  return new PeerSession(options);
}
