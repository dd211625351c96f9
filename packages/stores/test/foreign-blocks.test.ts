// Foreign blocks in an agent's audit chain, on a real substrate server: the audit log marks its
// chain owner-write-only before its first write, so another tenant's append is refused (403); where
// such an append was accepted (hosted semantics, here: the mark removed), the forged block is never
// read as one of the agent's events and is listed by foreignBlocks().

import { ApiError } from "@hsagent/substrate-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { auditChain, createSubstrateAuditLog, isOwnBlock } from "../src/index.js";
import { newClient, type ServerHandle, startServer } from "./helpers/env.js";

let handle: ServerHandle;
beforeAll(async () => {
  handle = await startServer("sqlite");
});
afterAll(() => handle?.stop());

describe("foreign blocks in the audit chain", () => {
  it("refuses foreign appends once the log has written, and never reads a foreign block as an event", async () => {
    const owner = await newClient(handle.server.url, "audit-owner", "audit-owner-password");
    const intruder = await newClient(handle.server.url, "intruder", "intruder-password");
    const log = createSubstrateAuditLog(owner, "agent-1");
    log.append({ type: "SESSION_OPENED", peer: "p1" });
    await log.flush();
    const chain = auditChain("agent-1");
    const forged = JSON.stringify({
      v: 1,
      batch: "forged-batch",
      agentId: "agent-1",
      events: [{ type: "SESSION_CLOSED", at: new Date().toISOString(), peer: "p1" }],
    });
    const refused = await intruder
      .appendBlock(chain, 0, forged, { tenant: "audit-owner" })
      .catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(ApiError);
    expect((refused as ApiError).status).toBe(403);

    // Hosted semantics (no mark): the append is accepted, and the reader flags it.
    await owner.setChainOwnerWriteOnly(chain, false);
    await intruder.appendBlock(chain, 0, forged, { tenant: "audit-owner" });
    const events = await log.recent(100);
    expect(events.map((e) => e.type)).toEqual(["SESSION_OPENED"]);
    const foreign = await log.foreignBlocks();
    expect(foreign).toHaveLength(1);
    expect(foreign[0]?.sourceAgent).toBe("intruder");
    expect(foreign[0]?.blockIdx).toBe("1");
    await log.close();
  });

  it("tells own blocks (password or agent-key sessions of the account) from others", () => {
    const block = (sourceAgent: unknown) =>
      ({ system: { sourceAgent }, blockIdx: "0", payloads: [], createdAt: null }) as never;
    expect(isOwnBlock(block("alice"), "alice")).toBe(true);
    expect(isOwnBlock(block("alice/agent:7"), "alice")).toBe(true);
    expect(isOwnBlock(block("alice2"), "alice")).toBe(false);
    expect(isOwnBlock(block("mallory"), "alice")).toBe(false);
    expect(isOwnBlock(block(undefined), "alice")).toBe(false);
  });
});
