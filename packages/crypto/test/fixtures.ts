/** Loads the byte-exact vectors copied from the shared spec into test/fixtures. */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { KeyInput, KxKeyPair } from "../src/index.js";
import {
  type DeriveV2Options,
  deriveV2SessionKeys,
  type SessionRole,
  type V2SessionKeys,
} from "../src/session.js";

/** Parse `test/fixtures/<name>.json`. */
export function fixture<T = Record<string, unknown>>(name: string): T {
  return JSON.parse(
    readFileSync(fileURLToPath(new URL(`./fixtures/${name}.json`, import.meta.url)), "utf8"),
  ) as T;
}

/** Expect `fn` to throw a HandshakeError and return its reason ("<other>" if something else). */
export function reasonOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    if (err instanceof Error && err.name === "HandshakeError")
      return (err as Error & { reason: string }).reason;
    return `<other: ${String(err)}>`;
  }
  return "<no throw>";
}

/** Async variant of {@link reasonOf}. */
export async function reasonOfAsync(fn: () => Promise<unknown>): Promise<string> {
  try {
    await fn();
  } catch (err) {
    if (err instanceof Error && err.name === "HandshakeError")
      return (err as Error & { reason: string }).reason;
    return `<other: ${String(err)}>`;
  }
  return "<no throw>";
}

/** v2 session keys of our ephemeral `mine` toward `peerKxPub` under TH `th` (plus `extra` options). */
export function v2Keys(
  mine: KxKeyPair | KeyInput,
  peerKxPub: KeyInput,
  th: Uint8Array,
  role: SessionRole,
  extra: Partial<DeriveV2Options> = {},
): V2SessionKeys {
  return deriveV2SessionKeys({ ephemeral: mine, peerKxPub, transcriptHash: th, role, ...extra });
}
