// Test helpers of the NATS transport: poll for a condition, and a transport bound as one agent
// whose received messages are collected.

import type { RelayMessage } from "@hsagent/relay";
import { NatsTransport, type NatsTransportOptions } from "../src/index.js";

/** Resolve once `predicate()` holds (polling every `stepMs`); reject naming `what` after `ms`. */
export async function until(predicate: () => boolean, what: string, ms = 10_000, stepMs = 20): Promise<void> {
  const end = Date.now() + ms;
  while (!predicate()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, stepMs));
  }
}

/** Connect a transport with `options`, bind it as `agentId` and collect what it receives; `open` gets it for teardown. */
export async function boundTransport(
  options: NatsTransportOptions,
  agentId: string,
  open: NatsTransport[],
): Promise<{ t: NatsTransport; got: RelayMessage[] }> {
  const t = new NatsTransport(options);
  open.push(t);
  const got: RelayMessage[] = [];
  t.onMessage((m) => got.push(m));
  await t.connect();
  await t.bind({ agentId });
  return { t, got };
}
