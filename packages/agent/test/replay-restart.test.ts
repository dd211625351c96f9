/**
 * Replay protection survives a restart (PROTOCOL.md §7): the agent keeps each peer's last accepted
 * handshake timestamp as a durable high-water mark. Real processes (substrate, relay, agent); the
 * attacker is an in-test relay client. It captures a handshake message the agent accepted,
 * the agent is killed (-9) and started again (a new process, same substrate), and the captured
 * message is replayed inside the freshness window: it must be refused as `replay`, and the
 * peer's mark must not move (nothing written for it).
 */
import { SubstrateIdentityRegistry } from "@hsagent/stores";
import { SubstrateClient } from "@hsagent/substrate-client";
import { expect, it } from "vitest";
import type { World } from "./helpers.js";
import { sleep, waitFor } from "./helpers.js";
import { MALLORY_ID, Mallory } from "./mallory.js";
import { type Proc, spawnAgent, spawnWorld } from "./procs.js";

type Line = { event: string; peer?: string; reason?: string; intent?: string };
const lines = (p: Proc) => p.json() as unknown as Line[];

it("a handshake message replayed after a restart is refused, with nothing written", async () => {
  const procWorld = await spawnWorld("replay");
  const { substrate, relay, account, procs } = procWorld;
  let mallory: Mallory | null = null;
  try {
    const client = () =>
      new SubstrateClient({ baseUrl: substrate.url, credentials: account, autoRegister: true });
    const [host, port] = relay.address.split(":");
    const world = { client, relay: { address: { host, port: Number(port) } } } as unknown as World;
    // The attacker's identity exists before the agent starts, so the agent finds it at once.
    mallory = await Mallory.join(world);

    let agent = spawnAgent("replay-a", relay.address, substrate.url, account);
    procs.push(agent);
    const agentId = (await agent.waitLine(/"event":"ready".*"agentId":"([^"]+)"/))[1]!;
    const admin = client();
    await admin.login();
    const registry = new SubstrateIdentityRegistry(admin);
    const self = (await registry.lookupPeer(agentId))!;
    const peer = (await registry.lookupPeer(MALLORY_ID))!;
    mallory.engage({ agentId, signPubB64: self.signPubB64 });

    // A session with the attacker completes: its confirm was accepted and raised the mark.
    await waitFor(
      () => lines(agent).some((l) => l.event === "closed" && l.peer === MALLORY_ID),
      20_000,
      "a session",
    );
    const captured = [...mallory.produced].reverse().find((p) => p.intent === "confirm");
    expect(captured).toBeDefined();
    const markOf = async () => {
      const links = await admin.listAssociations(`replay_mark-${peer.identityObjId}`, self.identityObjId);
      expect(links.count).toBe(1);
      const mark = await admin.getJson(7007, links.associations[0]!.targetId);
      return { version: mark!.version, value: mark!.value };
    };

    // Restart: kill -9, then a new process with the same name and substrate.
    agent.child.kill("SIGKILL");
    await agent.exited;
    mallory.intercept = (out) => (out.intent === "confirm" ? [] : [out]); // answer nothing honest
    agent = spawnAgent("replay-a", relay.address, substrate.url, account);
    procs.push(agent);
    await agent.waitLine(/"event":"ready"/);
    await sleep(300);
    const before = await markOf();

    // Replay the captured confirm in answer to the restarted agent's next register.
    mallory.engage({ agentId, signPubB64: self.signPubB64 });
    let replayed = 0;
    mallory.intercept = (out) => {
      if (out.intent !== "confirm") return [out];
      replayed++;
      return [captured!];
    };
    await waitFor(
      () =>
        lines(agent).some((l) => l.event === "rejected" && l.peer === MALLORY_ID && l.reason === "replay"),
      20_000,
      "the replay refused",
    );
    expect(replayed).toBeGreaterThan(0);
    expect(lines(agent).some((l) => l.event === "established" && l.peer === MALLORY_ID)).toBe(false);
    expect(await markOf()).toEqual(before);
  } finally {
    await mallory?.close();
    await procWorld.close();
  }
}, 120_000);
