// Reading config-file fields: JSON-object checks with one ConfigError sentence naming the file
// and the dotted field, host:port and http(s) URL checks, the protocol constants a config may
// set, and reading a JSON file (missing, unreadable and malformed files told apart).

import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { ConfigError } from "./errors.js";

/** Protocol constants (PROTOCOL.md §9) that a config may set. */
export const PROTOCOL_CONSTANTS = [
  "exchangeLimit",
  "finalLimit",
  "registerIntervalMs",
  "retransmitMs",
  "maxRetransmits",
  "sessionTimeoutMs",
  "nonceTtlSeconds",
  "maxClockSkewSeconds",
  "maxLineBytes",
  "maxSessions",
] as const;

/** One of the {@link PROTOCOL_CONSTANTS}. */
export type ProtocolConstant = (typeof PROTOCOL_CONSTANTS)[number];

/** A parsed JSON value. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
/** A parsed JSON object. */
export type JsonObj = { [key: string]: Json };

/** True for a plain JSON object (not an array, not null). */
export function isObj(v: unknown): v is JsonObj {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Host names and addresses a config may name. */
export const HOST_RE = /^[A-Za-z0-9._:-]{1,253}$/;
/** URL-safe names (agents, usernames). */
export const NAME_RE = /^[A-Za-z0-9_.~-]{1,255}$/;

/** Parse `host:port` (IPv6 as `[::1]:8888`); throws a ConfigError naming `what`. */
export function parseHostPort(text: string, what: string, file?: string): { host: string; port: number } {
  const m = /^\[([0-9A-Fa-f:.]+)\]:(\d{1,5})$/.exec(text) ?? /^([^:\s]+):(\d{1,5})$/.exec(text);
  const port = m ? Number(m[2]) : Number.NaN;
  if (!m?.[1] || !HOST_RE.test(m[1]) || port < 1 || port > 65535) {
    throw new ConfigError(
      `${where(file)}${what} must be HOST:PORT with a port in 1..65535 (got "${text}")`,
      file,
      what,
    );
  }
  return { host: m[1], port };
}

/** An http(s) URL without trailing slashes; throws a ConfigError naming `what`. */
export function checkUrl(text: string, what: string, file?: string): string {
  let u: URL;
  try {
    u = new URL(text);
  } catch {
    throw new ConfigError(`${where(file)}${what} must be an http(s) URL (got "${text}")`, file, what);
  }
  if (u.protocol !== "http:" && u.protocol !== "https:") {
    throw new ConfigError(`${where(file)}${what} must be an http(s) URL (got "${text}")`, file, what);
  }
  return text.replace(/\/+$/, "");
}

/** `config file FILE: ` when a file is concerned, else nothing. */
export function where(file?: string): string {
  return file ? `config file ${file}: ` : "";
}

/** `config file FILE: field "FIELD" must be EXPECTED`. */
export function fieldError(file: string, field: string, expected: string): ConfigError {
  return new ConfigError(`config file ${file}: field "${field}" must be ${expected}`, file, field);
}

/** An optional non-empty string field. */
export function optString(o: JsonObj, key: string, path: string, file: string): string | undefined {
  const v = o[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "string" || v === "") throw fieldError(file, path, "a non-empty string");
  return v;
}

/** An optional integer field in `min..max`. */
export function optInt(
  o: JsonObj,
  key: string,
  path: string,
  file: string,
  min: number,
  max: number,
): number | undefined {
  const v = o[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "number" || !Number.isInteger(v) || v < min || v > max) {
    throw fieldError(file, path, `an integer in ${min}..${max}`);
  }
  return v;
}

/** An optional boolean field. */
export function optBool(o: JsonObj, key: string, path: string, file: string): boolean | undefined {
  const v = o[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "boolean") throw fieldError(file, path, "true or false");
  return v;
}

/** An optional object field. */
export function optObj(o: JsonObj, key: string, path: string, file: string): JsonObj | undefined {
  const v = o[key];
  if (v === undefined || v === null) return undefined;
  if (!isObj(v)) throw fieldError(file, path, "an object");
  return v;
}

/** The `protocol` section (`PREFIX.protocol`): only {@link PROTOCOL_CONSTANTS}, each an integer ≥ 1. */
export function parseProtocolSection(
  proto: JsonObj,
  path: string,
  file: string,
  into: Partial<Record<ProtocolConstant, number>> = {},
): Partial<Record<ProtocolConstant, number>> {
  for (const key of Object.keys(proto)) {
    if (!(PROTOCOL_CONSTANTS as readonly string[]).includes(key)) {
      throw new ConfigError(
        `config file ${file}: unknown field "${path}.${key}" (known: ${PROTOCOL_CONSTANTS.join(", ")})`,
        file,
        `${path}.${key}`,
      );
    }
    const v = optInt(proto, key, `${path}.${key}`, file, 1, 2_147_483_647);
    if (v !== undefined) into[key as ProtocolConstant] = v;
  }
  return into;
}

/** Read a JSON file: its absolute path and parsed content. Missing, unreadable and malformed files are ConfigErrors. */
export function readJsonFile(path: string): { file: string; raw: unknown } {
  const file = resolve(path);
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ENOENT")
      throw new ConfigError(`config file ${file} does not exist`, file, undefined, "CONFIG_MISSING");
    if (code === "EISDIR") throw new ConfigError(`config file ${file} is a directory`, file);
    throw new ConfigError(`config file ${file} cannot be read (${code ?? "error"})`, file);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    // Node's message names the position ("... in JSON at position 42"): keep that part only.
    const detail = /position \d+(?: \(line \d+ column \d+\))?/.exec((err as Error).message)?.[0];
    throw new ConfigError(
      `config file ${file} is not valid JSON${detail ? ` (at ${detail})` : ""}`,
      file,
      undefined,
      "CONFIG_MALFORMED",
    );
  }
  return { file, raw };
}
