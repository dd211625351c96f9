/**
 * The one list of rejection reasons (PROTOCOL.md §9): every reason a machine or the runtime may
 * report is named here and nowhere else. The `RejectReason` type, the audit event type of each
 * reason and the reason table of docs/PROTOCOL.md are all derived from this list (the docs table
 * by `pnpm --filter @hsagent/protocol docs`; a test fails when it drifts). Adding a reason is one
 * line below.
 */

/** How a rejection of this reason is audited: which audit event type carries it. */
export type RejectionAudit = "HANDSHAKE_REJECTED" | "MESSAGE_REJECTED";

/** One rejection reason: its label, when it applies, and how it is audited. */
export interface RejectionReasonInfo {
  /** The kebab-case label (metrics key, audit `reason`, `rejected` event). */
  readonly name: string;
  /** When it applies, one line (rendered into docs/PROTOCOL.md §9). */
  readonly when: string;
  /** The audit event type a rejection of this reason is recorded as. */
  readonly audit: RejectionAudit;
}

const H = "HANDSHAKE_REJECTED" as const;
const M = "MESSAGE_REJECTED" as const;

/** Every rejection reason, in the order of §9's table. Frozen; the only source of reason names. */
export const REJECTION_REASONS = Object.freeze([
  Object.freeze({
    name: "malformed",
    when: "bad JSON, missing or ill-typed field, bad format (§3.1), no valid sender",
    audit: M,
  }),
  Object.freeze({
    name: "misaddressed",
    when: "`from` is not the peer, or `to` is not us (`null` only for `register`)",
    audit: M,
  }),
  Object.freeze({
    name: "busy",
    when: "a handshake of this peer is waiting for its durable nonce check",
    audit: M,
  }),
  Object.freeze({
    name: "unexpected",
    when: "intent not valid in the peer's current state (or past the round limit)",
    audit: M,
  }),
  Object.freeze({ name: "bad-echo", when: "`your_nonce` / `your_ref` does not echo what we sent", audit: M }),
  Object.freeze({ name: "type-mismatch", when: "blob `type` is not the one this step expects", audit: H }),
  Object.freeze({ name: "nonce-mismatch", when: "blob `nonce` is not the message's `my_nonce`", audit: H }),
  Object.freeze({
    name: "pin-mismatch",
    when: "`sign_pub` differs from the pinned identity key (after one refresh)",
    audit: H,
  }),
  Object.freeze({
    name: "bad-signature",
    when: "`sig`, `tsig`, `fin`, `bind`, `kem_sig` or a v1 envelope signature does not verify",
    audit: H,
  }),
  Object.freeze({ name: "stale", when: "handshake timestamp older than `nonceTtlSeconds`", audit: H }),
  Object.freeze({
    name: "future",
    when: "handshake timestamp more than `maxClockSkewSeconds` ahead",
    audit: H,
  }),
  Object.freeze({
    name: "weak-key",
    when: "X25519 gives the all-zero secret (peer sent a low-order point)",
    audit: H,
  }),
  Object.freeze({
    name: "replay",
    when: "handshake timestamp at or below the peer's durable high-water mark, or a nonce seen already (a replayed handshake, §8)",
    audit: H,
  }),
  Object.freeze({
    name: "downgrade",
    when: "v1 blob from a peer whose identity lists protocol 2, or a v2 handshake without the hybrid fields from a peer whose identity offers `x25519+mlkem768` (§6.6)",
    audit: H,
  }),
  Object.freeze({
    name: "legacy-refused",
    when: "v1 blob or v1-only peer while `allowLegacy` is off (§7)",
    audit: H,
  }),
  Object.freeze({
    name: "bad-sec",
    when: "`sec` missing, wrong session (`sid`), or v1 plaintext hash mismatch",
    audit: M,
  }),
  Object.freeze({ name: "decrypt-failed", when: "AES-GCM authentication of `sec` fails", audit: M }),
  Object.freeze({
    name: "seq-replay",
    when: "v2 `sec` with a `seq` not above the last accepted one",
    audit: M,
  }),
] as const satisfies readonly RejectionReasonInfo[]);

/** Why an inbound message was dropped without any state change (a name of {@link REJECTION_REASONS}). */
export type RejectReason = (typeof REJECTION_REASONS)[number]["name"];

const BY_NAME: ReadonlyMap<string, RejectionReasonInfo> = new Map(REJECTION_REASONS.map((r) => [r.name, r]));

/** True when `value` is one of the {@link REJECTION_REASONS} names. */
export function isRejectReason(value: unknown): value is RejectReason {
  return typeof value === "string" && BY_NAME.has(value);
}

/** The audit event type of a reason (`MESSAGE_REJECTED` for a name not in the list). */
export function rejectionAudit(reason: string): RejectionAudit {
  return BY_NAME.get(reason)?.audit ?? M;
}

/** §9's reason table as markdown (embedded in docs/PROTOCOL.md; a test keeps them equal). */
export function renderReasonTable(): string {
  const out = ["| reason | when | audited as |", "|---|---|---|"];
  for (const r of REJECTION_REASONS) out.push(`| \`${r.name}\` | ${r.when} | \`${r.audit}\` |`);
  return `${out.join("\n")}\n`;
}
