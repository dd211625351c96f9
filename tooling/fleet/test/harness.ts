/**
 * Fault-test harness: a world of real processes (substrate server, relay, three one-agent hosts)
 * with short timers, and the recovery checks every fault test ends with.
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "vitest";
import { AgentHost } from "../src/fleet.js";
import { type FaultProxy, InfraProcess, startFaultProxy } from "../src/infra.js";
import { pairKey } from "../src/stats.js";
import { dropSchema, ensureAccount, randomName } from "../src/world.js";

/** Short timers so a fault and its recovery fit in seconds. */
export const FAST = { registerIntervalMs: 200, retransmitMs: 150, sessionTimeoutMs: 3000 };
/** Sessions must resume within this long after a fault clears. */
export const RESUME_MS = 2 * FAST.sessionTimeoutMs;

/** The PostgreSQL URL for tests, or null (skip); CI must have it. */
export { testPgUrl as pgUrl } from "@hsagent/substrate-server/testing";

/** Options of {@link startFaultWorld}. */
export interface FaultWorldOptions {
  pg?: string;
  tokenTtlSeconds?: number;
  /** Put a fault proxy between the agents and the substrate server. */
  proxy?: boolean;
}

/** Everything a fault test drives. */
export class FaultWorld {
  readonly hosts = new Map<string, AgentHost>();
  /** Hosts that ended (killed or replaced); their acked sids still count. */
  readonly retired: AgentHost[] = [];
  proxy: FaultProxy | null = null;

  constructor(
    readonly substrate: InfraProcess,
    readonly relay: InfraProcess,
    readonly account: { username: string; password: string },
    readonly cleanup: () => Promise<void>,
    readonly applicationName: string,
  ) {}

  /** URL the agents use for the substrate (through the proxy if any). */
  get substrateUrl(): string {
    return this.proxy?.url ?? `http://${this.substrate.address}`;
  }

  /** Start a one-agent host process named `name`. */
  async startAgent(name: string): Promise<AgentHost> {
    const [host, port] = this.relay.address.split(":");
    const h = new AgentHost({ HSAGENT_FLEET_VAULT_SECRET: "fault-vault" });
    await h.start({
      names: [name],
      relay: { host: host!, port: Number(port) },
      substrateUrl: this.substrateUrl,
      account: this.account,
      config: FAST,
      stuckGraceMs: 1000,
    });
    return h;
  }

  /** Start agents a, b, c and wait until every pair has completed a session. */
  async startAgents(names = ["a", "b", "c"]): Promise<void> {
    const started = await Promise.all(names.map((n) => this.startAgent(n)));
    for (const [i, n] of names.entries()) this.hosts.set(n, started[i]!);
    this.sharePeers();
    await this.waitAllPairs(Date.now(), 30_000);
  }

  /** Give every host the agentIds of the fleet (stuck-session watch). */
  sharePeers(): void {
    const ids = [...this.hosts.values()].flatMap((h) => [...h.agents.values()]);
    for (const h of this.hosts.values()) h.peers(ids);
  }

  /** agentId of agent `name`. */
  id(name: string): string {
    return this.hosts.get(name)!.agents.get(name)!;
  }

  /** Pairs (by agentId) of the current agents. */
  pairs(): string[] {
    const ids = [...this.hosts.keys()].map((n) => this.id(n));
    const out: string[] = [];
    for (let i = 0; i < ids.length; i++)
      for (let j = i + 1; j < ids.length; j++) out.push(pairKey(ids[i]!, ids[j]!));
    return out;
  }

  /** Pairs that closed a session after `since`. */
  pairsDoneSince(since: number): Set<string> {
    const done = new Set<string>();
    for (const h of this.hosts.values())
      for (const c of h.closed) if (c.at >= since) done.add(pairKey(h.agents.get(c.name)!, c.peer));
    return done;
  }

  /**
   * Wait until every pair completed a session after `since`; fails (naming the pairs left)
   * after `withinMs`. Returns the time it took from `since`.
   */
  async waitAllPairs(since: number, withinMs = RESUME_MS): Promise<number> {
    const pairs = this.pairs();
    for (;;) {
      const done = this.pairsDoneSince(since);
      if (pairs.every((p) => done.has(p))) return Date.now() - since;
      if (Date.now() - since > withinMs) {
        const names = new Map([...this.hosts.keys()].map((n) => [this.id(n), n]));
        const left = pairs
          .filter((p) => !done.has(p))
          .map((p) =>
            p
              .split("|")
              .map((id) => names.get(id))
              .join("-"),
          );
        const crashes = `substrate exits ${this.substrate.unexpectedExits}, relay exits ${this.relay.unexpectedExits}`;
        const reports = await Promise.all([...this.hosts.values()].map((h) => h.report().catch(() => null)));
        const states = reports
          .flatMap((r) => r?.agents ?? [])
          .map(
            (a) =>
              `${a.name}: aborted ${JSON.stringify(a.aborted)} rejected ${JSON.stringify(a.rejections)} longest ${a.longestActiveMs} ms`,
          )
          .join("; ");
        const logs = [
          states,
          this.substrate.stderr.slice(0, 1500),
          ...[...this.hosts.values()].map((h) => h.stderr),
        ]
          .map((t) => t.slice(-400))
          .filter(Boolean)
          .join("\n---\n");
        throw new Error(
          `sessions did not resume within ${withinMs} ms for pairs ${left.join(", ")} (${crashes})\n${logs}`,
        );
      }
      await sleep(50);
    }
  }

