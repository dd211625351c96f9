/**
 * The transition tables: `(state, event) → (next states, step)` for both roles, in the order of
 * PROTOCOL.md §4 and with its names. `step()` dispatches through these rows only, and the README's
 * state tables are generated from them (`renderTables()`), so the documentation cannot drift.
 */
import { armTimer, endSession, ignore } from "./common.js";
import type { Inbound } from "./consume.js";
import { closeTick, consumeConfirm, consumeFinish, consumeRespond } from "./initiator.js";
import type { Message } from "./messages.js";
import {
  consumeClose,
  consumeConclude,
  consumeFirstRequest,
  consumeRequest,
  createConfirm,
} from "./responder.js";
import type { Effect, MachineContext, MachineState, Role, StateName, Transition } from "./types.js";

/** Event keys of the tables: a message intent, a timer, or an abort from the runtime. */
export type EventKey = Message["intent"] | "start" | "timer:retransmit" | "timer:session" | "abort";

/** What a row runs. Message rows get the inbound message; timer/abort rows get the reason. */
export type RowStep = (
  ctx: MachineContext,
  st: MachineState,
  input: Inbound<Message> & { reason: string },
) => Transition;

/** One row of a transition table. */
export interface Row {
  /** Role whose table this row belongs to. */
  readonly role: Role;
  /** State the row applies in. */
  readonly state: StateName;
  /** Triggering event. */
  readonly on: EventKey;
  /** States the step can lead to (rejections always stay in `state`). */
  readonly to: readonly StateName[];
  /** Name of the create/consume step (for the docs). */
  readonly step: string;
  /** What happens, one line (for the docs). */
  readonly effects: string;
  /** The implementation. */
  readonly run: RowStep;
}

/** Re-send the last message, or abort after `maxRetransmits` re-sends (§4). */
export function retransmit(ctx: MachineContext, st: MachineState): Transition {
  const s = st.session;
  if (s === null) return ignore(st);
  const effects: Effect[] = [];
  if (s.retransmits >= ctx.config.maxRetransmits) {
    return { state: endSession(ctx, st, { closed: false, reason: "max-retransmits" }, effects), effects };
  }
  effects.push({ type: "send", payload: s.lastSent });
  const counted: MachineState = { ...st, session: { ...s, retransmits: s.retransmits + 1 } };
  return {
    state: armTimer(ctx, counted, "retransmit", effects, retransmitDelayMs(ctx, s.retransmits + 1)),
    effects,
  };
}

/**
 * Wait before re-send number `sent + 1`: `retransmitMs` for the first, doubling after each
 * re-send (capped at `sessionTimeoutMs`). A fixed period turned an overloaded peer's slow
 * answers into a retransmit storm that overloaded it further (20 agents on 2 cores); doubling
 * backs off as TCP's RTO does, and the session timeout still bounds the session.
 */
export function retransmitDelayMs(ctx: MachineContext, sent: number): number {
  return Math.min(ctx.config.retransmitMs * 2 ** Math.min(sent, 16), ctx.config.sessionTimeoutMs);
}

/** Abort the session: purge, `SESSION_ABORTED`, back to ready. */
export function abortSession(ctx: MachineContext, st: MachineState, reason: string): Transition {
  const effects: Effect[] = [];
  return { state: endSession(ctx, st, { closed: false, reason }, effects), effects };
}

const onRetransmit: RowStep = (ctx, st) => retransmit(ctx, st);
const onSessionTimeout: RowStep = (ctx, st) => abortSession(ctx, st, "timeout");
const onAbort: RowStep = (ctx, st, input) => abortSession(ctx, st, input.reason);
const ignored: RowStep = (_ctx, st) => ignore(st);
// Each consume step narrows the message by intent; the dispatcher guarantees the intent matches.
const as = <M extends Message>(
  f: (ctx: MachineContext, st: MachineState, input: Inbound<M>) => Transition,
): RowStep => f as unknown as RowStep;

function activeRows(role: Role, states: readonly StateName[], ready: StateName): Row[] {
  const rows: Row[] = [];
  for (const state of states) {
    rows.push(
      {
        role,
        state,
        on: "register",
        to: [state],
        step: "—",
        effects: "ignored: one session per pair at a time",
        run: ignored,
      },
      {
        role,
        state,
        on: "abort",
        to: [ready],
        step: "abortSession",
        effects: "purge; audit SESSION_ABORTED; persist ended; aborted",
        run: onAbort,
      },
      {
        role,
        state,
        on: "timer:session",
        to: [ready],
        step: "abortSession",
        effects: "sessionTimeoutMs passed: purge; aborted(timeout)",
        run: onSessionTimeout,
      },
    );
    if (state !== "init_finalize_close") {
      rows.push({
        role,
        state,
        on: "timer:retransmit",
        to: [state, ready],
        step: "retransmit",
        effects: "re-send last message unchanged; after maxRetransmits: purge; aborted(max-retransmits)",
        run: onRetransmit,
      });
    }
  }
  return rows;
}

