/**
 * Hybrid X25519+ML-KEM-768 key agreement through the machines: negotiated when both offer it,
 * stripping or tampering on the relay never yields a session, and peers without it (older v2,
 * `pq: false`, v1 legacy) get the classic session as before.
 */
import { nobleMlKem768, prepareMlKem768 } from "@hsagent/crypto";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Effect, ProtocolConfig } from "../src/index.js";
import { type Agent, alice, deliver, pairAgents, registerOf, runToQuiescence, sends } from "./helpers.js";

const HYBRID = ["x25519+mlkem768", "x25519"];

function pair(
  opts: {
    alice?: Partial<ProtocolConfig>;
    bob?: Partial<ProtocolConfig>;
    aliceKa?: readonly string[] | undefined;
    bobKa?: readonly string[] | undefined;
    bobProtocols?: number[];
  } = {},
) {
  const aliceKa = "aliceKa" in opts ? opts.aliceKa : HYBRID;
  const bobKa = "bobKa" in opts ? opts.bobKa : HYBRID;
  return pairAgents(
    { config: opts.alice ?? {}, keyAgreements: aliceKa },
    { config: opts.bob ?? {}, keyAgreements: bobKa, protocols: opts.bobProtocols ?? [2, 1] },
  );
}

const established = (effects: readonly Effect[]) => effects.filter((e) => e.type === "established");
const rejections = (effects: readonly Effect[]) =>
  effects.flatMap((e) => (e.type === "rejected" ? [e.reason] : []));

/** Register → confirm → request #1, with `relay` allowed to rewrite each payload on the way. */
function handshake(a: Agent, b: Agent, relay: (p: Record<string, unknown>) => Record<string, unknown>) {
  const [confirm] = sends(deliver(b, registerOf(alice)));
  const onConfirm = deliver(a, relay(confirm!));
  const [request1] = sends(onConfirm);
  const onRequest = request1 ? deliver(b, relay(request1)) : [];
  const [respond1] = sends(onRequest);
  const onRespond = respond1 ? deliver(a, relay(respond1)) : [];
  return { confirm: confirm!, request1, onConfirm, onRequest, onRespond };
}

const without = (p: Record<string, unknown>, ...keys: string[]) =>
  Object.fromEntries(Object.entries(p).filter(([k]) => !keys.includes(k)));

function flipB64(text: string, at: number): string {
  const bytes = Buffer.from(text, "base64");
  bytes[at]! ^= 1;
  return bytes.toString("base64");
}

