// The selftest against our server serving HTTPS with a certificate made at test time: with the
// certificate passed as `ca` every check passes (typed client, raw tenant probes, reachability
// probe); without it the run stops at the probe with SUBSTRATE_UNREACHABLE.

import { afterAll, beforeAll, expect, it } from "vitest";
import { startWithCert, type TlsSubstrate } from "../../substrate-client/test/helpers/tls.js";
import { runSelfTest } from "../src/index.js";

let server: TlsSubstrate;

beforeAll(async () => {
  server = await startWithCert({ tls: true });
});

afterAll(() => server?.stop());

it("passes every check over https:// with the CA given", async () => {
  const report = await runSelfTest({ baseUrl: server.url, ca: server.ca });
  expect(report.checks.filter((c) => !c.ok).map((c) => `${c.name}: ${c.error}`)).toEqual([]);
  expect(report.ok).toBe(true);
}, 90_000);

it("cannot reach an https:// substrate whose certificate it does not trust", async () => {
  await expect(runSelfTest({ baseUrl: server.url })).rejects.toMatchObject({ code: "SUBSTRATE_UNREACHABLE" });
});