/** The initiator's table (§4: init_ready → init_exchange → init_finalize_propose → init_finalize_close → init_ready). */
export const INITIATOR_TABLE: readonly Row[] = [
  {
    role: "initiator",
    state: "init_ready",
    on: "register",
    to: ["init_ready"],
    step: "—",
    effects: "ignored: the peer (greater id) answers our register",
    run: ignored,
  },
  {
    role: "initiator",
    state: "init_ready",
    on: "confirm",
    to: ["init_exchange"],
    step: "consumeConfirm",
    effects:
      "verify hs; checkNonce (v2: request #1 (hs, tsig, sec) sent early); then persist created (v1: send)",
    run: as(consumeConfirm),
  },
  {
    role: "initiator",
    state: "init_exchange",
    on: "respond",
    to: ["init_exchange", "init_finalize_propose"],
    step: "consumeRespond",
    effects: "verify fin (first, v2) → established; deliver; next request, or conclude after the last round",
    run: as(consumeRespond),
  },
  {
    role: "initiator",
    state: "init_finalize_propose",
    on: "finish",
    to: ["init_finalize_close"],
    step: "consumeFinish",
    effects: "send close #1",
    run: as(consumeFinish),
  },
  {
    role: "initiator",
    state: "init_finalize_close",
    on: "timer:retransmit",
    to: ["init_finalize_close", "init_ready"],
    step: "closeTick",
    effects: "re-send close; after FINAL_LIMIT sends: purge; closed",
    run: (ctx, st) => closeTick(ctx, st),
  },
  ...activeRows("initiator", ["init_exchange", "init_finalize_propose", "init_finalize_close"], "init_ready"),
];

/** The responder's table (§4: resp_ready → resp_confirm → resp_exchange → resp_finalize → resp_ready). */
export const RESPONDER_TABLE: readonly Row[] = [
  {
    role: "responder",
    state: "resp_ready",
    on: "register",
    to: ["resp_confirm"],
    step: "createConfirm",
    effects: "fresh ephemeral key + nonce; send confirm (hs); persist created",
    run: as(createConfirm),
  },
  {
    role: "responder",
    state: "resp_ready",
    on: "start",
    to: ["resp_confirm"],
    step: "createConfirm",
    effects: "as for register: the runtime starts the session itself",
    run: as(createConfirm),
  },
  {
    role: "responder",
    state: "resp_confirm",
    on: "request",
    to: ["resp_exchange"],
    step: "consumeFirstRequest",
    effects:
      "verify hs + tsig; checkNonce (v2: respond (fin, sec) sent early); then established; deliver (v1: send)",
    run: as(consumeFirstRequest),
  },
  {
    role: "responder",
    state: "resp_exchange",
    on: "request",
    to: ["resp_exchange"],
    step: "consumeRequest",
    effects: "deliver; send respond (at most EXCHANGE_LIMIT+1 rounds)",
    run: as(consumeRequest),
  },
  {
    role: "responder",
    state: "resp_exchange",
    on: "conclude",
    to: ["resp_finalize"],
    step: "consumeConclude",
    effects: "send finish; persist finalizing",
    run: as(consumeConclude),
  },
  {
    role: "responder",
    state: "resp_finalize",
    on: "close",
    to: ["resp_ready"],
    step: "consumeClose",
    effects: "purge; persist ended; audit SESSION_CLOSED; closed",
    run: as(consumeClose),
  },
  ...activeRows("responder", ["resp_confirm", "resp_exchange", "resp_finalize"], "resp_ready"),
];

/** Both tables. */
export const TRANSITIONS: readonly Row[] = [...INITIATOR_TABLE, ...RESPONDER_TABLE];

/** The row for `(state, on)`, or undefined (→ `unexpected`). */
export function findRow(role: Role, state: StateName, on: EventKey): Row | undefined {
  const table = role === "initiator" ? INITIATOR_TABLE : RESPONDER_TABLE;
  return table.find((r) => r.state === state && r.on === on);
}

/** The tables as markdown (embedded in the README; a test keeps them equal). */
export function renderTables(): string {
  const out: string[] = [];
  for (const [title, table] of [
    ["Initiator", INITIATOR_TABLE],
    ["Responder", RESPONDER_TABLE],
  ] as const) {
    out.push(`### ${title}`, "", "| state | event | next | step | effects |", "|---|---|---|---|---|");
    for (const r of table) {
      out.push(
        `| \`${r.state}\` | \`${r.on}\` | ${r.to.map((s) => `\`${s}\``).join(", ")} | ${r.step} | ${r.effects} |`,
      );
    }
    out.push("");
  }
  return out.join("\n");
}
