// Subject names of the NATS transport: one discovery subject per tenant and one inbox subject
// per agent, with every variable part encoded into a single safe token so that no tenant id or
// agent id can inject subject syntax (`.`, `*`, `>`, white space) or reach another tenant.

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

/** The subjects one tenant uses. */
export interface TenantSubjects {
  /** Every subject of the tenant: `<prefix>.<tenant>.>` (what its NATS permissions allow). */
  readonly all: string;
  /** Where `register` (and any message with `to: null`) is published. */
  readonly discovery: string;
  /** The subject of one agent's inbox. */
  inbox(agentId: string): string;
}

/**
 * Subjects of a tenant: `<prefix>.<tenant>.discovery` and `<prefix>.<tenant>.to.<agentId>`.
 * @param tenant - the tenant id (the substrate account id); encoded with {@link encodeToken}
 * @param prefix - first token (default `hsagent`); must itself be a safe token
 */
export function tenantSubjects(tenant: string, prefix: string = DEFAULT_SUBJECT_PREFIX): TenantSubjects {
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(prefix))
    throw new TypeError("the subject prefix must match [A-Za-z0-9_-]{1,64}");
  const base = `${prefix}.${encodeToken(tenant)}`;
  return {
    all: `${base}.>`,
    discovery: `${base}.discovery`,
    inbox: (agentId: string) => `${base}.to.${encodeToken(agentId)}`,
  };
}
