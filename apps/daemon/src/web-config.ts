// The `web` section of the daemon's config: where the fleet page listens and, when that is not
// loopback, which file holds its token (or HSAGENT_WEB_TOKEN). The token itself never lives in
// the config file.
//
//   "web": { "host": "127.0.0.1", "port": 9465, "token_file": "/etc/hsagent/web-token" }

/** The validated `web` section. */
export interface WebSettings {
  readonly host: string;
  readonly port: number;
  /** File whose first line is the token; else HSAGENT_WEB_TOKEN. */
  readonly tokenFile: string | null;
}

const KEYS = ["host", "port", "token_file"];

/** Validate `raw` (the section, or undefined when absent); `bad(field, expected)` builds the error. */
export function parseWebSection(
  raw: unknown,
  bad: (field: string, expected: string) => Error,
): WebSettings | null {
  if (raw === undefined || raw === null || raw === false) return null;
  if (typeof raw !== "object" || Array.isArray(raw)) throw bad("web", "an object");
  const w = raw as Record<string, unknown>;
  for (const k of Object.keys(w))
    if (!KEYS.includes(k)) throw bad(`web.${k}`, `one of ${KEYS.join(", ")} (unknown field)`);
  const host = w.host ?? "127.0.0.1";
  if (typeof host !== "string" || host === "" || /\s/.test(host))
    throw bad("web.host", "a host name or address");
  const port = w.port ?? 9465;
  if (typeof port !== "number" || !Number.isInteger(port) || port < 0 || port > 65535)
    throw bad("web.port", "an integer in 0..65535");
  const tokenFile = w.token_file ?? null;
  if (tokenFile !== null && (typeof tokenFile !== "string" || tokenFile === ""))
    throw bad("web.token_file", "a file path");
  return { host, port, tokenFile };
}