  /**
   * Stop every agent gracefully and check what must hold after any fault: processes exit 0 on
   * their own, no session state is left, every audit chain validates and holds every closed
   * session the agent saw written (acknowledged) — including those of killed incarnations.
   */
  async stopAndVerify(options: { allowLeftoverSessions?: boolean } = {}): Promise<void> {
    const stopped = await Promise.all(
      [...this.hosts].map(async ([name, h]) => {
        const r = await h.stop();
        expect(await h.exited, `agent ${name} process exit`).toEqual({ code: 0, signal: null });
        return r.agents;
      }),
    );
    const finals = stopped.flat();
    for (const f of finals) {
      expect(f.error, `agent ${f.name} post-stop checks`).toBeUndefined();
      if (options.allowLeftoverSessions)
        expect(f.sessionsLeft, `agent ${f.name} session listing`).toBeGreaterThanOrEqual(0);
      else expect(f.sessionsLeft, `agent ${f.name} sessions left after stop`).toBe(0);
      expect(f.auditValid, `agent ${f.name} audit chain: ${f.auditError}`).toBe(true);
      expect(f.auditPending, `agent ${f.name} audit events never written`).toBe(0);
      const chain = new Set(f.auditedClosedSids);
      const acked = new Set<string>();
      for (const h of [...this.retired, this.hosts.get(f.name)!])
        if (h.agents.get(f.name) === f.agentId) for (const sid of h.acked.get(f.name) ?? []) acked.add(sid);
      const lost = [...acked].filter((sid) => !chain.has(sid));
      expect(acked.size, `agent ${f.name} acknowledged audit events`).toBeGreaterThan(0);
      expect(lost, `agent ${f.name}: acknowledged SESSION_CLOSED events missing from the chain`).toEqual([]);
    }
    expect(this.substrate.unexpectedExits, "substrate crashed").toBe(0);
    expect(this.relay.unexpectedExits, "relay crashed").toBe(0);
  }

  /** Kill whatever is left and remove temporary state. */
  async close(): Promise<void> {
    await Promise.all([...this.hosts.values(), ...this.retired].map((h) => h.kill()));
    await this.proxy?.close();
    await this.relay.kill();
    await this.substrate.kill();
    await this.cleanup();
  }
}

/** Start a substrate process (SQLite in a temp dir, or PostgreSQL in a random schema) and a relay process. */
export async function startFaultWorld(options: FaultWorldOptions = {}): Promise<FaultWorld> {
  const dir = mkdtempSync(join(tmpdir(), "hsagent-faults-"));
  const schema = randomName("faults");
  const applicationName = randomName("fleetfault");
  let db = `sqlite:${join(dir, "substrate.db")}`;
  if (options.pg) {
    const url = new URL(options.pg);
    url.searchParams.set("application_name", applicationName);
    db = url.toString();
  }
  const substrate = new InfraProcess("substrate", {
    HSAGENT_FLEET_DB: db,
    HSAGENT_SUBSTRATE_JWT_SECRET: randomBytes(32).toString("hex"),
    // Faults, not password hashing, are under test: cheap hashes keep the many logins quick.
    HSAGENT_FLEET_FAST_SCRYPT: "1",
    ...(options.pg ? { HSAGENT_FLEET_PG_SCHEMA: schema } : {}),
    ...(options.tokenTtlSeconds ? { HSAGENT_FLEET_TOKEN_TTL: String(options.tokenTtlSeconds) } : {}),
  });
  const relay = new InfraProcess("relay");
  await Promise.all([substrate.start(), relay.start()]);
  const account = { username: randomName("tenant"), password: randomBytes(18).toString("base64url") };
  await ensureAccount(`http://${substrate.address}`, account);
  const world = new FaultWorld(
    substrate,
    relay,
    account,
    async () => {
      if (options.pg) await dropSchema(options.pg, schema).catch(() => {});
      rmSync(dir, { recursive: true, force: true });
    },
    applicationName,
  );
  if (options.proxy) world.proxy = await startFaultProxy(`http://${substrate.address}`);
  return world;
}

/** Sleep. */
export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
