/**
 * Building blocks shared by both machines: rejections, timers, sends, session end (purge) and
 * the persisted record. Every helper returns new state objects; nothing here mutates its input
 * state, which is what makes "a rejected message cannot change state" hold by construction.
 */
import { b64encode, canonicalJson, hexEncode } from "@hsagent/crypto";
import type { Intent } from "./messages.js";
import type {
  Effect,
  MachineContext,
  MachineState,
  Milestone,
  OutboundPayload,
  RejectReason,
  Role,
  Session,
  SessionRecord,
  StateName,
  TimerName,
  Transition,
} from "./types.js";

/** The ready state of each role. */
export const READY_STATE: Readonly<Record<Role, StateName>> = {
  initiator: "init_ready",
  responder: "resp_ready",
};

/** A fresh machine in its ready state. */
export function initialState(role: Role, timerGen = 0): MachineState {
  return {
    name: READY_STATE[role],
    session: null,
    pending: null,
    timers: { retransmit: null, session: null },
    timerGen,
  };
}

/** A rejection: same state object, one `rejected` effect. */
export function reject(
  st: MachineState,
  reason: RejectReason,
  intent: Intent | null,
  detail?: string,
): Transition {
  return {
    state: st,
    effects: [
      detail === undefined
        ? { type: "rejected", reason, intent }
        : { type: "rejected", reason, intent, detail },
    ],
  };
}

/** No change, no effects (ignored input such as `reconnect`). */
export function ignore(st: MachineState): Transition {
  return { state: st, effects: [] };
}

/** Canonical JSON of an untrusted payload, or null when it has no canonical form (floats, cycles...). */
export function tryCanonical(payload: unknown): string | null {
  try {
    return canonicalJson(payload);
  } catch {
    return null;
  }
}

/** A fresh 32-hex nonce from the injected randomness. */
export function freshNonce(ctx: MachineContext): string {
  return hexEncode(ctx.deps.randomBytes(16));
}

/** A fresh ref: 16 characters of base64url (12 random bytes), within `[A-Za-z0-9_-]{1,32}`. */
export function freshRef(ctx: MachineContext): string {
  return b64encode(ctx.deps.randomBytes(12)).replaceAll("+", "-").replaceAll("/", "_");
}

/**
 * The injected clock as a wire timestamp with milliseconds (`…T12:00:00.123+00:00`). Peers keep
 * the last accepted one as a replay high-water mark (PROTOCOL.md §8), so a runtime must inject a
 * clock that never repeats a millisecond (the agent does).
 */
export function nowTimestamp(ctx: MachineContext): string {
  return formatWireTimestamp(ctx.deps.now());
}

/** 10000-01-01T00:00:00Z: from here on `toISOString` writes a six-digit year. */
const MAX_WIRE_MS = 253_402_300_800_000;
let lastSecond = -1;
let lastSecondText = "";

/**
 * A moment (ms since the epoch) as a wire timestamp with milliseconds (`…T12:00:00.123+00:00`);
 * a whole second keeps the classic form (HSAgent_2's, byte for byte). Peers read either. Used for
 * handshake blobs and signed registers, whose timestamps peers keep as high-water marks.
 */
export function formatWireTimestamp(ms: number): string {
  // Fast path for whole ms in years 1970..9999: the `YYYY-MM-DDTHH:MM:SS` of the last second
  // formatted is kept, so most calls only append the milliseconds.
  if (Number.isSafeInteger(ms) && ms >= 0 && ms < MAX_WIRE_MS) {
    const frac = ms % 1000;
    const second = ms - frac;
    if (second !== lastSecond) {
      lastSecondText = new Date(second).toISOString().slice(0, 19);
      lastSecond = second;
    }
    if (frac === 0) return lastSecondText + "+00:00";
    return lastSecondText + (frac < 10 ? ".00" : frac < 100 ? ".0" : ".") + frac + "+00:00";
  }
  return formatWireTimestampSlow(ms);
}

/** @internal {@link formatWireTimestamp} without its cache (any `ms` a Date accepts). */
export function formatWireTimestampSlow(ms: number): string {
  const iso = new Date(ms).toISOString();
  return ms % 1000 === 0 ? iso.replace(".000Z", "+00:00") : iso.replace("Z", "+00:00");
}

/** Arm `timer` with a new generation (after `ms`, default: the timer's configured period). */
export function armTimer(
  ctx: MachineContext,
  st: MachineState,
  timer: TimerName,
  effects: Effect[],
  ms: number = timer === "retransmit" ? ctx.config.retransmitMs : ctx.config.sessionTimeoutMs,
): MachineState {
  const gen = st.timerGen + 1;
  effects.push({ type: "armTimer", timer, ms, gen });
  return { ...st, timerGen: gen, timers: { ...st.timers, [timer]: gen } };
}

/** The metadata `persist` writes (no secrets). */
export function sessionRecord(ctx: MachineContext, name: StateName, session: Session | null): SessionRecord {
  return {
    selfId: ctx.self.agentId,
    peerId: ctx.peerId,
    role: ctx.role,
    state: name,
    version: session ? session.version : null,
    sid: session?.sid ?? null,
    keyAgreement: session?.keyAgreement ?? null,
    startedAt: session ? session.startedAt : null,
    updatedAt: ctx.deps.now(),
  };
}

/** Push a `persist` effect for `milestone`. */
export function persist(
  ctx: MachineContext,
  milestone: Milestone,
  name: StateName,
  session: Session | null,
  effects: Effect[],
): void {
  effects.push({ type: "persist", milestone, record: sessionRecord(ctx, name, session) });
}

/**
 * Send a NEW message: it becomes `lastSent`, the retransmit count restarts and the retransmit
 * timer is re-armed. Moves the machine to `name` with `session`.
 */
export function sendNew(
  ctx: MachineContext,
  st: MachineState,
  name: StateName,
  session: Session,
  payload: OutboundPayload,
  effects: Effect[],
): MachineState {
  effects.push({ type: "send", payload });
  const next: MachineState = { ...st, name, session: { ...session, lastSent: payload, retransmits: 0 } };
  return armTimer(ctx, next, "retransmit", effects);
}

/**
 * End the session (clean close or abort): cancel timers, persist `ended`, audit, purge every
 * nonce/ref/key, report `closed` or `aborted`, and return to the role's ready state.
 */
export function endSession(
  ctx: MachineContext,
  st: MachineState,
  outcome: { closed: true } | { closed: false; reason: string },
  effects: Effect[],
): MachineState {
  for (const timer of ["retransmit", "session"] as const) {
    if (st.timers[timer] !== null) effects.push({ type: "cancelTimer", timer });
  }
  const ready = READY_STATE[ctx.role];
  const sid = st.session?.sid ?? null;
  persist(ctx, "ended", ready, st.session, effects);
  if (outcome.closed) {
    effects.push({ type: "audit", event: { type: "SESSION_CLOSED", peer: ctx.peerId, sid } });
  } else {
    effects.push({
      type: "audit",
      event: { type: "SESSION_ABORTED", peer: ctx.peerId, reason: outcome.reason, state: st.name },
    });
  }
  effects.push({ type: "purge" });
  effects.push(outcome.closed ? { type: "closed", sid } : { type: "aborted", reason: outcome.reason });
  return initialState(ctx.role, st.timerGen);
}
