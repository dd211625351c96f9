// Subject names of the NATS transport: a tenant's discovery subjects and one inbox subject per
// agent, with every variable part encoded into a single safe token so that no tenant id or agent
// id can inject subject syntax (`.`, `*`, `>`, white space) or reach another tenant.
//
// Ordered discovery: only an agent with a larger id answers a `register` (PROTOCOL.md §4), so a
// register is published under its sender's id prefix (`discovery.<c1>.<c2>`, the id's first two
// characters when both are lower-case hex digits, as in a UUID) and an agent subscribes only to
// the prefixes at or below its own. A smaller agent never receives a register it would ignore,
// which halves discovery traffic on average; ids without a hex prefix use the bare `discovery`
// subject, which every agent receives, and such an agent receives every prefix.

/** Default first token of every subject. */
export const DEFAULT_SUBJECT_PREFIX = "hsagent";

const SAFE = /^[A-Za-z0-9_-]$/;

/**
 * Encode any string as one NATS subject token. Letters, digits, `_` and `-` pass unchanged;
 * every other UTF-8 byte becomes `=XX` (upper-case hex), so the result only ever contains
 * `[A-Za-z0-9_=-]`, and distinct inputs give distinct tokens (`=` itself is escaped).
 * @throws TypeError for an empty string (an empty token is not a valid subject)
 */
export function encodeToken(value: string): string {
  if (typeof value !== "string" || value.length === 0) throw new TypeError("a subject token cannot be empty");
  let out = "";
  for (const ch of value) {
    if (SAFE.test(ch)) {
      out += ch;
      continue;
    }
    for (const byte of Buffer.from(ch, "utf8")) out += `=${byte.toString(16).toUpperCase().padStart(2, "0")}`;
  }
  return out;
}

/** Inverse of {@link encodeToken}; returns null for a string that is not a valid token. */
export function decodeToken(token: string): string | null {
  if (!/^(?:[A-Za-z0-9_-]|=[0-9A-F]{2})+$/.test(token)) return null;
  const bytes: number[] = [];
  for (let i = 0; i < token.length; i++) {
    if (token[i] === "=") {
      bytes.push(Number.parseInt(token.slice(i + 1, i + 3), 16));
      i += 2;
    } else bytes.push(token.charCodeAt(i));
  }
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(Uint8Array.from(bytes));
  } catch {
    return null;
  }
}

const HEX = "0123456789abcdef";

/**
 * The discovery prefix of an agent id: its first two characters when both are lower-case hex
 * digits (every UUID), else null. Monotone: if `a < b` (string order) and both have a prefix,
 * then `prefix(a) <= prefix(b)`.
 */
export function discoveryPrefix(agentId: string): readonly [string, string] | null {
  const c1 = agentId[0];
  const c2 = agentId[1];
  if (c1 === undefined || c2 === undefined || !HEX.includes(c1) || !HEX.includes(c2)) return null;
  return [c1, c2];
}

/** The subjects one tenant uses. */
export interface TenantSubjects {
  /** Every subject of the tenant: `<prefix>.<tenant>.>` (what its NATS permissions allow). */
  readonly all: string;
  /**
   * The bare discovery subject, `<prefix>.<tenant>.discovery`: every agent receives it. Broadcasts
   * (`to: null`) of a sender whose id has no {@link discoveryPrefix}, or of a transport with
   * ordered discovery off, go here.
   */
  readonly discovery: string;
  /** Where a broadcast of `agentId` is published: `<discovery>.<c1>.<c2>`, or the bare subject. */
  discoveryFrom(agentId: string): string;
  /**
   * What `agentId` subscribes to for discovery: the bare subject and every prefix at or below its
   * own (at most 32 subjects), or the bare subject and `<discovery>.>` for an id without a prefix.
   * Covers every sender with a smaller id (the ones whose registers it answers, §4).
   */
  discoveryFor(agentId: string): string[];
  /** The subject of one agent's inbox. */
  inbox(agentId: string): string;
}

/**
 * Subjects of a tenant: `<prefix>.<tenant>.discovery[.<c1>.<c2>]` and `<prefix>.<tenant>.to.<agentId>`.
 * @param tenant - the tenant id (the substrate account id); encoded with {@link encodeToken}
 * @param prefix - first token (default `hsagent`); must itself be a safe token
 */
export function tenantSubjects(tenant: string, prefix: string = DEFAULT_SUBJECT_PREFIX): TenantSubjects {
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(prefix))
    throw new TypeError("the subject prefix must match [A-Za-z0-9_-]{1,64}");
  const base = `${prefix}.${encodeToken(tenant)}`;
  const discovery = `${base}.discovery`;
  return {
    all: `${base}.>`,
    discovery,
    discoveryFrom(agentId: string): string {
      const p = discoveryPrefix(agentId);
      return p ? `${discovery}.${p[0]}.${p[1]}` : discovery;
    },
    discoveryFor(agentId: string): string[] {
      const p = discoveryPrefix(agentId);
      if (!p) return [discovery, `${discovery}.>`];
      const out = [discovery];
      for (const c of HEX.slice(0, HEX.indexOf(p[0]))) out.push(`${discovery}.${c}.*`);
      for (const c of HEX.slice(0, HEX.indexOf(p[1]) + 1)) out.push(`${discovery}.${p[0]}.${c}`);
      return out;
    },
    inbox: (agentId: string) => `${base}.to.${encodeToken(agentId)}`,
  };
}
