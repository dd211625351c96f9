/**
 * The native backend's pooled CSPRNG: small requests are cut from one `randomFillSync` of a pool,
 * each as its own fresh buffer, and no byte is ever handed out twice.
 */
import { describe, expect, it } from "vitest";
import { pooledRandomBytes } from "../src/backend/native.js";
import { nativeBackend } from "../src/index.js";

describe("pooledRandomBytes", () => {
  it("hands out fresh, unshared buffers of the asked length, across pool refills", () => {
    const seen = new Set<string>();
    const buffers = new Set<ArrayBufferLike>();
    for (let i = 0; i < 3000; i++) {
      const n = [0, 1, 12, 16, 32, 255, 256][i % 7]!;
      const b = pooledRandomBytes(n);
      expect(b).toBeInstanceOf(Uint8Array);
      expect(b.length).toBe(n);
      // Its own memory: nothing else (the pool, another caller) can see or change these bytes.
      expect(b.byteOffset).toBe(0);
      expect(b.buffer.byteLength).toBe(n);
      expect(buffers.has(b.buffer)).toBe(false);
      buffers.add(b.buffer);
      if (n >= 16) {
        const hex = Buffer.from(b).toString("hex");
        expect(seen.has(hex)).toBe(false); // never the same bytes twice
        seen.add(hex);
      }
    }
  });

  it("passes large requests straight to the OpenSSL CSPRNG and is the native backend's randomBytes", () => {
    expect(pooledRandomBytes(257).length).toBe(257);
    expect(pooledRandomBytes(100_000).length).toBe(100_000);
    expect(nativeBackend.randomBytes(16).length).toBe(16);
  });

  it("looks uniform: every bit set about half the time", () => {
    const ones = new Array<number>(8).fill(0);
    const n = 20_000;
    for (let i = 0; i < n; i++) {
      const byte = pooledRandomBytes(1)[0]!;
      for (let bit = 0; bit < 8; bit++) ones[bit]! += (byte >> bit) & 1;
    }
    for (const c of ones) expect(Math.abs(c - n / 2)).toBeLessThan(n * 0.05);
  });
});
