/**
 * Picks the ML-KEM-768 implementation: `noble` always exists; `native` (node:crypto) only where the
 * runtime has ML-KEM; `liboqs` (WebAssembly) once {@link prepareMlKem768} has loaded it. With no
 * explicit choice, the fastest of those present is used, decided by measuring CPU time of a few
 * keygen/encaps/decaps rounds of each (once per process, again after liboqs loads).
 */
import { HandshakeError } from "../errors.js";
import { liboqsMlKem768, liboqsMlKem768Available, loadLiboqsMlKem768 } from "./liboqs.js";
import { nativeMlKem768, nativeMlKem768Available } from "./native.js";
import { nobleMlKem768 } from "./noble.js";
import type { MlKem768, MlKemBackendName } from "./types.js";

/** The ML-KEM-768 implementations this runtime has now (`noble` first). */
export function availableMlKem768(): MlKem768[] {
  const present = [nobleMlKem768];
  if (nativeMlKem768Available()) present.push(nativeMlKem768);
  if (liboqsMlKem768Available()) present.push(liboqsMlKem768);
  return present;
}

/**
 * Loads the implementations that need asynchronous set-up (liboqs' WebAssembly module), then
 * returns the fastest present. Call it once at start-up, before the first handshake; until it
 * resolves, {@link getMlKem768} picks among the synchronous ones. Never rejects.
 */
export async function prepareMlKem768(): Promise<MlKem768> {
  await loadLiboqsMlKem768();
  return getMlKem768();
}

function cpuMicros(): number {
  const { user, system } = process.cpuUsage();
  return user + system;
}

/** CPU microseconds for `rounds` full keygen/encaps/decaps cycles. */
function measure(kem: MlKem768, rounds: number): number {
  const start = cpuMicros();
  for (let i = 0; i < rounds; i++) {
    const pair = kem.generateKeyPair();
    pair.decapsulate(kem.encapsulate(pair.publicKey).cipherText);
  }
  return cpuMicros() - start;
}

let fastest: MlKem768 | undefined;
let measuredAmong = 0; // how many implementations were present when `fastest` was chosen

/**
 * The ML-KEM-768 implementation to use. `"native"` throws where the runtime lacks it, `"liboqs"`
 * before {@link prepareMlKem768} has loaded it; `undefined` means the fastest present (measured,
 * then cached).
 * @throws HandshakeError `malformed` for an unknown or unavailable choice
 */
export function getMlKem768(choice?: MlKemBackendName): MlKem768 {
  if (choice === "noble") return nobleMlKem768;
  if (choice === "native") {
    if (nativeMlKem768Available()) return nativeMlKem768;
    throw new HandshakeError("malformed", "this runtime's node:crypto has no ML-KEM-768");
  }
  if (choice === "liboqs") {
    if (liboqsMlKem768Available()) return liboqsMlKem768;
    throw new HandshakeError("malformed", "the liboqs ML-KEM-768 module is not loaded");
  }
  if (choice !== undefined) throw new HandshakeError("malformed", "unknown ML-KEM backend");
  const present = availableMlKem768();
  if (fastest === undefined || measuredAmong !== present.length) {
    measuredAmong = present.length;
    if (present.length === 1) fastest = present[0]!;
    else {
      for (const kem of present) measure(kem, 2); // warm-up
      const timed = present.map((kem) => ({ kem, cpu: measure(kem, 8) }));
      timed.sort((a, b) => a.cpu - b.cpu);
      fastest = timed[0]!.kem;
    }
  }
  return fastest;
}

export * from "./types.js";
export {
  liboqsMlKem768,
  liboqsMlKem768Available,
  loadLiboqsMlKem768,
  nativeMlKem768,
  nativeMlKem768Available,
  nobleMlKem768,
};
