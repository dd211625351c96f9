// The fleet view of `hsagent up --web [HOST:PORT]`: parses the listen address (a bare `--web`
// means 127.0.0.1:7790), loads the token (HSAGENT_WEB_TOKEN or --web-token-file, never argv),
// and starts the page; the agents are attached by `up`.

import { registerSecret } from "@hsagent/config";
import type { FleetHost } from "@hsagent/fleet-view";
import { UsageError } from "./errors.js";

/** Where a bare `--web` listens. */
export const DEFAULT_WEB_LISTEN = "127.0.0.1:7790";

/** Give a bare `--web` (last, or followed by another flag) its default value, so oclif can parse it. */
export function defaultWebArg(argv: readonly string[]): string[] {
  const out = [...argv];
  for (let i = 0; i < out.length; i++) {
    if (out[i] !== "--web") continue;
    const next = out[i + 1];
    if (next === undefined || next.startsWith("-")) out.splice(i + 1, 0, DEFAULT_WEB_LISTEN);
  }
  return out;
}

/** Start the fleet view for `up`. */
export async function startUpWeb(options: {
  listen: string;
  tokenFile: string | undefined;
  substrateUrl: string;
  /** The relay to probe; absent when the agents use NATS. */
  relay?: { host: string; port: number };
  env?: NodeJS.ProcessEnv;
}): Promise<FleetHost> {
  const fv = await import("@hsagent/fleet-view");
  const addr = fv.parseListen(options.listen);
  if (!addr) throw new UsageError(`--web must be HOST:PORT or PORT, not "${options.listen}"`);
  try {
    const token = fv.loadToken({ file: options.tokenFile, env: options.env ?? process.env });
    registerSecret(token);
    return await fv.startFleetHost({
      ...addr,
      token,
      title: "hsagent up",
      ...(options.relay ? { relay: options.relay } : {}),
      substrateUrl: options.substrateUrl,
    });
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code?.startsWith("TOKEN_")) throw new UsageError((err as Error).message);
    throw err;
  }
}
