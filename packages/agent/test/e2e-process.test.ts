/**
 * End to end over REAL processes: the substrate bin (SQLite file in a temp dir, or PostgreSQL in
 * a random schema), the relay bin and `hsagent-agent` processes of one account (auto-registered).
 * Two agents complete ≥5 consecutive v2 sessions; five agents complete sessions in every pair
 * concurrently with no stuck or duplicate session; after a graceful stop no session state is left.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createSubstrateStores, SubstrateIdentityRegistry } from "@hsagent/stores";
import { SubstrateClient } from "@hsagent/substrate-client";
import { afterAll, describe, expect, it } from "vitest";
import { dropSchema, pgUrl, randomSchema, waitFor } from "./helpers.js";
import { type Proc, spawnAgent, spawnRelay, spawnSubstrate } from "./procs.js";

interface Line {
  event: string;
  peer?: string;
  agentId?: string;
  version?: number;
  reason?: string;
}

const lines = (p: Proc): Line[] => p.json() as unknown as Line[];
const closedWith = (p: Proc, peer: string): number =>
  lines(p).filter((l) => l.event === "closed" && l.peer === peer).length;

/** Per peer, sessions must alternate established → closed: never two open at once (no duplicates). */
function assertNoDuplicateSessions(p: Proc): void {
  const open = new Map<string, boolean>();
  for (const l of lines(p)) {
    if (!l.peer) continue;
    if (l.event === "established") {
      expect(open.get(l.peer), `duplicate session with ${l.peer}`).not.toBe(true);
      open.set(l.peer, true);
    }
    if (l.event === "closed" || l.event === "aborted") open.set(l.peer, false);
  }
}

async function leftoverSessions(
  url: string,
  account: { username: string; password: string },
  names: string[],
) {
  const client = new SubstrateClient({ baseUrl: url, credentials: account });
  await client.login();
  const registry = new SubstrateIdentityRegistry(client);
  let total = 0;
  for (const name of names) {
    const me = await registry.hydrate(name, `vault-${name}`);
    if (!me) throw new Error(`no identity ${name}`);
    const stores = createSubstrateStores(client, {
      agentId: me.identity.agentId,
      identityObjId: me.identity.identityObjId,
      identity: registry,
    });
    total += (await stores.sessions.list()).length;
  }
  return total;
}

async function scenario(db: { kind: "sqlite" } | { kind: "pg"; url: string; schema: string }) {
  const dir = mkdtempSync(join(tmpdir(), "hsagent-e2e-"));
  const procs: Proc[] = [];
  try {
    const substrate =
      db.kind === "sqlite"
        ? await spawnSubstrate(`sqlite:${join(dir, "substrate.db")}`)
        : await spawnSubstrate(db.url, db.schema);
    procs.push(substrate.proc);
    const relay = await spawnRelay();
    procs.push(relay.proc);
    const account = {
      username: `e2e${Math.random().toString(36).slice(2, 10)}`,
      password: "e2e-password-123",
    };

    // Two agents: at least 5 consecutive sessions, all v2, none aborted.
    const pair = ["alpha", "beta"].map((n) => spawnAgent(n, relay.address, substrate.url, account));
    procs.push(...pair);
    const ids = await Promise.all(
      pair.map(async (p) => (await p.waitLine(/"event":"ready".*"agentId":"([^"]+)"/))[1]!),
    );
    await waitFor(
      () => closedWith(pair[0]!, ids[1]!) >= 5 && closedWith(pair[1]!, ids[0]!) >= 5,
      30_000,
      "5 sessions between two processes",
    );
    for (const p of pair) {
      expect(lines(p).filter((l) => l.event === "aborted")).toEqual([]);
      expect(
        lines(p)
          .filter((l) => l.event === "established")
          .every((l) => l.version === 2),
      ).toBe(true);
      assertNoDuplicateSessions(p);
    }
    expect(await Promise.all(pair.map((p) => p.stop("SIGTERM")))).toEqual([0, 0]);

    // Five agents: every pair completes sessions concurrently.
    const names = ["a1", "a2", "a3", "a4", "a5"];
    const five = names.map((n) => spawnAgent(n, relay.address, substrate.url, account));
    procs.push(...five);
    const fiveIds = await Promise.all(
      five.map(async (p) => (await p.waitLine(/"event":"ready".*"agentId":"([^"]+)"/, 30_000))[1]!),
    );
    await waitFor(
      () => five.every((p, i) => fiveIds.every((peer, j) => i === j || closedWith(p, peer) >= 2)),
      60_000,
      "2 sessions in each of the 10 pairs",
    );
    // Before any stop: nothing aborted (a peer stopping mid-session may abort the other's later).
    for (const p of five)
      expect(
        lines(p).filter((l) => l.event === "aborted"),
        `${p.lines.join("\n").slice(-3000)}\n${p.stderr.slice(-3000)}`,
      ).toEqual([]);
    expect(await Promise.all(five.map((p) => p.stop("SIGTERM")))).toEqual([0, 0, 0, 0, 0]);
    for (const p of five) {
      assertNoDuplicateSessions(p);
      expect(lines(p).some((l) => l.event === "stopped")).toBe(true);
    }
    expect(await leftoverSessions(substrate.url, account, [...names, "alpha", "beta"])).toBe(0);
  } finally {
    await Promise.all(procs.map((p) => p.stop("SIGKILL")));
    rmSync(dir, { recursive: true, force: true });
  }
}

describe("end to end over real processes", () => {
  it("SQLite substrate: 2 agents ≥5 sessions, then 5 agents in every pair, no state left", async () => {
    await scenario({ kind: "sqlite" });
  }, 120_000);

  const url = pgUrl();
  const schema = randomSchema("agent_e2e");
  afterAll(async () => {
    if (url) await dropSchema(url, schema);
  });
  it.skipIf(!url)(
    "PostgreSQL substrate (random schema): the same",
    async () => {
      await scenario({ kind: "pg", url: url!, schema });
    },
    120_000,
  );
});
