// Health probes the hosts hand to the fleet view: an HTTP GET of a readiness URL and a TCP connect
// to the relay. Each answers a HealthItem and never throws; details carry no secrets.

import net from "node:net";
import type { HealthItem } from "./snapshot.js";

/** GET `url` (e.g. the substrate's `/readyz`); ok on 2xx within `timeoutMs`. */
export async function probeHttp(name: string, url: string, timeoutMs = 3000): Promise<HealthItem> {
  const started = Date.now();
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    await res.body?.cancel();
    return {
      name,
      ok: res.ok,
      detail: `${res.ok ? "ready" : `HTTP ${res.status}`} (${Date.now() - started} ms)`,
      checkedAt: Date.now(),
    };
  } catch (err) {
    const cause = (err as { cause?: { code?: string } }).cause?.code;
    return {
      name,
      ok: false,
      detail: (err as Error).name === "TimeoutError" ? "timed out" : (cause ?? "unreachable"),
      checkedAt: Date.now(),
    };
  }
}

/** Open and close a TCP connection to host:port; ok when it connects within `timeoutMs`. */
export function probeTcp(name: string, host: string, port: number, timeoutMs = 3000): Promise<HealthItem> {
  const started = Date.now();
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (ok: boolean, detail: string) => {
      socket.destroy();
      resolve({ name, ok, detail, checkedAt: Date.now() });
    };
    socket.setTimeout(timeoutMs, () => done(false, "timed out"));
    socket.once("error", (err: NodeJS.ErrnoException) => done(false, err.code ?? "unreachable"));
    socket.once("connect", () => done(true, `reachable (${Date.now() - started} ms)`));
  });
}
