// Loggers for agent processes: pino JSON lines, or a compact human format ("12:03:04 WARN msg
// key=value") written by a tiny pino destination, so no extra pretty-printer is needed.
// Fields named like secrets are redacted by pino before anything is written.

import { type LogFormat, scrub } from "@hsagent/config";
import { type DestinationStream, type Logger, levels, pino } from "pino";

const SKIP = new Set(["level", "time", "msg", "pid", "hostname", "name"]);

/** A pino destination that turns each JSON line into one human line. */
export function prettyDestination(out: NodeJS.WritableStream): DestinationStream {
  return {
    write(line: string): void {
      let rec: Record<string, unknown>;
      try {
        rec = JSON.parse(line) as Record<string, unknown>;
      } catch {
        out.write(scrub(line));
        return;
      }
      const time = new Date(typeof rec.time === "number" ? rec.time : Date.now()).toISOString().slice(11, 19);
      // pino's own table of level numbers to names (10 trace … 60 fatal).
      const level = (levels.labels[typeof rec.level === "number" ? rec.level : 30] ?? "info").toUpperCase();
      const fields = Object.entries(rec)
        .filter(([k]) => !SKIP.has(k))
        .map(([k, v]) => `${k}=${typeof v === "string" ? v : JSON.stringify(v)}`)
        .join(" ");
      const who = typeof rec.name === "string" ? `[${rec.name}] ` : "";
      out.write(
        scrub(`${time} ${level.padEnd(5)} ${who}${String(rec.msg ?? "")}${fields ? ` ${fields}` : ""}\n`),
      );
    },
  };
}

/** Paths pino redacts wherever they appear (one or two levels deep). */
export const REDACT_PATHS = [
  "password",
  "passphrase",
  "vaultPassphrase",
  "key",
  "apiKey",
  "jwt",
  "token",
  "secret",
  "*.password",
  "*.passphrase",
  "*.vaultPassphrase",
  "*.key",
  "*.apiKey",
  "*.jwt",
  "*.token",
  "*.secret",
];

/** A pino logger in `format` at `level`, writing to `out`. */
export function createLogger(format: LogFormat, level: string, out: NodeJS.WritableStream): Logger {
  const options = { level, redact: { paths: REDACT_PATHS, censor: "[redacted]" }, base: null };
  // JSON lines are scrubbed too: a secret echoed inside some library's message never gets out.
  const json: DestinationStream = { write: (line: string) => void out.write(scrub(line)) };
  return pino(options, format === "json" ? json : prettyDestination(out));
}
