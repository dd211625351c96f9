import { describe, expect, it } from "vitest";
import {
  ALICE_ID,
  alice,
  bob,
  Clock,
  identityOf,
  makeAgent,
  registerOf,
  runToQuiescence,
} from "./helpers.js";

describe("driven sessions", () => {
  it("runs 5 consecutive complete v2 sessions in memory", () => {
    const clock = new Clock();
    const a = makeAgent(alice, identityOf(bob), clock);
    const b = makeAgent(bob, identityOf(alice), clock);
    expect(a.ctx.role).toBe("initiator");
    expect(b.ctx.role).toBe("responder");
    for (let i = 0; i < 5; i++) {
      runToQuiescence(a, b, [{ to: b, payload: registerOf(alice) }]);
      clock.ms += 3000;
      expect(a.state.name).toBe("init_ready");
      expect(b.state.name).toBe("resp_ready");
    }
    const est = (log: typeof a.log) => log.filter((e) => e.type === "established");
    expect(est(a.log)).toHaveLength(5);
    expect(est(b.log)).toHaveLength(5);
    expect(a.log.filter((e) => e.type === "closed")).toHaveLength(5);
    expect(b.log.filter((e) => e.type === "closed")).toHaveLength(5);
    expect(a.log.filter((e) => e.type === "aborted" || e.type === "rejected")).toEqual(
      // Bob's state is ready when Alice's 2nd/3rd close arrive: those are Bob's rejections, not Alice's.
      [],
    );
    const sids = est(a.log).map((e) => (e.type === "established" ? e.sid : ""));
    expect(new Set(sids).size).toBe(5);
    const delivered = b.log
      .filter((e) => e.type === "deliver")
      .map((e) => (e.type === "deliver" ? e.message : null));
    expect(delivered).toHaveLength(20);
    expect(delivered.every((m) => m === "How are you?")).toBe(true);
    expect(
      a.log
        .filter((e) => e.type === "deliver")
        .every((e) => e.type === "deliver" && e.message === "I am OK!"),
    ).toBe(true);
    expect(ALICE_ID < bob.agentId).toBe(true);
  });
});
