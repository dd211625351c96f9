/**
 * The crypto backend is an injected dependency (`ProtocolDeps.backend`): a whole session runs on
 * the backend the caller passes, without touching @hsagent/crypto's module default.
 */
import { type Backend, kxKeyPairFromPrivate, nobleBackend, signingKeyFromPrivate } from "@hsagent/crypto";
import { describe, expect, it } from "vitest";
import type { Effect, ProtocolConfig, ProtocolDeps, SelfIdentity } from "../src/index.js";
import { alice, bob, type Clock, completeSession, DetRandom, pairAgents, sends } from "./helpers.js";

/** `inner` with every method call counted by name. */
function countingBackend(inner: Backend): { backend: Backend; calls: Map<string, number> } {
  const calls = new Map<string, number>();
  const backend = new Proxy(inner, {
    get(target, key, receiver) {
      const value: unknown = Reflect.get(target, key, receiver);
      if (typeof value !== "function") return value;
      return (...args: unknown[]) => {
        calls.set(String(key), (calls.get(String(key)) ?? 0) + 1);
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  return { backend, calls };
}

/** `who` with its long-term key held by `backend`. */
const onBackend = (who: SelfIdentity, backend: Backend): SelfIdentity => ({
  agentId: who.agentId,
  signingKey: signingKeyFromPrivate(who.signingKey.exportPrivateKey(), backend),
});

/** One complete session between Alice and Bob; returns both logs and every payload sent. */
function session(
  config: Partial<ProtocolConfig>,
  deps: (label: string, clock: Clock) => ProtocolDeps,
  on?: Backend,
) {
  const protocols = config.protocolVersions ?? [2, 1];
  const side = (self: SelfIdentity, label: string) => ({
    self: on ? onBackend(self, on) : self,
    config,
    protocols,
    deps: (clock: Clock) => deps(label, clock),
  });
  const { a, b } = pairAgents(side(alice, "a"), side(bob, "b"));
  completeSession(a, b, protocols);
  const kinds = (log: Effect[]) =>
    log.map((e) => e.type).filter((t) => t === "established" || t === "closed");
  return { a, b, kinds, sent: [...sends(a.log), ...sends(b.log)] };
}

const CONFIGS: [string, Partial<ProtocolConfig>][] = [
  ["v2 hybrid", {}],
  ["v2 classic", { pq: false }],
  ["legacy v1", { protocolVersions: [1], allowLegacy: true }],
];

describe("injected crypto backend", () => {
  it.each(CONFIGS)("%s: a full handshake and session run on the injected noble backend", (_name, config) => {
    const { backend, calls } = countingBackend(nobleBackend);
    const deps = (label: string, clock: Clock): ProtocolDeps => {
      const random = new DetRandom(label);
      return { now: clock.now, randomBytes: (n) => random.bytes(n), backend };
    };
    const { a, b, kinds } = session(config, deps, backend);
    expect(kinds(a.log)).toEqual(["established", "closed"]);
    expect(kinds(b.log)).toEqual(["established", "closed"]);
    expect(a.log.some((e) => e.type === "rejected" || e.type === "aborted")).toBe(false);
    // Ephemeral keys (no generateKxKeyPair injected), the key schedule and the sealed rounds all
    // went through the injected backend.
    expect(calls.get("generateKxKeyPair")).toBe(2);
    expect(calls.get("hkdfSha256")).toBe(2);
    expect(calls.get("aesGcmEncrypt")).toBeGreaterThanOrEqual(8);
    expect(calls.get("aesGcmDecrypt")).toBeGreaterThanOrEqual(8);
  });

  it.each(CONFIGS)("%s: noble and the default backend produce the same bytes", (_name, config) => {
    const detOn =
      (backend?: Backend) =>
      (label: string, clock: Clock): ProtocolDeps => {
        const random = new DetRandom(label);
        return {
          now: clock.now,
          randomBytes: (n) => random.bytes(n),
          generateKxKeyPair: () => kxKeyPairFromPrivate(random.bytes(32), backend),
          ...(backend ? { backend } : {}),
        };
      };
    const native = session(config, detOn());
    const noble = session(config, detOn(nobleBackend), nobleBackend);
    expect(noble.sent).toEqual(native.sent);
    expect(noble.a.log.find((e) => e.type === "established")).toBeDefined();
  });
});