describe("hybrid key agreement", () => {
  it("both offer it: the confirm carries kem_pub, request #1 kem_ct, both sides agree on hybrid keys", () => {
    const { a, b } = pair();
    const h = handshake(a, b, (p) => p);
    expect(typeof h.confirm.kem_pub).toBe("string");
    expect(h.confirm.ka).toEqual(HYBRID);
    expect(typeof h.request1?.kem_ct).toBe("string");
    const [ea] = established(h.onRespond);
    const [eb] = established(h.onRequest);
    if (ea?.type !== "established" || eb?.type !== "established") throw new Error("not established");
    expect(ea.keyAgreement).toBe("x25519+mlkem768");
    expect(eb.keyAgreement).toBe("x25519+mlkem768");
    expect(ea.sid).toBe(eb.sid);
    expect(Buffer.from(ea.keys.i2r).equals(Buffer.from(eb.keys.i2r))).toBe(true);
    expect(Buffer.from(ea.keys.r2i).equals(Buffer.from(eb.keys.r2i))).toBe(true);
    const audits = [...h.onRequest, ...h.onRespond].flatMap((e) =>
      e.type === "audit" && e.event.type === "HANDSHAKE_OK" ? [e.event.keyAgreement] : [],
    );
    expect(audits).toEqual(["x25519+mlkem768", "x25519+mlkem768"]);
  });

  it("the responder offers the runtime's key pair (made ahead of time) when it supplies one, one per session", () => {
    const { a, b } = pair();
    const handedOut: string[] = [];
    b.ctx = {
      ...b.ctx,
      deps: {
        ...b.ctx.deps,
        generateMlKemKeyPair: () => {
          const kp = nobleMlKem768.generateKeyPair();
          handedOut.push(kp.publicKeyB64);
          return kp;
        },
      },
    };
    for (let round = 1; round <= 2; round++) {
      runToQuiescence(a, b, [{ to: b, payload: registerOf(alice) }]);
      const confirms = sends(b.log).filter((p) => p.intent === "confirm");
      expect(confirms.map((p) => p.kem_pub)).toEqual(handedOut);
      expect(new Set(handedOut).size).toBe(round);
      const sessions = a.log.flatMap((e) => (e.type === "established" ? [e.keyAgreement] : []));
      expect(sessions).toEqual(Array(round).fill("x25519+mlkem768"));
    }
  });

  it("the runtime's own ML-KEM (liboqs WebAssembly, fresh randomness) serves both sides' KEM steps", async () => {
    const kem = await prepareMlKem768();
    expect(kem.name).toBe("liboqs");
    const { a, b } = pair();
    const used = { keygen: 0, encaps: 0 };
    const withKem = (agent: Agent) => {
      agent.ctx = {
        ...agent.ctx,
        deps: {
          ...agent.ctx.deps,
          generateMlKemKeyPair: () => {
            used.keygen++;
            return kem.generateKeyPair();
          },
          encapsulateMlKem: (pub) => {
            used.encaps++;
            return kem.encapsulate(pub);
          },
        },
      };
    };
    withKem(a);
    withKem(b);
    const h = handshake(a, b, (p) => p);
    const [ea] = established(h.onRespond);
    const [eb] = established(h.onRequest);
    if (ea?.type !== "established" || eb?.type !== "established") throw new Error("not established");
    expect(used).toEqual({ keygen: 1, encaps: 1 });
    expect(ea.keyAgreement).toBe("x25519+mlkem768");
    expect(Buffer.from(ea.keys.i2r).equals(Buffer.from(eb.keys.i2r))).toBe(true);
    // A tampered ciphertext from this path is still refused before established.
    const { a: a2, b: b2 } = pair();
    withKem(a2);
    withKem(b2);
    const bad = handshake(a2, b2, (p) => (p.kem_ct ? { ...p, kem_ct: flipB64(p.kem_ct as string, 5) } : p));
    expect(established(bad.onRequest)).toEqual([]);
    expect(rejections(bad.onRequest).length).toBeGreaterThan(0);
  });

  it("a full hybrid conversation runs to a clean close", () => {
    const { a, b } = pair();
    runToQuiescence(a, b, [{ to: b, payload: registerOf(alice) }]);
    expect(a.log.filter((e) => e.type === "closed")).toHaveLength(1);
    expect(b.log.filter((e) => e.type === "closed")).toHaveLength(1);
    // The same drops as a classic run (the extra `close` copies arriving after the purge).
    const classic = pair({ alice: { pq: false }, bob: { pq: false } });
    runToQuiescence(classic.a, classic.b, [{ to: classic.b, payload: registerOf(alice) }]);
    expect(rejections([...a.log, ...b.log])).toEqual(rejections([...classic.a.log, ...classic.b.log]));
  });

  it("a relay that strips kem_pub from confirm → downgrade at the initiator, no session", () => {
    const { a, b } = pair();
    const h = handshake(a, b, (p) => (p.intent === "confirm" ? without(p, "kem_pub", "ka") : p));
    expect(rejections(h.onConfirm)).toEqual(["downgrade"]);
    expect(a.state.name).toBe("init_ready");
    expect(a.state.session).toBeNull();
    expect(established([...h.onConfirm, ...h.onRequest, ...h.onRespond])).toEqual([]);
  });

  it("stripping kem_pub is caught by the responder when only the initiator's identity advertises it", () => {
    const { a, b } = pair({ bobKa: undefined });
    const h = handshake(a, b, (p) => (p.intent === "confirm" ? without(p, "kem_pub", "ka") : p));
    expect(h.request1?.kem_ct).toBeUndefined(); // Alice fell back to classic...
    expect(rejections(h.onRequest)).toEqual(["downgrade"]); // ...and Bob refuses it.
    expect(b.state.name).toBe("resp_confirm");
    expect(b.state.session?.established).toBe(false);
    expect(established([...h.onRequest, ...h.onRespond])).toEqual([]);
  });

  it("a relay that strips kem_ct from request #1 → downgrade at the responder, no session", () => {
    const { a, b } = pair();
    const h = handshake(a, b, (p) => (p.intent === "request" ? without(p, "kem_ct", "ka") : p));
    expect(rejections(h.onRequest)).toEqual(["downgrade"]);
    expect(b.state.name).toBe("resp_confirm");
    expect(established(h.onRequest)).toEqual([]);
  });

  it("a tampered KEM ciphertext is rejected before established", () => {
    const { a, b } = pair();
    const before = { name: "", session: null as unknown };
    const h = handshake(a, b, (p) => {
      if (p.intent !== "request" || typeof p.kem_ct !== "string") return p;
      before.name = b.state.name;
      before.session = b.state.session;
      return { ...p, kem_ct: flipB64(p.kem_ct, 100) };
    });
    expect(rejections(h.onRequest)).toEqual(["bad-signature"]);
    expect(b.state.name).toBe(before.name);
    expect(b.state.session).toBe(before.session);
    expect(established([...h.onRequest, ...h.onRespond])).toEqual([]);
  });

  it("a tampered or unsigned KEM offer is refused by the initiator before any state change", () => {
    for (const tamper of [
      (p: Record<string, unknown>) => ({ ...p, kem_pub: flipB64(p.kem_pub as string, 7) }),
      (p: Record<string, unknown>) => ({ ...p, ka: ["x25519+mlkem768"] }),
      (p: Record<string, unknown>) => without(p, "kem_sig"),
    ]) {
      const { a, b } = pair();
      const h = handshake(a, b, (p) => (p.intent === "confirm" ? tamper(p) : p));
      expect(rejections(h.onConfirm)).toEqual(["bad-signature"]);
      expect(a.state.name).toBe("init_ready");
      expect(established([...h.onConfirm, ...h.onRequest, ...h.onRespond])).toEqual([]);
    }
  });

  it("a tampered ka list in request #1 is rejected by the responder (bound in the transcript)", () => {
    const { a, b } = pair();
    const h = handshake(a, b, (p) => (p.intent === "request" ? { ...p, ka: ["x25519+mlkem768"] } : p));
    expect(rejections(h.onRequest)).toEqual(["bad-signature"]);
    expect(established([...h.onRequest, ...h.onRespond])).toEqual([]);
  });

  it("a v2 peer without the hybrid (older build: no kem fields, no advertisement) → classic session", () => {
    // Older responder.
    let { a, b } = pair({ bob: { pq: false }, bobKa: undefined });
    let h = handshake(a, b, (p) => p);
    expect(h.confirm.kem_pub).toBeUndefined();
    expect(h.request1?.kem_ct).toBeUndefined();
    expect(established(h.onRespond).map((e) => e.type === "established" && e.keyAgreement)).toEqual([
      "x25519",
    ]);
    // Older initiator: ignores kem_pub, sends no kem_ct.
    ({ a, b } = pair({ alice: { pq: false }, aliceKa: undefined }));
    h = handshake(a, b, (p) => p);
    expect(typeof h.confirm.kem_pub).toBe("string");
    expect(h.request1?.kem_ct).toBeUndefined();
    const est = established([...h.onRequest, ...h.onRespond]);
    expect(est.map((e) => e.type === "established" && e.keyAgreement)).toEqual(["x25519", "x25519"]);
  });

  it("--no-pq on one side (advertised as classic) → classic session", () => {
    const { a, b } = pair({ alice: { pq: false }, aliceKa: ["x25519"] });
    const h = handshake(a, b, (p) => p);
    const est = established([...h.onRequest, ...h.onRespond]);
    expect(est.map((e) => e.type === "established" && e.keyAgreement)).toEqual(["x25519", "x25519"]);
  });

  it("a v1 peer with allowLegacy → a v1 session as today (x25519)", () => {
    const { a, b } = pair({
      alice: { allowLegacy: true },
      bob: { protocolVersions: [1] },
      bobProtocols: [1],
      bobKa: undefined,
    });
    const h = handshake(a, b, (p) => p);
    expect(h.confirm.kem_pub).toBeUndefined();
    expect(h.request1?.kem_ct).toBeUndefined();
    const est = established([...h.onConfirm, ...h.onRequest]);
    expect(est.map((e) => e.type === "established" && [e.version, e.keyAgreement])).toEqual([
      [1, "x25519"],
      [1, "x25519"],
    ]);
  });

  it("garbage in the KEM fields never throws and never yields a session or a state change", () => {
    const junk = fc.oneof(
      fc.anything(),
      fc.base64String({ maxLength: 2000 }),
      fc.array(fc.string({ maxLength: 40 }), { maxLength: 10 }),
    );
    fc.assert(
      fc.property(
        junk,
        junk,
        junk,
        fc.constantFrom("kem_pub", "kem_sig", "ka", "kem_ct"),
        (x, y, z, which) => {
          const { a, b } = pair();
          const [confirm] = sends(deliver(b, registerOf(alice)));
          if (which !== "kem_ct") {
            const before = a.state;
            const out = deliver(a, { ...confirm!, [which]: x, ...(which === "ka" ? { kem_sig: y } : {}) });
            expect(established(out)).toEqual([]);
            if (rejections(out).length > 0) expect(a.state).toBe(before);
            return;
          }
          const [request1] = sends(deliver(a, confirm!));
          const before = b.state;
          const out = deliver(b, { ...request1!, kem_ct: x, ka: z });
          expect(established(out)).toEqual([]);
          expect(b.state).toBe(before);
        },
      ),
      { numRuns: 60 },
    );
  });
});
