import { describe, expect, it } from "vitest";
import { type Agent, ALICE_ID, bob, completeSession, pairAgents } from "./helpers.js";

describe("driven sessions", () => {
  it("runs 5 consecutive complete v2 sessions in memory", () => {
    const { a, b, clock } = pairAgents();
    expect(a.ctx.role).toBe("initiator");
    expect(b.ctx.role).toBe("responder");
    for (let i = 0; i < 5; i++) {
      completeSession(a, b);
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

describe("legacy v1 sessions", () => {
  const v1 = { protocolVersions: [1], allowLegacy: true } as const;

  function complete(aCfg: object, bCfg: object, aProtos: number[], bProtos: number[]) {
    // protocols: what the other side's registry says each side advertises.
    const { a, b } = pairAgents({ config: aCfg, protocols: aProtos }, { config: bCfg, protocols: bProtos });
    completeSession(a, b, aProtos);
    return { a, b };
  }

  function assertV1Complete(a: Agent, b: Agent) {
    expect(a.state.name).toBe("init_ready");
    expect(b.state.name).toBe("resp_ready");
    for (const x of [a, b]) {
      const est = x.log.filter((e) => e.type === "established");
      expect(est).toHaveLength(1);
      expect(est[0]?.type === "established" && est[0].version).toBe(1);
      expect(x.log.filter((e) => e.type === "closed")).toHaveLength(1);
      expect(x.log.filter((e) => e.type === "deliver")).toHaveLength(4);
    }
    const keyOf = (x: typeof a) => {
      const e = x.log.find((f) => f.type === "established");
      return e?.type === "established" ? Buffer.from(e.keys.i2r).toString("base64") : "";
    };
    expect(keyOf(a)).toBe(keyOf(b));
    // v1 wire shape: no v / tsig / fin, `message` beside a v1 envelope, unsealed conclude/finish/close.
    const sent = [...a.log, ...b.log].flatMap((e) =>
      e.type === "send" ? [e.payload as Record<string, unknown>] : [],
    );
    const req1 = sent.find((p) => p.intent === "request" && p.hs !== undefined) as Record<
      string,
      Record<string, unknown>
    >;
    expect(req1.hs?.v).toBeUndefined();
    expect(req1.hs?.tsig).toBeUndefined();
    expect(req1.message).toBe("How are you?");
    expect(req1.sec?.envelope).toBeDefined();
    expect(sent.find((p) => p.intent === "respond")?.fin).toBeUndefined();
    for (const intent of ["conclude", "finish", "close"]) {
      expect(sent.find((p) => p.intent === intent)?.sec).toBeUndefined();
    }
  }

  it("v1 ↔ v1 completes with one legacy key both ways", () => {
    const { a, b } = complete(v1, v1, [1], [1]);
    assertV1Complete(a, b);
    const confirm = b.log.find((e) => e.type === "send");
    expect(confirm?.type === "send" && (confirm.payload.hs as Record<string, unknown>).v).toBeUndefined();
  });

  it("v2 initiator (allowLegacy) ↔ v1 responder completes in v1", () => {
    const { a, b } = complete({ allowLegacy: true }, v1, [2, 1], [1]);
    assertV1Complete(a, b);
  });

  it("v1 initiator ↔ v2 responder (allowLegacy) completes in v1", () => {
    const { a, b } = complete(v1, { allowLegacy: true }, [1], [2, 1]);
    assertV1Complete(a, b);
  });

  it("without allowLegacy a v1 peer is refused (legacy-refused), and nothing is established", () => {
    const { a, b } = complete({}, v1, [2, 1], [1]);
    expect(a.log).toContainEqual({ type: "rejected", reason: "legacy-refused", intent: "confirm" });
    expect(a.log.some((e) => e.type === "established")).toBe(false);
    expect(a.state.name).toBe("init_ready");
    expect(b.state.name).toBe("resp_confirm");
  });

  it("a v1 blob from a peer whose identity advertises 2 is a downgrade", () => {
    const { a } = complete({ allowLegacy: true }, v1, [2, 1], [2, 1]);
    expect(a.log).toContainEqual({ type: "rejected", reason: "downgrade", intent: "confirm" });
    expect(a.log.some((e) => e.type === "established")).toBe(false);
  });
});
