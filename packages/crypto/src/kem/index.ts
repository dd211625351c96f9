/**
 * Picks the ML-KEM-768 implementation: `noble` always exists; `native` (node:crypto) only where the
 * runtime has ML-KEM. With no explicit choice, the faster of those present is used, decided once
 * per process by measuring CPU time of a few keygen/encaps/decaps rounds of each.
 */
import type { BackendName } from "../backend/types.js";
import { HandshakeError } from "../errors.js";
import { nativeMlKem768, nativeMlKem768Available } from "./native.js";
import { nobleMlKem768 } from "./noble.js";
import type { MlKem768 } from "./types.js";

/** The ML-KEM-768 implementations this runtime has (`noble` first). */
export function availableMlKem768(): MlKem768[] {
  return nativeMlKem768Available() ? [nobleMlKem768, nativeMlKem768] : [nobleMlKem768];
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

/**
 * The ML-KEM-768 implementation to use. `"native"` throws where the runtime lacks it;
 * `undefined` means the fastest present (measured once, then cached).
 * @throws HandshakeError `malformed` for an unknown or unavailable choice
 */
export function getMlKem768(choice?: BackendName): MlKem768 {
  if (choice === "noble") return nobleMlKem768;
  if (choice === "native") {
    if (nativeMlKem768Available()) return nativeMlKem768;
    throw new HandshakeError("malformed", "this runtime's node:crypto has no ML-KEM-768");
  }
  if (choice !== undefined) throw new HandshakeError("malformed", "unknown ML-KEM backend");
  if (fastest === undefined) {
    const present = availableMlKem768();
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
export { nativeMlKem768, nativeMlKem768Available, nobleMlKem768 };
