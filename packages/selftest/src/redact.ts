// Turns any thrown value into the short, one-line human reason a report shows,
// with every secret of the run (passwords, JWTs, passphrases) removed. The
// substrate client already scrubs what it knows; this is the last line of
// defence for everything else (store errors, crypto errors, our own text).

import { ApiError, NetworkError, TimeoutError } from "@hsagent/substrate-client";
import { CheckFailure, NotRunError } from "./errors.js";

const MAX_ERROR_CHARS = 240;
const MARKER = "[redacted]";
const WITHHELD = "(reason withheld: it contained a secret)";

/** Collects the secrets of one run and removes them from text. */
export class Redactor {
  readonly #secrets = new Set<string>();

  /**
   * Registers a secret, and its whitespace-folded form (what a one-line error
   * would show). Secrets shorter than 4 characters are ignored: too likely to match by chance.
   */
  add(secret: string): void {
    for (const form of [secret, secret.replace(/\s+/g, " ").trim()]) {
      if (form.length >= 4) this.#secrets.add(form);
    }
  }

  /**
   * `text` with every registered secret replaced by `[redacted]`, repeated
   * until none is left (a replacement can itself form a new occurrence).
   * If that does not converge, the whole text is withheld.
   */
  scrub(text: string): string {
    let out = text;
    for (let pass = 0; pass < 8; pass++) {
      const present = [...this.#secrets].filter((s) => out.includes(s));
      if (present.length === 0) return out;
      for (const secret of present) {
        out = out.split(secret).join(MARKER.includes(secret) ? "" : MARKER);
      }
    }
    return [...this.#secrets].some((s) => out.includes(s)) ? WITHHELD : out;
  }
}

function describe(error: unknown): string {
  if (error instanceof CheckFailure || error instanceof NotRunError) return error.message;
  if (error instanceof NetworkError) {
    return `cannot reach the substrate (${error.causeCode ?? "network error"}) on ${error.method} ${error.path}`;
  }
  if (error instanceof TimeoutError)
    return `${error.method} ${error.path} timed out after ${error.timeoutMs} ms`;
  if (error instanceof ApiError) return error.message;
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    const prefix = typeof code === "string" && code.length > 0 && code.length < 40 ? `${code}: ` : "";
    return `${prefix}${error.message}`;
  }
  return String(error);
}

/** One line, at most 240 characters, secrets removed (before and after whitespace is folded). */
export function humanError(error: unknown, redactor: Redactor): string {
  const line = redactor.scrub(redactor.scrub(describe(error)).replace(/\s+/g, " ").trim());
  return line.length > MAX_ERROR_CHARS ? `${line.slice(0, MAX_ERROR_CHARS - 1)}…` : line || "failed";
}
