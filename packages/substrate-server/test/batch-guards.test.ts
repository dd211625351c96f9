// The batch extension passes every item through the same write checks as the single calls:
// another tenant's appendBlock to an owner-write-only chain is refused (403) and nothing of the
// batch is applied; a batch that would overfill the tenant's quota is refused (413). On both backends.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BACKENDS, b64, newUser, type TestServer, type User } from "./helpers.js";

describe.each(BACKENDS)("batch items pass the single calls' write checks ($name)", (backend) => {
  let server: TestServer;
  let alice: User;
  let bob: User;
  beforeAll(async () => {
    server = await backend.start({ tenantQuotaBytes: 64 * 1024 });
    alice = await newUser(server.url, "balice");
    bob = await newUser(server.url, "bbob");
  });
  afterAll(async () => server?.stop());

  it("refuses a foreign append to an owner-write-only chain with 403, and applies nothing", async () => {
    const policy = `/api/chains/policy/${alice.username}/hsagent-audit-b`;
    expect((await alice.client.put(policy, { ownerWriteOnly: true })).status).toBe(200);
    const r = await bob.client.post(`/api/batch/${bob.id}`, {
      items: [
        { op: "putObject", type: 7003, version: 0, data: b64("bob's") },
        {
          op: "appendBlock",
          tenant: alice.username,
          chain: "hsagent-audit-b",
          shard: 0,
          payload: b64("forged"),
        },
      ],
    });
    expect(r.status).toBe(403);
    expect(r.body.error).toContain("items[1]");
    // Nothing of the batch was applied: no block in alice's chain, no object in bob's tenant.
    expect((await alice.client.get(`/api/chains/metadata/${alice.username}/hsagent-audit-b/0`)).status).toBe(
      404,
    );
    expect((await bob.client.get(`/api/objects/stats/${bob.id}`)).body.objectCount).toBe("0");
    // The owner's own batch append still goes through.
    const own = await alice.client.post(`/api/batch/${alice.id}`, {
      items: [{ op: "appendBlock", chain: "hsagent-audit-b", shard: 0, payload: b64("mine") }],
    });
    expect(own.status).toBe(200);
  });

  it("refuses a batch that would overfill the tenant's quota with 413", async () => {
    const u = await newUser(server.url, "bquota");
    const big = b64("q".repeat(40 * 1024));
    const r = await u.client.post(`/api/batch/${u.id}`, {
      items: [
        { op: "putObject", type: 7003, version: 0, data: big },
        { op: "putObject", type: 7003, version: 0, data: big },
      ],
    });
    expect(r.status).toBe(413);
  });
});
