// Summoner typed envelopes and relay framing: encode a payload the way Summoner's Python
// client does (`{"_version": "1.1.1", "_payload": ..., "_type": ...}`), frame a relayed
// line the way the Python relay does, and classify a received line as message, notice or junk.

import { RelayError } from "./errors.js";
import { pyJsonDumps, pyJsonDumpsTypes, pyJsonString } from "./pyjson.js";

/** Envelope version written by this implementation (matches HSAgent_2). */
export const ENVELOPE_VERSION = "1.1.1";

/** Payload of a message: a JSON object. */
export type Payload = Record<string, unknown>;

/** A type tree leaf as Summoner writes it. */
export type TypeLeaf = "str" | "int" | "float" | "bool" | "null";

/** Summoner's type tree: mirrors the payload, leaves are type names. */
export type TypeTree = TypeLeaf | TypeTree[] | { [key: string]: TypeTree };

/** A decoded message from another relay client. */
export interface RelayMessage {
  /** The sender's address as reported by the relay (`IP:PORT`). */
  remoteAddr: string;
  /** The envelope's `_payload` (always a JSON object). */
  payload: Payload;
}

/** Why a received line was not delivered as a message. */
export type DropReason = "invalid-json" | "not-relay-frame" | "not-envelope" | "payload-not-object";

/** Result of {@link decodeRelayedLine}. */
export type DecodedLine =
  | { kind: "message"; message: RelayMessage }
  | { kind: "notice"; text: string }
  | { kind: "drop"; reason: DropReason };

/**
 * Build the type tree for a value, like Summoner's `parse_v0_0_1`: integral numbers are
 * `"int"`, other numbers `"float"`; arrays and objects recurse.
 */
export function typeTree(value: unknown): TypeTree {
  if (value === null) return "null";
  switch (typeof value) {
    case "string":
      return "str";
    case "boolean":
      return "bool";
    case "bigint":
      return "int";
    case "number":
      return Number.isInteger(value) ? "int" : "float";
    case "object": {
      if (Array.isArray(value)) return value.map((v: unknown) => typeTree(v));
      // Null prototype: a "__proto__" key must become an own property, as in Python.
      const out: { [key: string]: TypeTree } = Object.create(null) as { [key: string]: TypeTree };
      for (const [k, v] of Object.entries(value as object)) {
        if (v !== undefined) out[k] = typeTree(v);
      }
      return out;
    }
    default:
      throw new RelayError("INVALID_PAYLOAD", `cannot encode a value of type ${typeof value}`);
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/**
 * Encode a payload as one client line (with trailing `\n`), byte-identical to
 * Summoner's Python `wrap_with_types` (CPython `json.dumps` formatting).
 * @throws RelayError `INVALID_PAYLOAD` if the payload is not a plain JSON object
 */
export function encodeEnvelope(payload: Payload): string {
  if (!isObject(payload)) throw new RelayError("INVALID_PAYLOAD", "payload must be a JSON object");
  const body = pyJsonDumps(payload);
  // Same bytes as pyJsonDumps(typeTree(payload)); valid because the payload just dumped fine.
  const types = pyJsonDumpsTypes(payload);
  return `{"_version": "${ENVELOPE_VERSION}", "_payload": ${body}, "_type": ${types}}\n`;
}

/**
 * Frame a line for delivery, exactly like Python's
 * `json.dumps({"remote_addr": addr, "content": line}) + "\n"`.
 */
export function frameRelayedLine(remoteAddr: string, content: string): string {
  return `{"remote_addr": ${pyJsonString(remoteAddr)}, "content": ${pyJsonString(content)}}\n`;
}

/** True for server notices (`Warning: ...`), which must never be parsed as messages. */
export function isNotice(line: string): boolean {
  return line.startsWith("Warning:");
}

function tryParse(text: string): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch {
    return { ok: false };
  }
}

/**
 * Classify one line received from a relay (without its `\n`). Accepts `content` as the
 * raw envelope string (Summoner's Python and Rust relays) or as an already-parsed object.
 */
export function decodeRelayedLine(line: string): DecodedLine {
  if (isNotice(line)) return { kind: "notice", text: line };
  const outer = tryParse(line);
  if (!outer.ok) return { kind: "drop", reason: "invalid-json" };
  const frame = outer.value;
  if (!isObject(frame) || !("content" in frame)) return { kind: "drop", reason: "not-relay-frame" };
  const rawAddr = frame.remote_addr ?? frame.addr;
  const remoteAddr = typeof rawAddr === "string" ? rawAddr : Array.isArray(rawAddr) ? rawAddr.join(":") : "";
  let content: unknown = frame.content;
  if (typeof content === "string") {
    const inner = tryParse(content);
    if (!inner.ok) return { kind: "drop", reason: "invalid-json" };
    content = inner.value;
  }
  if (!isObject(content) || !("_payload" in content)) return { kind: "drop", reason: "not-envelope" };
  const payload = content._payload;
  if (!isObject(payload)) return { kind: "drop", reason: "payload-not-object" };
  return { kind: "message", message: { remoteAddr, payload } };
}
