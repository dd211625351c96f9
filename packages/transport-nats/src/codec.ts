// Payload codec of the NATS transport: the bytes published are exactly the envelope line a relay
// client writes (Summoner's typed envelope, without the trailing newline); received bytes are
// checked (size, UTF-8, JSON, envelope shape) and classified as a message or a drop reason.

import { encodeEnvelope, type Payload, RelayError } from "@hsagent/relay";

/** Why a received NATS message was not delivered. */
export type NatsDropReason =
  | "too-long"
  | "invalid-utf8"
  | "invalid-json"
  | "not-envelope"
  | "payload-not-object";

/** Result of {@link decodeNatsPayload}. */
export type DecodedNatsPayload =
  | { kind: "message"; payload: Payload }
  | { kind: "drop"; reason: NatsDropReason };

/**
 * Encode a payload as the bytes to publish (the relay's envelope line without `\n`).
 * @throws RelayError `INVALID_PAYLOAD` (not a JSON object) or `LINE_TOO_LONG` (over `maxBytes`)
 */
export function encodeNatsPayload(payload: Payload, maxBytes: number): Uint8Array {
  const line = encodeEnvelope(payload);
  const bytes = Buffer.from(line.slice(0, -1), "utf8");
  if (bytes.length > maxBytes) throw new RelayError("LINE_TOO_LONG", `message exceeds ${maxBytes} bytes`);
  return bytes;
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

/** Classify received bytes; never throws. */
export function decodeNatsPayload(data: Uint8Array, maxBytes: number): DecodedNatsPayload {
  if (data.length > maxBytes) return { kind: "drop", reason: "too-long" };
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(data);
  } catch {
    return { kind: "drop", reason: "invalid-utf8" };
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { kind: "drop", reason: "invalid-json" };
  }
  if (!isObject(value) || !("_payload" in value)) return { kind: "drop", reason: "not-envelope" };
  const payload = value._payload;
  if (!isObject(payload)) return { kind: "drop", reason: "payload-not-object" };
  return { kind: "message", payload };
}
