/**
 * Handshake timestamps (PROTOCOL.md §7): we emit `YYYY-MM-DDTHH:MM:SS+00:00` (UTC, whole seconds,
 * like Python's `datetime.now(timezone.utc).replace(microsecond=0).isoformat()`), and accept any
 * ISO-8601 date-time a peer sends: `Z`, `±HH:MM`, `±HHMM`, `±HH`, fractional seconds (`.` or `,`),
 * basic or extended format, `T` or a space between date and time, a date alone (midnight), and
 * no offset at all, which means UTC (HSAgent_2 sent naive UTC times). Anything else — including
 * impossible dates like Feb 30 or hour 25 — is `HandshakeError("malformed")`.
 */
import { HandshakeError } from "./errors.js";

function pad(n: number, width = 2): string {
  return String(n).padStart(width, "0");
}

/**
 * Format a moment as `YYYY-MM-DDTHH:MM:SS+00:00` (UTC, fractional seconds truncated).
 * @throws HandshakeError `malformed` for an invalid Date or a year outside 0000..9999
 */
export function formatTimestamp(date: Date = new Date()): string {
  if (!(date instanceof Date)) throw new HandshakeError("malformed", "not a Date");
  const t = date.getTime();
  if (!Number.isFinite(t)) throw new HandshakeError("malformed", "invalid date");
  const y = date.getUTCFullYear();
  if (y < 0 || y > 9999) throw new HandshakeError("malformed", "year out of range");
  return (
    `${pad(y, 4)}-${pad(date.getUTCMonth() + 1)}-${pad(date.getUTCDate())}` +
    `T${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())}+00:00`
  );
}

const EXTENDED_RE =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2})(?::(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?)?(Z|[+-]\d{2}(?::?\d{2})?)?)?$/;
const BASIC_RE =
  /^(\d{4})(\d{2})(\d{2})(?:T(\d{2})(?:(\d{2})(?:(\d{2})(?:[.,](\d{1,9}))?)?)?(Z|[+-]\d{2}(?:\d{2})?)?)?$/;

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/**
 * Parse an ISO-8601 timestamp to epoch milliseconds. No offset means UTC.
 * @throws HandshakeError `malformed`
 */
export function parseTimestampMs(text: unknown): number {
  if (typeof text !== "string" || text.length > 64) throw new HandshakeError("malformed", "timestamp");
  const m = EXTENDED_RE.exec(text) ?? BASIC_RE.exec(text);
  if (!m) throw new HandshakeError("malformed", "timestamp is not ISO-8601");
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  const hour = m[4] === undefined ? 0 : Number(m[4]);
  const minute = m[5] === undefined ? 0 : Number(m[5]);
  const second = m[6] === undefined ? 0 : Number(m[6]);
  const frac = m[7] === undefined ? 0 : Number(`0.${m[7]}`);
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) {
    throw new HandshakeError("malformed", "timestamp date out of range");
  }
  if (hour > 23 || minute > 59 || second > 59)
    throw new HandshakeError("malformed", "timestamp time out of range");
  let offsetMin = 0;
  const off = m[8];
  if (off !== undefined && off !== "Z") {
    const sign = off[0] === "-" ? -1 : 1;
    const digits = off.slice(1).replace(":", "");
    const oh = Number(digits.slice(0, 2));
    const om = digits.length > 2 ? Number(digits.slice(2, 4)) : 0;
    if (oh > 23 || om > 59) throw new HandshakeError("malformed", "timestamp offset out of range");
    offsetMin = sign * (oh * 60 + om);
  }
  const d = new Date(0);
  d.setUTCFullYear(year, month - 1, day);
  d.setUTCHours(hour, minute, second, 0);
  return d.getTime() + Math.floor(frac * 1000) - offsetMin * 60_000;
}

/**
 * Parse an ISO-8601 timestamp (see module header for the accepted forms).
 * @throws HandshakeError `malformed`
 */
export function parseTimestamp(text: unknown): Date {
  return new Date(parseTimestampMs(text));
}

/** Freshness window options (PROTOCOL.md §7). */
export interface FreshnessOptions {
  /** Current time (Date or epoch ms). Default: `Date.now()`. */
  now?: Date | number;
  /** Reject timestamps older than this many seconds (default 60, `nonceTtlSeconds`). */
  ttlSeconds?: number;
  /** Reject timestamps more than this many seconds in the future (default 30, `maxClockSkewSeconds`). */
  maxSkewSeconds?: number;
}

/** Default handshake TTL in seconds. */
export const DEFAULT_TTL_SECONDS = 60;
/** Default future clock skew tolerance in seconds. */
export const DEFAULT_MAX_SKEW_SECONDS = 30;

/**
 * Check that `timestamp` lies within [now − ttl, now + skew].
 * @returns the parsed time in epoch ms
 * @throws HandshakeError `malformed`, `stale` or `future`
 */
export function checkFreshness(timestamp: unknown, options: FreshnessOptions = {}): number {
  const ts = parseTimestampMs(timestamp);
  const nowOpt = options.now;
  const now = nowOpt === undefined ? Date.now() : typeof nowOpt === "number" ? nowOpt : nowOpt.getTime();
  if (!Number.isFinite(now)) throw new HandshakeError("malformed", "invalid now");
  const ttl = options.ttlSeconds ?? DEFAULT_TTL_SECONDS;
  const skew = options.maxSkewSeconds ?? DEFAULT_MAX_SKEW_SECONDS;
  // A NaN window would accept everything; refuse bad settings instead.
  if (typeof ttl !== "number" || !(ttl >= 0) || typeof skew !== "number" || !(skew >= 0)) {
    throw new HandshakeError("malformed", "ttlSeconds/maxSkewSeconds must be non-negative numbers");
  }
  if (ts < now - ttl * 1000) throw new HandshakeError("stale", "handshake timestamp too old");
  if (ts > now + skew * 1000) throw new HandshakeError("future", "handshake timestamp in the future");
  return ts;
}
