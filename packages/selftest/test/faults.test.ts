// Each check can fail: the selftest runs against deliberately broken
// substrates (a real node:http proxy in front of a real server that corrupts
// one behaviour) and broken crypto backends, and EXACTLY the checks that
// depend on the broken behaviour fail — every other check still passes.
// Where one fault legitimately breaks two checks (a server that ignores
// versions also breaks session conflict detection), the test names both.

import { describe, expect, it } from "vitest";
import { type CheckName, runSelfTest, type SelfTestBackends, type SelfTestReport } from "../src/index.js";
import {
  acceptAnyPassword,
  acceptFutureVersions,
  dropSessionIndex,
  foreignAuditBlock,
  forgetNonces,
  ignoreVersions,
  leakTenants,
  loseChainDeletes,
  loseEveryOtherAppend,
  loseObjectDeletes,
  nativeBadSignatures,
  nativePasswordBlindScrypt,
  nobleBadAgreement,
  reverseAssociationOrder,
  textObjectData,
} from "./helpers/faults.js";
import { type Fault, passThrough, startProxy } from "./helpers/proxy.js";
import { testServer } from "./helpers/servers.js";

const handle = testServer("sqlite");

async function runThrough(fault: Fault, backends?: SelfTestBackends): Promise<SelfTestReport> {
  const proxy = await startProxy(handle.url, fault);
  try {
    return await runSelfTest({ baseUrl: proxy.url, ...(backends ? { backends } : {}) });
  } finally {
    await proxy.close();
  }
}

function failed(report: SelfTestReport): CheckName[] {
  return report.checks.filter((c) => !c.ok).map((c) => c.name);
}

function errorOf(report: SelfTestReport, name: CheckName): string {
  return report.checks.find((c) => c.name === name)?.error ?? "";
}

describe("faulty substrates fail exactly the matching checks", () => {
  it("control: the same proxy passing everything through fails nothing", async () => {
    const report = await runThrough(passThrough);
    expect(failed(report)).toEqual([]);
    expect(report.ok).toBe(true);
  });

  it("a server that ignores versions (409 on object PUT turned into 201) fails version-clash and sessions", async () => {
    const report = await runThrough(ignoreVersions);
    expect(failed(report)).toEqual(["version-clash", "sessions"]);
    expect(errorOf(report, "version-clash")).toMatch(/stale version .* was accepted, expected 409/);
    expect(errorOf(report, "sessions")).toMatch(/stale version was accepted/);
    expect(report.ok).toBe(false);
  });

  it("a server that accepts a version from the future (>= instead of ==) fails version-clash only", async () => {
    const report = await runThrough(acceptFutureVersions);
    expect(failed(report)).toEqual(["version-clash"]);
    expect(errorOf(report, "version-clash")).toMatch(
      /a PUT with a future version .* was accepted, expected 409/,
    );
  });

  it("a server that keeps object data as text (non-UTF-8 bytes mangled) fails objects only", async () => {
    const report = await runThrough(textObjectData);
    expect(failed(report)).toEqual(["objects"]);
    expect(errorOf(report, "objects")).toMatch(/read after update: binary data differs/);
  });

  it("a server that drops has_handshake_with associations fails sessions only", async () => {
    const report = await runThrough(dropSessionIndex);
    expect(failed(report)).toEqual(["sessions"]);
    expect(errorOf(report, "sessions")).toMatch(/list shows \[\]/);
  });

  it("a server whose chain deletes do nothing fails cleanup only", async () => {
    const report = await runThrough(loseChainDeletes);
    expect(failed(report)).toEqual(["cleanup"]);
    expect(errorOf(report, "cleanup")).toMatch(
      /^account 1: [0-9]+ chain\(s\) left; account 2: 1 chain\(s\) left$/,
    );
  });

  it("a server that leaks across tenants (refusals replayed with the owner's token) fails tenant-isolation", async () => {
    const report = await runThrough(leakTenants());
    expect(failed(report)).toEqual(["tenant-isolation"]);
    const error = errorOf(report, "tenant-isolation");
    // Every probe leaks: 8 object paths (403 expected) and 8 chain paths (404 expected).
    expect(error).toMatch(
      /^16 of 16 cross-tenant requests not refused: GET \/api\/objects\/:other\/7990\/[0-9]+ → 200 \(expected 403\)/,
    );
  });

  it("a server that hides only objects but leaks chains fails tenant-isolation on the 8 chain probes", async () => {
    const report = await runThrough(leakTenants("chains"));
    expect(failed(report)).toEqual(["tenant-isolation"]);
    expect(errorOf(report, "tenant-isolation")).toMatch(
      /^8 of 16 cross-tenant requests not refused: GET \/api\/chains\/:other\/selftest-tenant-[0-9a-f]+\/0\/0 → 200 \(expected 404\)/,
    );
  });

  it("a server that loses every other chain append (but answers 201) fails audit", async () => {
    const report = await runThrough(loseEveryOtherAppend());
    expect(failed(report)).toEqual(["audit"]);
    expect(errorOf(report, "audit")).toMatch(/read back 4 of 8 audit events/);
  });

  it("another tenant's block in the audit chain (hosted semantics) fails audit, named as foreign", async () => {
    const report = await runThrough(foreignAuditBlock);
    expect(failed(report)).toEqual(["audit"]);
    expect(errorOf(report, "audit")).toMatch(/1 foreign block\(s\), written by mallory/);
  });

  it("a server that lists associations in ascending order fails associations", async () => {
    const report = await runThrough(reverseAssociationOrder);
    expect(failed(report)).toEqual(["associations"]);
    expect(errorOf(report, "associations")).toMatch(/not ordered by position descending/);
  });

  it("a server that acknowledges but drops nonce_seen associations fails nonces", async () => {
    const report = await runThrough(forgetNonces);
    expect(failed(report)).toEqual(["nonces"]);
    expect(errorOf(report, "nonces")).toMatch(/new store instance does not see the recorded nonce/);
  });

  it("a server that accepts a wrong password fails login (and nothing else)", async () => {
    const report = await runThrough(acceptAnyPassword());
    expect(failed(report)).toEqual(["login"]);
    expect(errorOf(report, "login")).toMatch(/wrong password was accepted/);
  });

  it("a server whose object deletes do nothing fails objects, sessions and cleanup", async () => {
    const report = await runThrough(loseObjectDeletes);
    expect(failed(report)).toEqual(["objects", "sessions", "cleanup"]);
    expect(errorOf(report, "objects")).toMatch(/read after delete: object still there/);
    expect(errorOf(report, "cleanup")).toMatch(/object\(s\) left/);
  });
});

describe("faulty crypto backends fail exactly the matching check", () => {
  it("native signatures with a flipped bit fail crypto-native", async () => {
    const report = await runThrough(passThrough, { native: nativeBadSignatures });
    expect(failed(report)).toEqual(["crypto-native"]);
    expect(errorOf(report, "crypto-native")).toMatch(/native: own signature does not verify/);
  });

  it("a noble X25519 that returns garbage fails crypto-noble", async () => {
    const report = await runThrough(passThrough, { noble: nobleBadAgreement });
    expect(failed(report)).toEqual(["crypto-noble"]);
    expect(errorOf(report, "crypto-noble")).toMatch(/noble: X25519/);
  });

  it("an scrypt that ignores the passphrase fails vault", async () => {
    const report = await runThrough(passThrough, { native: nativePasswordBlindScrypt });
    expect(failed(report)).toEqual(["vault"]);
    expect(errorOf(report, "vault")).toMatch(/known id\.v1 vault/);
  });
});
